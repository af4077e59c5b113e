"""Running untrusted student code in a child process with limits.

``limits`` holds the instructor-tunable limits; ``backends`` chooses how a
child is isolated (``select``): ``bubblewrap`` where the OS has it,
``direct`` (a plain child process with resource limits) elsewhere, both
built on ``command``; ``launch`` runs one child, drains its pipes and keeps
its clocks. docs/sandbox.md says what each backend does and does not
protect.
"""
