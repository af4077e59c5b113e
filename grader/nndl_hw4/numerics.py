"""The one relative-error measure used by checks, tests and notebooks.

Its source is the student-facing utils/numerics.py (solutions/utils), so the
notebooks' checks and the grader cannot drift apart.
"""

from .reference.utils.numerics import rel_error

__all__ = ["rel_error"]
