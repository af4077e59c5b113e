"""The batch file format: round trips, channel layout, fidelity to the official pickles."""

import pickle
import pickletools

import numpy as np
import pytest

from nndl_hw4.cifar import LABEL_NAMES, Batch, Meta, read_batch, read_meta, write_batch, write_meta
from nndl_hw4.cifar.batches import dumps_batch
from nndl_hw4.errors import DataError
from nndl_hw4.reference.utils.data_utils import load_CIFAR_batch


def _batch(n=7, seed=0):
    rs = np.random.RandomState(seed)
    return Batch(data=rs.randint(0, 256, size=(n, 3072)).astype(np.uint8),
                 labels=rs.randint(0, 10, size=n),
                 filenames=[f"img_{i:04d}.png".encode() for i in range(n)],
                 batch_label=b"training batch 1 of 5")


def test_round_trip_through_read_batch_and_the_student_loader(tmp_path):
    batch = _batch()
    write_batch(tmp_path / "data_batch_1", batch)

    back = read_batch(tmp_path / "data_batch_1")
    np.testing.assert_array_equal(back.data, batch.data)
    np.testing.assert_array_equal(back.labels, batch.labels)
    assert back.filenames == batch.filenames
    assert back.batch_label == batch.batch_label

    X, y = load_CIFAR_batch(str(tmp_path / "data_batch_1"))
    assert X.shape == (7, 32, 32, 3) and y.shape == (7,)
    np.testing.assert_array_equal(X, batch.images())
    np.testing.assert_array_equal(y, batch.labels)


def test_rows_are_channel_major_red_green_blue(tmp_path):
    data = np.zeros((1, 3072), dtype=np.uint8)
    data[0, 0], data[0, 1024], data[0, 2048] = 10, 20, 30   # pixel (0, 0): R, G, B
    data[0, 33] = 40                                         # red of pixel (row 1, column 1)
    write_batch(tmp_path / "b",
                Batch(data=data, labels=[3], filenames=[b"x.png"], batch_label=b"t"))
    X, _ = load_CIFAR_batch(str(tmp_path / "b"))
    assert list(X[0, 0, 0]) == [10, 20, 30]
    assert X[0, 1, 1, 0] == 40


def test_pickle_is_what_python2_wrote():
    stream = dumps_batch(_batch())
    assert stream[:2] == b"\x80\x02"  # protocol 2
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(stream)]
    globals_ = {arg for name, arg in ops if name == "GLOBAL"}
    # numpy.core (readable by every numpy), no _codecs (Python 3's way to pickle bytes)
    assert globals_ == {"numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"}
    assert ("SHORT_BINSTRING", "data") in [(n, a.decode("latin1") if isinstance(a, bytes) else a)
                                           for n, a in ops]
    # Like the official files: str keys with encoding='latin1', UnicodeDecodeError without it.
    assert set(pickle.loads(stream, encoding="latin1")) == {"batch_label", "labels", "data",
                                                           "filenames"}
    with pytest.raises(UnicodeDecodeError):
        pickle.loads(stream)
    assert list(pickle.loads(stream, encoding="bytes")) == [b"batch_label", b"labels", b"data",
                                                           b"filenames"]


def test_meta_round_trip(tmp_path):
    write_meta(tmp_path / "batches.meta", Meta(list(LABEL_NAMES), num_cases_per_batch=20))
    meta = read_meta(tmp_path / "batches.meta")
    assert meta == Meta(list(LABEL_NAMES), 20, 3072)
    with open(tmp_path / "batches.meta", "rb") as f:
        raw = pickle.load(f, encoding="bytes")
    assert raw == {b"num_cases_per_batch": 20, b"num_vis": 3072,
                   b"label_names": [name.encode() for name in LABEL_NAMES]}


@pytest.mark.parametrize("change, message", [
    pytest.param({"data": np.zeros((2, 3072), dtype=np.int16)}, "uint8", id="wrong-dtype"),
    pytest.param({"data": np.zeros((2, 100), dtype=np.uint8)}, "3072", id="wrong-width"),
    pytest.param({"labels": [1]}, "must match", id="too-few-labels"),
    pytest.param({"labels": [1, 10]}, "0..9", id="label-out-of-range"),
])
def test_write_batch_refuses_malformed_batches(tmp_path, change, message):
    fields = dict(data=np.zeros((2, 3072), dtype=np.uint8), labels=[0, 1],
                  filenames=[b"a", b"b"], batch_label=b"t")
    fields.update(change)
    with pytest.raises(ValueError, match=message):
        write_batch(tmp_path / "b", Batch(**fields))


class _Evil:
    """Unpickles by calling a function (harmless here; os.system in a real attack)."""

    def __reduce__(self):
        return (len, ("x",))


@pytest.mark.parametrize("payload, message", [
    pytest.param(pickle.dumps({b"data": _Evil()}, protocol=2), "refusing to load", id="code"),
    pytest.param(b"not a pickle", "not a CIFAR-10 python batch", id="garbage"),
    pytest.param(pickle.dumps([1, 2], protocol=2), "not the dict", id="list"),
    pytest.param(pickle.dumps({b"data": b""}, protocol=2), "lacks the keys", id="missing-keys"),
])
def test_read_batch_refuses_foreign_files(tmp_path, payload, message):
    (tmp_path / "b").write_bytes(payload)
    with pytest.raises(DataError, match=message):
        read_batch(tmp_path / "b")


def test_read_batch_of_a_missing_file_names_the_download_command(tmp_path):
    with pytest.raises(DataError, match="does not exist") as info:
        read_batch(tmp_path / "data_batch_1")
    assert "nndl-hw4 data download" in info.value.hint


def test_read_batch_accepts_python3_pickles_of_the_same_dict(tmp_path):
    """Files re-saved by Python 3 tools (bytes via _codecs, numpy int labels) still load."""
    batch = _batch(n=3)
    raw = {b"batch_label": b"", b"labels": list(np.asarray(batch.labels, dtype=np.int64)),
           b"data": batch.data, b"filenames": batch.filenames}
    (tmp_path / "b").write_bytes(pickle.dumps(raw, protocol=2))
    back = read_batch(tmp_path / "b")
    np.testing.assert_array_equal(back.data, batch.data)
    np.testing.assert_array_equal(back.labels, batch.labels)
    assert back.batch_label == b""
