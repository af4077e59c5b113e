"""Read and write single CIFAR-10 batch files (the python version's pickles).

The official files were written by Python 2's cPickle, protocol 2: text is a
Python 2 ``str`` (bytes once loaded with ``encoding='bytes'``) and the image
array refers to ``numpy.core.multiarray._reconstruct``. ``write_batch`` emits
that same stream, opcode for opcode where it matters, instead of using
Python 3's pickler (which would reference ``numpy._core``, unreadable by
numpy < 1.26, and encode bytes through ``_codecs``). So a loader that reads
our files reads the official ones, and the files are byte-identical on every
machine.

A batch is a dict with ``b'batch_label'`` (bytes), ``b'labels'`` (list of n
ints in 0..9), ``b'data'`` (uint8 array (n, 3072): each row is 1024 red, then
1024 green, then 1024 blue values of a 32x32 image in row-major order) and
``b'filenames'`` (list of n bytes). ``batches.meta`` holds ``b'label_names'``,
``b'num_cases_per_batch'`` and ``b'num_vis'``.
"""

import io
import pickle
import struct
from dataclasses import dataclass

import numpy as np

from nndl_hw4.errors import DataError

DIRNAME = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
README_FILE = "readme.html"
BATCH_FILES = TRAIN_FILES + (TEST_FILE,)
LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck")
NUM_VIS = 3 * 32 * 32

# The only globals a CIFAR-10 pickle needs (also as Python 3 writes them:
# _codecs/bytes for bytes, numpy scalars for labels); read_batch refuses any
# other, so a doctored file cannot run code when loaded.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
    ("__builtin__", "bytes"),
    ("builtins", "bytes"),
}


@dataclass
class Batch:
    """One batch file: data (n, 3072) uint8, labels (n,) int64, filenames, batch_label."""

    data: np.ndarray
    labels: np.ndarray
    filenames: list
    batch_label: bytes

    def images(self):
        """The images as (n, 32, 32, 3) uint8, channels last (as load_CIFAR_batch)."""
        return self.data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


@dataclass
class Meta:
    """The contents of batches.meta."""

    label_names: list
    num_cases_per_batch: int
    num_vis: int = NUM_VIS


class _Py2Pickle:
    """Just enough of a protocol-2 pickler to write what Python 2 wrote."""

    def __init__(self):
        self.out = io.BytesIO()
        self.out.write(pickle.PROTO + b"\x02")

    def save_str(self, value):
        if len(value) < 256:
            self.out.write(pickle.SHORT_BINSTRING + bytes([len(value)]) + value)
        else:
            self.out.write(pickle.BINSTRING + struct.pack("<i", len(value)) + value)

    def save_int(self, value):
        value = int(value)
        if 0 <= value < 256:
            self.out.write(pickle.BININT1 + bytes([value]))
        elif 0 <= value < 65536:
            self.out.write(pickle.BININT2 + struct.pack("<H", value))
        else:
            self.out.write(pickle.BININT + struct.pack("<i", value))

    def save_list(self, items, save):
        self.out.write(pickle.EMPTY_LIST)
        for start in range(0, len(items), 1000):  # cPickle appends in runs of 1000
            self.out.write(pickle.MARK)
            for item in items[start:start + 1000]:
                save(item)
            self.out.write(pickle.APPENDS)

    def save_global(self, module, name):
        self.out.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())

    def save_uint8_matrix(self, array):
        # numpy 1.x's ndarray.__reduce__: _reconstruct(ndarray, (0,), 'b') then
        # BUILD with (version 1, shape, dtype('u1'), fortran=False, raw bytes).
        self.save_global("numpy.core.multiarray", "_reconstruct")
        self.save_global("numpy", "ndarray")
        self.save_int(0)
        self.out.write(pickle.TUPLE1)
        self.save_str(b"b")
        self.out.write(pickle.TUPLE3 + pickle.REDUCE + pickle.MARK)
        self.save_int(1)
        for dim in array.shape:
            self.save_int(dim)
        self.out.write(pickle.TUPLE2)
        self.save_global("numpy", "dtype")
        self.save_str(b"u1")
        self.save_int(0)
        self.save_int(1)
        self.out.write(pickle.TUPLE3 + pickle.REDUCE + pickle.MARK)
        self.save_int(3)
        self.save_str(b"|")
        self.out.write(pickle.NONE * 3)
        self.out.write((pickle.BININT + struct.pack("<i", -1)) * 2)
        self.save_int(0)
        self.out.write(pickle.TUPLE + pickle.BUILD + pickle.NEWFALSE)
        self.save_str(np.ascontiguousarray(array).tobytes())
        self.out.write(pickle.TUPLE + pickle.BUILD)

    def save_dict(self, items):
        self.out.write(pickle.EMPTY_DICT + pickle.MARK)
        for key, save_value in items:
            self.save_str(key)
            save_value()
        self.out.write(pickle.SETITEMS)

    def getvalue(self):
        return self.out.getvalue() + pickle.STOP


