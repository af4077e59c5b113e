"""Encoding values between grader and sandbox: JSON plus an .npz, never pickle.

A value tree (dicts with str keys, lists, tuples, str, bool, int, float,
None, numpy arrays and numpy scalars) is encoded as JSON holding the tree
with every array replaced by ``{"$array": "a<k>"}`` plus an .npz holding the
arrays (as bytes for the result stream, as files for a check's inputs). Anything else is recorded as
``{"$unsupported": "<type name>"}`` so the grader can say what a function
returned instead of crashing. Decoding enforces size limits and refuses
object arrays, so a hostile child cannot make the parent run code or
exhaust its memory.
"""

import io
import json
import math
import os
import zipfile

import numpy as np

ARRAY = "$array"
UNSUPPORTED = "$unsupported"
TUPLE = "$tuple"
NUMERIC_KINDS = "biuf"

MAX_JSON_BYTES = 4 << 20
MAX_NPZ_BYTES = 64 << 20
MAX_ARRAYS = 4096
MAX_DEPTH = 32


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
        if value.dtype.kind not in NUMERIC_KINDS:
            return {UNSUPPORTED: "numpy array of dtype %s" % value.dtype}
        key = "a%d" % len(arrays)
        arrays[key] = value
        return {ARRAY: key}
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
    """(json_bytes, npz_bytes) for a value tree; npz_bytes is b"" when it holds no arrays."""
    arrays = {}
    tree = _encode(value, arrays, 0)
    npz = b""
    if arrays:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        npz = buf.getvalue()
    doc = json.dumps({"tree": tree, "arrays": sorted(arrays)}).encode()
    return doc, npz


def dump(value, stem):
    """Write value as <stem>.json and <stem>.npz (the grader's inputs for a check)."""
    doc, npz = encode(value)
    stem = os.fspath(stem)
    with open(stem + ".npz", "wb") as f:
        f.write(npz)
    with open(stem + ".json", "wb") as f:
        f.write(doc)


def _decode(node, arrays, depth):
    if depth > MAX_DEPTH:
        raise WireError("nesting deeper than %d" % MAX_DEPTH)
    if isinstance(node, dict):
        if ARRAY in node:
            key = node[ARRAY]
            if key not in arrays:
                raise WireError("reference to a missing array %r" % (key,))
            return arrays[key]
        if TUPLE in node:
            return tuple(_decode(v, arrays, depth + 1) for v in node[TUPLE])
        if UNSUPPORTED in node:
            return Unsupported(str(node[UNSUPPORTED])[:200])
        return {str(k): _decode(v, arrays, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_decode(v, arrays, depth + 1) for v in node]
    if isinstance(node, float) and not math.isfinite(node):
        return node
    return node


class Unsupported:
    """Stands for a value the child could not encode (a function, a custom object...)."""

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return "<%s>" % self.type_name

    def __eq__(self, other):
        return isinstance(other, Unsupported) and other.type_name == self.type_name


def _load_arrays(npz, names):
    if len(npz) > MAX_NPZ_BYTES:
        raise WireError("arrays take %d bytes, over the %d limit" % (len(npz), MAX_NPZ_BYTES))
    with zipfile.ZipFile(io.BytesIO(npz)) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ARRAYS:
            raise WireError("too many arrays (%d)" % len(infos))
        if sum(i.file_size for i in infos) > MAX_NPZ_BYTES:
            raise WireError("arrays expand to more than %d bytes" % MAX_NPZ_BYTES)
    arrays = {}
    with np.load(io.BytesIO(npz), allow_pickle=False) as archive:
        for name in names:
            if name not in archive.files:
                raise WireError("array %r is missing" % name)
            arr = archive[name]
            if arr.dtype.kind not in NUMERIC_KINDS:
                raise WireError("array of refused dtype %s" % arr.dtype)
            arrays[name] = arr
    return arrays


def decode(doc, npz=b""):
    """The value tree from encode's bytes; WireError on anything malformed or oversized."""
    try:
        if len(doc) > MAX_JSON_BYTES:
            raise WireError("result is %d bytes, over the %d limit" % (len(doc), MAX_JSON_BYTES))
        parsed = json.loads(doc)
        if not isinstance(parsed, dict) or "tree" not in parsed:
            raise WireError("result has no value tree")
        names = parsed.get("arrays") or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise WireError("malformed array list")
        arrays = _load_arrays(npz, names) if names else {}
        return _decode(parsed["tree"], arrays, 0)
    except WireError:
        raise
    except (ValueError, TypeError, KeyError, RecursionError, zipfile.BadZipFile, OSError) as exc:
        raise WireError("unreadable result (%s: %s)" % (type(exc).__name__, str(exc)[:200])) from exc


def load(stem):
    """Read what dump wrote."""
    stem = os.fspath(stem)
    with open(stem + ".json", "rb") as f:
        doc = f.read(MAX_JSON_BYTES + 1)
    with open(stem + ".npz", "rb") as f:
        npz = f.read(MAX_NPZ_BYTES + 1)
    return decode(doc, npz)
