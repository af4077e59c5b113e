"""nndl-hw4: the HW4 assignment kit (reference, student release, sandboxed grader)."""
__version__ = "0.1.0"