def dumps_batch(batch):
    """The bytes of a batch file, as Python 2 cPickle (protocol 2) wrote them."""
    data = np.asarray(batch.data)
    labels = [int(label) for label in np.asarray(batch.labels).ravel()]
    filenames = [bytes(name) for name in batch.filenames]
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != NUM_VIS:
        raise ValueError(f"data must be uint8 of shape (n, {NUM_VIS}), "
                         f"got {data.dtype} {data.shape}")
    if not len(labels) == len(filenames) == data.shape[0]:
        raise ValueError(f"{data.shape[0]} images, {len(labels)} labels and "
                         f"{len(filenames)} filenames: they must match")
    if any(not 0 <= label < len(LABEL_NAMES) for label in labels):
        raise ValueError(f"labels must lie in 0..{len(LABEL_NAMES) - 1}")
    p = _Py2Pickle()
    p.save_dict([
        (b"batch_label", lambda: p.save_str(bytes(batch.batch_label))),
        (b"labels", lambda: p.save_list(labels, p.save_int)),
        (b"data", lambda: p.save_uint8_matrix(data)),
        (b"filenames", lambda: p.save_list(filenames, p.save_str)),
    ])
    return p.getvalue()


def dumps_meta(meta):
    """The bytes of batches.meta, as Python 2 cPickle (protocol 2) wrote them."""
    names = [name.encode() if isinstance(name, str) else bytes(name) for name in meta.label_names]
    p = _Py2Pickle()
    p.save_dict([
        (b"num_cases_per_batch", lambda: p.save_int(meta.num_cases_per_batch)),
        (b"label_names", lambda: p.save_list(names, p.save_str)),
        (b"num_vis", lambda: p.save_int(meta.num_vis)),
    ])
    return p.getvalue()


def write_batch(path, batch):
    """Write one batch file (data_batch_i or test_batch) at path."""
    with open(path, "wb") as f:
        f.write(dumps_batch(batch))


def write_meta(path, meta):
    """Write batches.meta at path."""
    with open(path, "wb") as f:
        f.write(dumps_meta(meta))


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not part of CIFAR-10")
        return super().find_class(module, name)


def _load(path):
    try:
        with open(path, "rb") as f:
            obj = _SafeUnpickler(f, encoding="bytes").load()
    except FileNotFoundError as error:
        raise DataError(f"{path} does not exist",
                        hint="download CIFAR-10 with `nndl-hw4 data download`") from error
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as error:
        raise DataError(f"{path} is not a CIFAR-10 python batch file ({error})",
                        hint="download it again with `nndl-hw4 data download --force`") from error
    if not isinstance(obj, dict):
        raise DataError(f"{path} holds a {type(obj).__name__}, not the dict of a CIFAR-10 batch")
    return obj


def _require(path, obj, keys):
    missing = [key for key in keys if key not in obj]
    if missing:
        raise DataError(f"{path} lacks the keys {missing} of a CIFAR-10 file")


def read_batch(path):
    """Read and check one batch file; returns a Batch."""
    obj = _load(path)
    _require(path, obj, (b"batch_label", b"labels", b"data", b"filenames"))
    data = np.asarray(obj[b"data"])
    labels = np.asarray(obj[b"labels"], dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != NUM_VIS:
        raise DataError(f"{path}: data is {data.dtype} {data.shape}, expected uint8 (n, {NUM_VIS})")
    if labels.shape != (data.shape[0],) or len(obj[b"filenames"]) != data.shape[0]:
        raise DataError(f"{path}: {data.shape[0]} images but {labels.size} labels "
                        f"and {len(obj[b'filenames'])} filenames")
    return Batch(data=data, labels=labels, filenames=list(obj[b"filenames"]),
                 batch_label=obj[b"batch_label"])


def read_meta(path):
    """Read batches.meta; returns a Meta with label names as str."""
    obj = _load(path)
    _require(path, obj, (b"label_names", b"num_cases_per_batch", b"num_vis"))
    return Meta(label_names=[name.decode() for name in obj[b"label_names"]],
                num_cases_per_batch=int(obj[b"num_cases_per_batch"]),
                num_vis=int(obj[b"num_vis"]))
