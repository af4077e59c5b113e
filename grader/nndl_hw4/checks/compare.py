"""Comparing a student's raw outputs with the expected ones, with readable reasons.

``mismatch(student, expected, rtol)`` walks both trees and returns the first
difference as a sentence naming WHERE (``next_w after step 2``), WHAT (shape,
type, NaN, relative error and the tolerance) and never the expected values.
"""

import numpy as np

from ..child.wire import Unsupported
from ..numerics import rel_error


def describe_type(value):
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return f"a {value.type_name}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a {type(value).__name__}"


def _array_mismatch(where, got, want, rtol, atol):
    if not isinstance(got, np.ndarray):
        return f"{where} is {describe_type(got)}, expected a numpy array of shape {want.shape}"
    if got.shape != want.shape:
        return f"{where} has shape {got.shape}, expected {want.shape}"
    if got.dtype.kind == "b" and want.dtype.kind != "b":
        return f"{where} is a boolean array, expected numbers"
    if got.size == 0:
        return None
    got64 = got.astype(np.float64)
    if not np.all(np.isfinite(got64)):
        bad = "NaN" if np.isnan(got64).any() else "infinite values"
        return f"{where} contains {bad}"
    want64 = want.astype(np.float64)
    if atol is not None and np.max(np.abs(got64 - want64)) <= atol:
        return None
    err = rel_error(got64, want64)
    if err > rtol:
        return f"{where}: max relative error {err:.2e} (tolerance {rtol:.0e})"
    return None


def mismatch(student, expected, rtol, where="output", atol=None):
    """The first difference between two output trees as a sentence, or None when they match."""
    if isinstance(expected, np.ndarray):
        return _array_mismatch(where, student, expected, rtol, atol)
    if isinstance(expected, dict):
        if not isinstance(student, dict):
            return f"{where} is {describe_type(student)}, expected a dict"
        for key, want in expected.items():
            if key not in student:
                return f"{where} has no {key!r}"
            found = mismatch(student[key], want, rtol, f"{where}[{key!r}]", atol)
            if found:
                return found
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(student, (list, tuple)) or len(student) != len(expected):
            return f"{where} is {describe_type(student)}, expected {describe_type(expected)}"
        for i, (got, want) in enumerate(zip(student, expected)):
            found = mismatch(got, want, rtol, f"{where}[{i}]", atol)
            if found:
                return found
        return None
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return None if student == expected else f"{where} is {student!r:.40}, expected another value"
    if isinstance(expected, (int, float)):
        if isinstance(student, np.ndarray) and student.shape == ():
            student = student.item()
        if isinstance(student, bool) or not isinstance(student, (int, float)):
            return f"{where} is {describe_type(student)}, expected a number"
        if not np.isfinite(student):
            return f"{where} is {student}"
        err = rel_error(student, expected)
        if err > rtol and (atol is None or abs(student - expected) > atol):
            return f"{where}: relative error {err:.2e} (tolerance {rtol:.0e})"
        return None
    raise TypeError(f"cannot compare against expected value of type {type(expected).__name__}")
