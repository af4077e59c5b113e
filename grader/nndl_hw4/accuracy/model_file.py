"""Reading a student's saved model (``model.npz``) as untrusted data.

The file is a zip of ``.npy`` members (``save_model`` in utils/model_io.py).
Nothing in it is trusted: the size, the zip's member table, every ``.npy``
header and every array are checked before anything is allocated or used, and
no pickle is ever loaded. The order of work:

1. the file: a regular file of at most ``MAX_MODEL_BYTES``;
2. the zip: readable, few members, each ``<key>.npy`` once, declared
   unpacked sizes within ``MAX_UNPACKED_BYTES`` (zipfile never inflates a
   member past its declared size, so this bounds memory: no zip bomb);
3. each member: a .npy header (version 1 or 2) whose dtype holds no Python
   objects and whose shape x itemsize is exactly the member's data size (a
   lying header cannot make numpy allocate a huge array); CRC checked;
4. the model: the ``format`` marker, the metadata, an architecture that fits
   CIFAR-10 (3072 inputs, 10 classes), exactly the parameters and running
   statistics that ``hidden_dims``/``use_batchnorm`` imply, with their
   shapes, all finite floating point.

Any failure raises ModelFileError whose message is what the student reads.
"""

import math
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..handin import MAX_MODEL_BYTES, MODEL_FILE
from ..reference.utils.model_io import FORMAT

INPUT_DIM = 3 * 32 * 32
NUM_CLASSES = 10
MAX_UNPACKED_BYTES = MAX_MODEL_BYTES   # save_model does not compress: unpacked ~ file size
MAX_MEMBERS = 256                      # 7 metadata entries + 6 per hidden layer: ~40 layers
MAX_HEADER_BYTES = 10000               # numpy's own limit for a .npy header
FLOAT_DTYPES = ("float16", "float32", "float64")
METADATA = ("format", "hidden_dims", "input_dim", "num_classes", "use_batchnorm", "dropout", "dtype")
SAVE_HINT = "save it with save_model(model, 'model.npz') from utils/model_io.py"
MISSING = (f"no {MODEL_FILE} in your submission: in the final part, save your best model with "
           f"save_model(model, '{MODEL_FILE}') from utils/model_io.py and hand it in with your code")


