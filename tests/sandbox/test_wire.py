"""The bytes that come back from a child are hostile: parsing them never crashes the grader.

Before these checks, a 4 KiB header of nested brackets (RecursionError), a
``1e999`` length (OverflowError) or an array header claiming 745 GiB
(MemoryError in np.load) escaped as exceptions and stopped a whole batch.
"""

import json

import numpy as np
import pytest

from nndl_hw4.child import stream, wire


@pytest.mark.parametrize("value", [
    pytest.param(np.arange(6.0).reshape(2, 3), id="float64"),
    pytest.param(np.asfortranarray(np.arange(6.0).reshape(2, 3)), id="fortran-order"),
    pytest.param(np.arange(6, dtype=np.float32)[::2], id="strided-float32"),
    pytest.param(np.array(5), id="0-d"),
    pytest.param(np.zeros((2, 0, 3)), id="empty"),
    pytest.param(np.arange(4, dtype=">i4"), id="big-endian"),
    pytest.param(np.array([True, False]), id="bool"),
    pytest.param(np.float16([1, 2]), id="float16"),
])
def test_arrays_round_trip_exactly(value):
    tree = {"x": value, "nested": [value, (1, None, float("nan"), "s")], "other": object()}
    out = wire.decode(*wire.encode(tree))
    assert out["x"].dtype == value.dtype and out["x"].shape == value.shape
    assert np.array_equal(out["x"], value)
    assert out["nested"][1][:2] == (1, None) and np.isnan(out["nested"][1][2])
    assert out["other"] == wire.Unsupported("object")


def _doc(tree, arrays):
    return json.dumps({"tree": tree, "arrays": arrays}).encode()


@pytest.mark.parametrize("doc, data", [
    pytest.param(_doc({"$array": 0}, [["<f8", [10**11]]]), b"\0" * 64, id="claims-745-GiB"),
    pytest.param(_doc({"$array": 0}, [["<f8", [2]]]), b"\0" * 24, id="longer-than-claimed"),
    pytest.param(_doc({"$array": 0}, [["|O8", [1]]]), b"\0" * 8, id="object-dtype"),
    pytest.param(_doc({"$array": 0}, [["<V8", [1]]]), b"\0" * 8, id="void-dtype"),
    pytest.param(_doc({"$array": 0}, [["<f8", [-1]]]), b"", id="negative-dimension"),
    pytest.param(_doc({"$array": 5}, []), b"", id="missing-array"),
    pytest.param(_doc({"$array": [0]}, []), b"", id="unhashable-reference"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, b"", id="deep-json"),
    pytest.param(_doc(1, []).replace(b"1", b"1" + b"0" * 5000), b"", id="5000-digit-int"),
    pytest.param(b"\xff\xfe", b"", id="not-utf8"),
    pytest.param(b"x" * (wire.MAX_JSON_BYTES + 1), b"", id="oversized-document"),
])
def test_hostile_documents_are_wire_errors(doc, data):
    with pytest.raises(wire.WireError):
        wire.decode(doc, data)


@pytest.mark.parametrize("data", [
    pytest.param(b"[" * 2000 + b"]" * 2000 + b"\n", id="deep-json-header"),
    pytest.param(b'{"kind": "result", "doc": 1e999, "data": 0}\n', id="infinite-length"),
    pytest.param(b'{"kind": "result", "doc": -1, "data": 0}\n', id="negative-length"),
    pytest.param(b'{"kind": "result", "doc": true, "data": 0}\n', id="boolean-length"),
    pytest.param(b'{"doc": 0, "data": 0}\n', id="no-kind"),
    pytest.param(b'[1, 2]\n', id="not-an-object"),
    pytest.param(b"x" * (stream.MAX_HEADER + 1), id="no-newline"),
])
def test_hostile_frames_stop_the_parse_with_a_reason(data):
    good = stream.frame_bytes({"kind": "start", "index": 0})
    frames, error = stream.parse(good + data)
    assert [f.kind for f in frames] == ["start"]
    assert error in ("malformed frame header", "oversized frame header")


def test_incomplete_frame_is_truncated_not_an_error():
    data = stream.frame_bytes({"kind": "result", "index": 0}, b"{}", b"abc")
    assert stream.parse(data[:-1]) == ([], "truncated frame")
    frames, error = stream.parse(data)
    assert error is None and frames[0].doc == b"{}" and frames[0].data == b"abc"
