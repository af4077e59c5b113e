"""Encoding values between grader and sandbox: JSON plus raw array bytes, never pickle.

A value tree (dicts with str keys, lists, tuples, str, bool, int, float,
None, numpy arrays and numpy scalars) is encoded as a JSON document holding
the tree, with every array replaced by ``{"$array": k}``, and a table
``arrays`` of ``[dtype, shape]``; the arrays' bytes follow, concatenated in
that order (C order). Anything else is recorded as ``{"$unsupported":
"<type name>"}`` so the grader can say what a function returned instead of
crashing.

Decoding is written for hostile bytes: it enforces size limits, accepts
only plain numeric dtypes, and checks that the table describes EXACTLY the
bytes that came (so nothing is allocated from a size the sender merely
claims). Every failure is a WireError.
"""

import json
import math
import re

import numpy as np

ARRAY = "$array"
UNSUPPORTED = "$unsupported"
TUPLE = "$tuple"
NUMERIC_KINDS = "biuf"

MAX_JSON_BYTES = 4 << 20
MAX_ARRAY_BYTES = 64 << 20
MAX_ARRAYS = 4096
MAX_DEPTH = 32
MAX_DIMS = 32
_DTYPE = re.compile(r"^[<>|=][biuf][0-9]{1,2}$")


class WireError(ValueError):
    """The encoded data is malformed, too large, or of a refused type."""


def _encode(value, arrays, depth):
    if depth > MAX_DEPTH:
        return {UNSUPPORTED: "nesting deeper than %d" % MAX_DEPTH}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMERIC_KINDS or value.dtype.fields is not None:
            return {UNSUPPORTED: "numpy array of dtype %s" % value.dtype}
        arrays.append(value if value.flags.c_contiguous else value.copy(order="C"))
        return {ARRAY: len(arrays) - 1}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return {UNSUPPORTED: "dict with non-string keys"}
        return {k: _encode(v, arrays, depth + 1) for k, v in value.items()}
    if isinstance(value, tuple):
        return {TUPLE: [_encode(v, arrays, depth + 1) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays, depth + 1) for v in value]
    return {UNSUPPORTED: type(value).__name__}


def encode(value):
    """(json_bytes, array_bytes) for a value tree; array_bytes is b"" when it holds no arrays."""
    arrays = []
    tree = _encode(value, arrays, 0)
    table = [[a.dtype.str, list(a.shape)] for a in arrays]
    doc = json.dumps({"tree": tree, "arrays": table}).encode()
    return doc, b"".join(a.tobytes() for a in arrays)


class Unsupported:
    """Stands for a value the child could not encode (a function, a custom object...)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return "<%s>" % self.type_name

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.type_name == self.type_name


def _arrays(table, data):
    if not isinstance(table, list) or len(table) > MAX_ARRAYS:
        raise WireError("malformed array table")
    arrays, offset = [], 0
    for entry in table:
        if (not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str)
                or not _DTYPE.match(entry[0]) or not isinstance(entry[1], list) or len(entry[1]) > MAX_DIMS
                or not all(type(n) is int and 0 <= n <= MAX_ARRAY_BYTES for n in entry[1])):
            raise WireError("malformed array entry")
        dtype = np.dtype(entry[0])
        if dtype.kind not in NUMERIC_KINDS:
            raise WireError("array of refused dtype %s" % dtype)
        count = math.prod(entry[1])
        size = count * dtype.itemsize
        if offset + size > len(data):
            raise WireError("array bytes are shorter than their table says")
        arrays.append(np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(entry[1]).copy())
        offset += size
    if offset != len(data):
        raise WireError("array bytes are longer than their table says")
    return arrays


def _decode(node, arrays, depth):
    if depth > MAX_DEPTH:
        raise WireError("nesting deeper than %d" % MAX_DEPTH)
    if isinstance(node, dict):
        if ARRAY in node:
            key = node[ARRAY]
            if type(key) is not int or not 0 <= key < len(arrays):
                raise WireError("reference to a missing array %r" % (key,))
            return arrays[key]
        if TUPLE in node:
            if not isinstance(node[TUPLE], list):
                raise WireError("malformed tuple")
            return tuple(_decode(v, arrays, depth + 1) for v in node[TUPLE])
        if UNSUPPORTED in node:
            return Unsupported(str(node[UNSUPPORTED])[:200])
        return {str(k): _decode(v, arrays, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_decode(v, arrays, depth + 1) for v in node]
    return node


def decode(doc, data=b""):
    """The value tree from encode's bytes; WireError on anything malformed or oversized."""
    try:
        if len(doc) > MAX_JSON_BYTES:
            raise WireError("result is %d bytes, over the %d limit" % (len(doc), MAX_JSON_BYTES))
        if len(data) > MAX_ARRAY_BYTES:
            raise WireError("arrays take %d bytes, over the %d limit" % (len(data), MAX_ARRAY_BYTES))
        parsed = json.loads(doc)
        if not isinstance(parsed, dict) or "tree" not in parsed:
            raise WireError("result has no value tree")
        return _decode(parsed["tree"], _arrays(parsed.get("arrays") or [], data), 0)
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, RecursionError, OverflowError, MemoryError) as exc:
        raise WireError("unreadable result (%s: %s)" % (type(exc).__name__, str(exc)[:200])) from exc
