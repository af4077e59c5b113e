"""Building blocks shared by the check modules: seeded inputs, field-by-field judges."""

import numpy as np

from .base import Verdict, failure
from .compare import describe_type, mismatch


class _Missing:
    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


def rng(seed):
    return np.random.default_rng(seed)


def dig(tree, path):
    """tree[path[0]][path[1]]...; MISSING where the student's output has no such entry."""
    for key in path:
        if isinstance(tree, dict) and key in tree:
            tree = tree[key]
        elif isinstance(tree, (list, tuple)) and isinstance(key, int) and -len(tree) <= key < len(tree):
            tree = tree[key]
        else:
            return MISSING
    return tree


def compare_fields(student, expected, fields, rtol, atol=None):
    """The first mismatch over fields [(path, label)], as a sentence, or None."""
    for path, label in fields:
        got = dig(student, path)
        if got is MISSING:
            return f"{label} is missing from what it returned"
        found = mismatch(got, dig(expected, path), rtol, label, atol)
        if found:
            return found
    return None


def fields_judge(function, title, fields, rtol, atol=None):
    """A judge comparing each field of the student's outputs with the expected ones."""
    fail = failure(function, title)

    def judge(student, expected, inputs):
        found = compare_fields(student, expected, fields, rtol, atol)
        return fail(found) if found else Verdict.ok()
    return judge


def grads_fields(grads_path, names):
    """[(path, label)] for the gradients `names` returned as a tuple at grads_path."""
    return [(grads_path + (i,), name) for i, name in enumerate(names)]


def binomial_tolerance(q, n, sigmas=6.0):
    """Half-width of the band a fraction of n Bernoulli(q) draws falls in, but for
    a chance of ~2e-9 (6 sigma): an implementation drawing other random numbers
    than the reference still passes, while p read the wrong way is many sigmas off."""
    return sigmas * float(np.sqrt(q * (1 - q) / n))


def array_problem(label, value, shape=None, dtype=None):
    """Why value is not an array of that shape/dtype, or None."""
    if not isinstance(value, np.ndarray):
        return f"{label} is {describe_type(value)}, expected a numpy array"
    if shape is not None and value.shape != tuple(shape):
        return f"{label} has shape {value.shape}, expected {tuple(shape)}"
    if dtype is not None and value.dtype != np.dtype(dtype):
        return f"{label} has dtype {value.dtype}, expected {np.dtype(dtype)}"
    if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
        return f"{label} contains NaN or infinite values"
    return None