class ModelFileError(Exception):
    """The saved model cannot be scored; the message says why, for the student."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class SavedModel:
    """A validated model: what the trusted network is rebuilt from."""

    hidden_dims: tuple
    use_batchnorm: bool
    dtype: np.dtype
    params: dict        # {"W1": (3072, H1) array, "b1": (H1,), ..., "gamma1", "beta1", ...}
    running: tuple      # per batchnorm layer: (running_mean (H,), running_var (H,))


def _mib(n):
    return f"{n / (1 << 20):.1f} MiB"


# ------------------------------------------------------------- the zip and its members

def _read_member(archive, info, name):
    """The array stored in member `info` (validated header, exact size, CRC checked)."""
    key = info.filename[:-len(".npy")]
    with archive.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=MAX_HEADER_BYTES)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=MAX_HEADER_BYTES)
            else:
                raise ModelFileError(f"{name}: entry {key!r} uses .npy format {version}, "
                                     f"which the grader does not read; {SAVE_HINT}")
        except (ValueError, TypeError, SyntaxError) as error:
            raise ModelFileError(f"{name}: entry {key!r} is not a valid .npy array ({error}); {SAVE_HINT}") from None
        if dtype.hasobject:
            raise ModelFileError(f"{name}: entry {key!r} is an array of Python objects (pickled data), which "
                                 f"the grader never loads; {SAVE_HINT} (plain numeric arrays only)")
        if dtype.fields is not None or dtype.subdtype is not None:
            raise ModelFileError(f"{name}: entry {key!r} has a structured dtype {dtype}; {SAVE_HINT}")
        nbytes = math.prod(shape) * dtype.itemsize
        if f.tell() + nbytes != info.file_size:
            raise ModelFileError(f"{name}: entry {key!r} is malformed (its header announces {nbytes} bytes of "
                                 f"data, the member holds {info.file_size - f.tell()}); {SAVE_HINT}")
        data = f.read(nbytes + 1)   # reading to the end makes zipfile check the CRC
    if len(data) != nbytes:
        raise ModelFileError(f"{name}: entry {key!r} is truncated; {SAVE_HINT}")
    return key, np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def too_big(name, size, max_bytes=MAX_MODEL_BYTES):
    """The student-facing message for a model file of `size` bytes over the cap."""
    return (f"{name} is {_mib(size)}, more than the {_mib(max_bytes)} allowed: save a smaller "
            "network (fewer or narrower hidden layers, or dtype float32)")


def read_arrays(path, max_bytes=MAX_MODEL_BYTES):
    """{key: array} of the .npz at `path`, read defensively (see the module docstring)."""
    path = Path(path)
    name = path.name
    if not path.exists() and not path.is_symlink():
        raise ModelFileError(MISSING)
    if path.is_symlink() or not path.is_file():
        raise ModelFileError(f"{name} is not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise ModelFileError(too_big(name, size, max_bytes))
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise ModelFileError(f"{name} holds {len(members)} entries (at most {MAX_MEMBERS}); {SAVE_HINT}")
            unpacked = sum(m.file_size for m in members)
            if unpacked > MAX_UNPACKED_BYTES:
                raise ModelFileError(f"{name} unpacks to {_mib(unpacked)}, more than the "
                                     f"{_mib(MAX_UNPACKED_BYTES)} allowed; {SAVE_HINT}")
            arrays = {}
            for info in members:
                if info.flag_bits & 0x1:
                    raise ModelFileError(f"{name} is encrypted; {SAVE_HINT}")
                if info.is_dir() or not info.filename.endswith(".npy"):
                    raise ModelFileError(f"{name} holds {info.filename!r}, which is not a .npy array; {SAVE_HINT}")
                key, array = _read_member(archive, info, name)
                if key in arrays:
                    raise ModelFileError(f"{name} holds the entry {key!r} twice; {SAVE_HINT}")
                arrays[key] = array
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError, ValueError, OSError) as error:
        raise ModelFileError(f"{name} is not a readable .npz file ({error}): is it corrupt, or not written by "
                             f"save_model? {SAVE_HINT}") from None
    return arrays


# ------------------------------------------------------------- metadata and architecture

def _scalar(arrays, key, kinds, name):
    value = arrays.get(key)
    if value is None:
        raise ModelFileError(f"{name} lacks the entry {key!r}; {SAVE_HINT}")
    if value.shape != () or value.dtype.kind not in kinds:
        raise ModelFileError(f"{name}: entry {key!r} should be a single value, not {value.dtype} {value.shape}")
    return value[()]


def _metadata(arrays, name):
    if "format" not in arrays:
        raise ModelFileError(f"{name} was not written by save_model (it has no 'format' entry); {SAVE_HINT}")
    marker = str(_scalar(arrays, "format", "U", name))
    if marker != FORMAT:
        raise ModelFileError(f"{name} has format {marker!r}, expected {FORMAT!r}; {SAVE_HINT}")
    hidden = arrays.get("hidden_dims")
    if hidden is None:
        raise ModelFileError(f"{name} lacks the entry 'hidden_dims'; {SAVE_HINT}")
    if hidden.ndim != 1 or hidden.dtype.kind not in "iu" or (hidden < 1).any():
        raise ModelFileError(f"{name}: 'hidden_dims' should be a list of positive layer sizes, "
                             f"not {hidden.dtype} {hidden.tolist()}")
    input_dim = int(_scalar(arrays, "input_dim", "iu", name))
    if input_dim != INPUT_DIM:
        raise ModelFileError(f"{name} is a network for {input_dim} inputs, but CIFAR-10 images have "
                             f"{INPUT_DIM} values (3 x 32 x 32)")
    num_classes = int(_scalar(arrays, "num_classes", "iu", name))
    if num_classes != NUM_CLASSES:
        raise ModelFileError(f"{name} is a network with {num_classes} output classes, CIFAR-10 has {NUM_CLASSES}")
    use_batchnorm = _scalar(arrays, "use_batchnorm", "biu", name)
    if use_batchnorm not in (0, 1):
        raise ModelFileError(f"{name}: 'use_batchnorm' should be True or False, not {use_batchnorm!r}")
    _scalar(arrays, "dropout", "fiu", name)   # recorded for the student; test mode uses no dropout
    dtype = str(_scalar(arrays, "dtype", "U", name))
    if dtype not in FLOAT_DTYPES:
        raise ModelFileError(f"{name}: 'dtype' is {dtype!r}; the network's dtype must be one of "
                             f"{', '.join(FLOAT_DTYPES)}")
    return tuple(int(h) for h in hidden), bool(use_batchnorm), np.dtype(dtype)


def expected_shapes(hidden_dims, use_batchnorm):
    """{entry: shape} of every parameter and running statistic save_model writes for this architecture."""
    dims = [INPUT_DIM, *hidden_dims, NUM_CLASSES]
    layers = len(dims) - 1
    shapes = {}
    for i in range(1, layers + 1):
        shapes[f"param/W{i}"] = (dims[i - 1], dims[i])
        shapes[f"param/b{i}"] = (dims[i],)
    if use_batchnorm:
        for i in range(1, layers):
            shapes[f"param/gamma{i}"] = shapes[f"param/beta{i}"] = (dims[i],)
            shapes[f"bn/{i}/running_mean"] = shapes[f"bn/{i}/running_var"] = (dims[i],)
    return shapes


def _what(key):
    if key.startswith("param/"):
        return f"parameter {key[len('param/'):]!r}"
    _, layer, stat = key.split("/")
    what = {"running_mean": "running mean", "running_var": "running variance"}[stat]
    return f"the {what} of batchnorm layer {layer} ({key!r})"


def _architecture(hidden_dims, use_batchnorm):
    text = f"hidden_dims {list(hidden_dims)}"
    return text + (" with batchnorm" if use_batchnorm else " without batchnorm")


def _parameter_names(hidden_dims, use_batchnorm):
    def numbered(prefix, last):
        return f"{prefix}1" if last == 1 else f"{prefix}1..{prefix}{last}"

    n = len(hidden_dims) + 1
    names = [numbered("W", n), numbered("b", n)]
    if use_batchnorm and n > 1:
        names += [numbered("gamma", n - 1), numbered("beta", n - 1), "their running statistics"]
    return ", ".join(names)


def validate(arrays, name=MODEL_FILE):
    """SavedModel from the arrays of a saved model; ModelFileError when they do not describe one."""
    hidden_dims, use_batchnorm, dtype = _metadata(arrays, name)
    shapes = expected_shapes(hidden_dims, use_batchnorm)
    architecture = _architecture(hidden_dims, use_batchnorm)
    for key in arrays:
        if key not in shapes and key not in METADATA:
            if key.startswith(("param/", "bn/")):
                raise ModelFileError(f"{name} has an entry {key!r} that a network with {architecture} does not "
                                     f"use: do 'hidden_dims' and 'use_batchnorm' describe the saved network?")
            raise ModelFileError(f"{name} has an unknown entry {key!r}; {SAVE_HINT}")
    for key, shape in shapes.items():
        if key not in arrays:
            advice = " (train the model before saving it)" if key.startswith("bn/") else ""
            raise ModelFileError(f"{name} lacks {_what(key)}{advice}; a network with {architecture} "
                                 f"needs {_parameter_names(hidden_dims, use_batchnorm)}")
        value = arrays[key]
        if value.shape == (1,) + shape and key.startswith(("param/gamma", "param/beta")):
            value = arrays[key] = value.reshape(shape)     # gamma and beta of shape (1, H): legitimate
        if value.shape != shape:
            raise ModelFileError(f"{name}: {_what(key)} has shape {value.shape}, but a network with "
                                 f"{architecture} needs {shape}")
        if value.dtype.kind != "f" or value.dtype.itemsize > 8:
            raise ModelFileError(f"{name}: {_what(key)} holds {value.dtype} values; parameters must be "
                                 f"floating point ({', '.join(FLOAT_DTYPES)})")
        if not np.isfinite(value).all():
            raise ModelFileError(f"{name}: {_what(key)} contains NaN or infinite values "
                                 "(did training diverge? try a lower learning rate)")
        if key.endswith("running_var") and (value < 0).any():
            raise ModelFileError(f"{name}: {_what(key)} has negative values (a variance cannot be negative)")
    params = {key[len("param/"):]: arrays[key].astype(dtype, copy=False)
              for key in shapes if key.startswith("param/")}
    running = tuple((arrays[f"bn/{i}/running_mean"].astype(dtype, copy=False),
                     arrays[f"bn/{i}/running_var"].astype(dtype, copy=False))
                    for i in range(1, len(hidden_dims) + 1) if use_batchnorm)
    return SavedModel(hidden_dims=hidden_dims, use_batchnorm=use_batchnorm, dtype=dtype,
                      params=params, running=running)


def load_saved_model(path, max_bytes=MAX_MODEL_BYTES):
    """Read and validate the model saved at `path`; ModelFileError (student-facing) on any problem."""
    return validate(read_arrays(path, max_bytes), Path(path).name)
