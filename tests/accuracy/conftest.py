"""Fixtures for the final part: generated CIFAR-format data, a trained model, bad model files.

Bad model files are named after the scenario they show (``bad_models``);
each is scored 0 with its own student-facing message.
"""

import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from nndl_hw4.cli import main
from nndl_hw4.reference.nndl.fc_net import FullyConnectedNet
from nndl_hw4.reference.utils.model_io import FORMAT, save_model

from .helpers import full_cifar10, trained_model

# The final part alone: grading needs no sandbox, so a run takes a second.
ACCURACY_RUBRIC = """
[[question]]
id = "accuracy"
title = "Validation accuracy of your best model"
points = 20
kind = "accuracy"
"""


def run_cli(*args):
    """`nndl-hw4 ARGS` in this process (the prepared split stays cached between runs)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def cifar10(tmp_path_factory):
    """Folder holding a generated cifar-10-batches-py/ of the official size."""
    return full_cifar10(tmp_path_factory)


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """(model.npz, {'val': accuracy, 'test': accuracy}) measured independently on the model object."""
    return trained_model(tmp_path_factory)


@pytest.fixture
def accuracy_rubric(tmp_path):
    path = tmp_path / "accuracy-rubric.toml"
    path.write_text(ACCURACY_RUBRIC)
    return path


def small_model(hidden_dims=(20,), use_batchnorm=True, dtype=np.float32, **kwargs):
    """An untrained reference network with batchnorm running statistics set (as after training)."""
    np.random.seed(1)
    model = FullyConnectedNet(list(hidden_dims), use_batchnorm=use_batchnorm, dtype=dtype, **kwargs)
    for bn_param, h in zip(model.bn_params, hidden_dims):
        bn_param["running_mean"], bn_param["running_var"] = np.zeros(h, dtype), np.ones(h, dtype)
    return model


def saved_arrays(tmp_path, **kwargs):
    """The arrays save_model writes for small_model(**kwargs), as a dict to doctor."""
    path = tmp_path / "valid.npz"
    save_model(small_model(**kwargs), str(path))
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


def write_npz(path, arrays):
    np.savez(path, **arrays)
    return path


class Boom:
    """Unpickling this would create the file `marker`: proof the grader never unpickles."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def lying_header_npz(path, arrays):
    """A valid model whose W1 member claims 10**10 elements in its header but holds 8 bytes."""
    write_npz(path, arrays)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }"
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    members["param/W1.npy"] = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 8
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def bomb_npz(path, unpacked_bytes):
    """A zip whose one member inflates to `unpacked_bytes` of zeros (written in chunks: little memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("param/W1.npy", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(unpacked_bytes >> 20):
                member.write(chunk)
    return path


def sparse_file(path, size):
    with open(path, "wb") as f:
        f.truncate(size)   # no real bytes written


def _drop(arrays, key):
    return {k: v for k, v in arrays.items() if k != key}


def _with(arrays, **changes):
    return {**arrays, **{k.replace("__", "/"): v for k, v in changes.items()}}


def bad_model(scenario, tmp_path):
    """Write the bad model file of `scenario` into tmp_path; return its path."""
    path = tmp_path / "model.npz"
    arrays = saved_arrays(tmp_path)
    nan_w1 = arrays["param/W1"].copy()
    nan_w1[0, 0] = np.nan
    makers = {
        "missing": lambda: None,
        "corrupt-zip": lambda: path.write_bytes(b"PK\x03\x04 this is not really a zip"),
        "not-a-zip": lambda: path.write_text("accuracy = 0.99\n"),
        "oversized": lambda: sparse_file(path, 65 << 20),
        "zip-bomb": lambda: bomb_npz(path, 65 << 20),
        "pickled-object-array": lambda: write_npz(path, _with(arrays, param__W1=np.array(
            [Boom(tmp_path / "unpickled")], dtype=object))),
        "lying-npy-header": lambda: lying_header_npz(path, arrays),
        "no-format-marker": lambda: write_npz(path, _drop(arrays, "format")),
        "wrong-format": lambda: write_npz(path, _with(arrays, format=np.array("my-model/2"))),
        "wrong-input-dim": lambda: save_model(small_model(input_dim=100), str(path)),
        "wrong-num-classes": lambda: save_model(small_model(num_classes=5), str(path)),
        "missing-parameter": lambda: write_npz(path, _drop(arrays, "param/b2")),
        "unexpected-parameter": lambda: write_npz(path, _with(arrays, param__W3=np.zeros((10, 10), np.float32))),
        "shape-mismatch": lambda: write_npz(path, _with(arrays, param__W2=np.zeros((20, 9), np.float32))),
        "hidden-dims-disagree": lambda: write_npz(path, _with(arrays, hidden_dims=np.array([30]))),
        "missing-running-var": lambda: write_npz(path, _drop(arrays, "bn/1/running_var")),
        "negative-running-var": lambda: write_npz(path, _with(arrays, bn__1__running_var=-np.ones(20, np.float32))),
        "nan-weight": lambda: write_npz(path, _with(arrays, param__W1=nan_w1)),
        "integer-weight": lambda: write_npz(path, _with(arrays, param__b1=np.zeros(20, np.int64))),
        "bad-dtype-name": lambda: write_npz(path, _with(arrays, dtype=np.array("int8"))),
    }
    makers[scenario]()
    return path


# scenario -> what the student reads (a fragment of the message)
BAD_MODELS = {
    "missing": "no model.npz in your submission: in the final part, save your best model with save_model",
    "corrupt-zip": "model.npz is not a readable .npz file",
    "not-a-zip": "model.npz is not a readable .npz file",
    "oversized": "model.npz is 65.0 MiB, more than the 64.0 MiB allowed",
    "zip-bomb": "model.npz unpacks to 65.0 MiB, more than the 64.0 MiB allowed",
    "pickled-object-array": "entry 'param/W1' is an array of Python objects (pickled data), which the grader never loads",
    "lying-npy-header": "entry 'param/W1' is malformed (its header announces 80000000000 bytes of data, the member holds 8)",
    "no-format-marker": "model.npz was not written by save_model (it has no 'format' entry)",
    "wrong-format": f"model.npz has format 'my-model/2', expected '{FORMAT}'",
    "wrong-input-dim": "model.npz is a network for 100 inputs, but CIFAR-10 images have 3072 values (3 x 32 x 32)",
    "wrong-num-classes": "model.npz is a network with 5 output classes, CIFAR-10 has 10",
    "missing-parameter": "model.npz lacks parameter 'b2'; a network with hidden_dims [20] with batchnorm needs "
                         "W1..W2, b1..b2, gamma1, beta1, their running statistics",
    "unexpected-parameter": "model.npz has an entry 'param/W3' that a network with hidden_dims [20] with batchnorm "
                            "does not use",
    "shape-mismatch": "model.npz: parameter 'W2' has shape (20, 9), but a network with hidden_dims [20] with "
                      "batchnorm needs (20, 10)",
    "hidden-dims-disagree": "model.npz: parameter 'W1' has shape (3072, 20), but a network with hidden_dims [30]",
    "missing-running-var": "model.npz lacks the running variance of batchnorm layer 1 ('bn/1/running_var') "
                           "(train the model before saving it)",
    "negative-running-var": "the running variance of batchnorm layer 1 ('bn/1/running_var') has negative values",
    "nan-weight": "model.npz: parameter 'W1' contains NaN or infinite values",
    "integer-weight": "model.npz: parameter 'b1' holds int64 values; parameters must be floating point",
    "bad-dtype-name": "model.npz: 'dtype' is 'int8'",
}
