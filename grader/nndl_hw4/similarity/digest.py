"""A short digest of the outputs a student's code returned on a failed check.

``grading.json`` keeps it per check (``outputs_digest``, grading/grade.py) so
that ``nndl-hw4 similar`` can tell two students who return exactly the same
wrong numbers on the same hidden inputs. Floats are rounded to 20 significant
bits (about 6 significant digits) before hashing, so the float noise of the
same computation written a little differently (``(a * b) * c`` or ``a * (b *
c)``) digests the same; -0.0 is 0.0 and every NaN is one NaN. Shapes, dtypes,
keys and container types are part of the digest.
"""

import hashlib
import math

import numpy as np

SIGNIFICANT_BITS = 20
LENGTH = 16          # hex characters kept: 64 bits, no accidental collisions in a class


def failed_outputs_digest(observation, passed):
    """The digest of a FAILED check's outputs (the student's code ran and answered); None otherwise."""
    if passed or observation.status != "ok":
        return None
    return outputs_digest(observation.outputs)


def outputs_digest(value):
    digest = hashlib.sha256()
    _feed(digest, value)
    return digest.hexdigest()[:LENGTH]


def _rounded(array):
    values = np.asarray(array, dtype=np.float64)
    mantissa, exponent = np.frexp(values)
    with np.errstate(invalid="ignore"):
        values = np.ldexp(np.round(mantissa * 2.0 ** SIGNIFICANT_BITS) / 2.0 ** SIGNIFICANT_BITS, exponent)
    values = np.where(np.isnan(values), np.nan, values) + 0.0      # one NaN, no -0.0
    return np.ascontiguousarray(values).tobytes()


def _feed(digest, value):
    if isinstance(value, np.ndarray):
        digest.update(f"A{value.dtype.str}{value.shape}".encode())
        if value.dtype.kind in "fc":
            digest.update(_rounded(value.real) + (_rounded(value.imag) if value.dtype.kind == "c" else b""))
        else:
            digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        digest.update(f"D{len(value)}".encode())
        for key in sorted(value, key=str):
            digest.update(f"K{key!s}".encode())
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__[0]}{len(value)}".encode())
        for element in value:
            _feed(digest, element)
    elif isinstance(value, (float, np.floating)) and not math.isnan(value):
        digest.update(b"F" + _rounded(value))
    elif isinstance(value, (bool, int, str, type(None), np.integer, np.bool_, float)):
        digest.update(f"{type(value).__name__}:{value!r}".encode())
    else:        # an unsupported value the child reported by its type name (wire.Unsupported), or any other
        digest.update(f"?{type(value).__name__}:{getattr(value, 'type_name', '')}".encode())
