"""rel_error: the one relative-error measure of the notebooks, the grader and the kit's tests."""

import numpy as np


def rel_error(x, y):
    """
    Maximum elementwise relative error between two arrays of one shape.

    Inputs:
    - x, y: Arrays (or scalars) of the same shape.

    Returns:
    - max(|x - y| / max(1e-8, |x| + |y|)) as a Python float; the 1e-8 floor
      keeps entries that are both (nearly) zero from dividing by zero.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
