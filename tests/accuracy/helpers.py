"""Shared by tests/accuracy and tests/gradescope: CIFAR-format data, a trained model, submissions.

The data is generated in the exact CIFAR-10 format at the official training
size (5 x 10000 images: the validation split is rows 49000..49999) once per
session, in pytest's base temporary folder, whichever test folder asks first.
The oracle for accuracies is independent of nndl_hw4.accuracy: batches read
with plain pickle, the mean image summed in float64, predictions from the
trained model object itself (no save/load, no rebuild).
"""

import json
import pickle
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import nndl_hw4.reference.nndl as reference_nndl
from nndl_hw4 import mutants
from nndl_hw4.cifar import write_cifar10

FULL = {"per_batch": 10000, "test": 1000, "seed": 0}
STUDENT_PACKAGES = ("nndl", "utils")
# Small and quick (about 1 s), and lands mid-scale on the generated data (about 47%):
# 1000 training images, 2 epochs of SGD with momentum, one hidden layer with batchnorm.
TRAINING = {"num_train": 1000, "hidden_dims": [50], "num_epochs": 2, "update_rule": "sgd_momentum",
            "learning_rate": 1e-2, "seed": 0}


def full_cifar10(tmp_path_factory):
    """The folder holding a generated cifar-10-batches-py/ of the official size (made once per session)."""
    root = tmp_path_factory.getbasetemp() / "cifar10-full"
    if not (root / "cifar-10-batches-py").is_dir():
        write_cifar10(root, **FULL)
    return root


def _load(folder, name):
    with open(Path(folder) / "cifar-10-batches-py" / name, "rb") as f:
        batch = pickle.load(f, encoding="bytes")   # our own generated file: trusted
    return np.asarray(batch[b"data"]), np.asarray(batch[b"labels"])


def independent_splits(cifar10_dir):
    """{'train': (X, y) first 1000 rows, 'val': rows 49000..49999, 'test': 1000 test images}, as the notebook has them."""
    total, rows = np.zeros(3072), {}
    for i in range(1, 6):
        X, y = _load(cifar10_dir, f"data_batch_{i}")
        total += np.add.reduce(X[:49000 - (i - 1) * 10000], axis=0, dtype=np.float64)
        if i == 1:
            rows["train"] = (X[:TRAINING["num_train"]], y[:TRAINING["num_train"]])
        if i == 5:
            rows["val"] = (X[9000:], y[9000:])
    X, y = _load(cifar10_dir, "test_batch")
    rows["test"] = (X[:1000], y[:1000])
    mean = total / 49000
    return {k: ((X.astype(np.float64) - mean).reshape(-1, 3, 32, 32), y) for k, (X, y) in rows.items()}


def _student_modules():
    return [name for name in sys.modules if name.split(".")[0] in STUDENT_PACKAGES]


@contextmanager
def student_layout():
    """The reference's nndl/ and utils/ importable as students have them (utils/solver.py does
    `from nndl import optim`); sys.path and sys.modules are restored afterwards."""
    root = str(Path(reference_nndl.__file__).parent.parent)
    saved = {name: sys.modules.pop(name) for name in _student_modules()}
    sys.path.insert(0, root)
    try:
        yield root
    finally:
        sys.path.remove(root)
        for name in _student_modules():
            del sys.modules[name]
        sys.modules.update(saved)


def train_and_save(cifar10_dir, path):
    """Train a small model with the reference Solver, save it with save_model; its accuracies by split."""
    splits = independent_splits(cifar10_dir)
    with student_layout():
        from nndl.fc_net import FullyConnectedNet
        from utils.model_io import save_model
        from utils.solver import Solver

        np.random.seed(TRAINING["seed"])
        model = FullyConnectedNet(TRAINING["hidden_dims"], weight_scale=1e-2, use_batchnorm=True)
        data = {"X_train": splits["train"][0], "y_train": splits["train"][1],
                "X_val": splits["val"][0], "y_val": splits["val"][1]}
        solver = Solver(model, data, update_rule=TRAINING["update_rule"],
                        optim_config={"learning_rate": TRAINING["learning_rate"]},
                        num_epochs=TRAINING["num_epochs"], batch_size=100, verbose=False)
        solver.train()
        save_model(model, str(path))
        return {split: float(np.mean(model.loss(X).argmax(axis=1) == y))
                for split, (X, y) in splits.items() if split != "train"}


def trained_model(tmp_path_factory):
    """(model.npz path, {'val': accuracy, 'test': accuracy}), trained once per session."""
    folder = tmp_path_factory.getbasetemp() / "trained-model"
    path, record = folder / "model.npz", folder / "accuracy.json"
    if not record.is_file():
        folder.mkdir(exist_ok=True)
        record.write_text(json.dumps(train_and_save(full_cifar10(tmp_path_factory), path)))
    return path, json.loads(record.read_text())


def write_submission(folder, model=None, mistakes=()):
    """folder/nndl/*.py from the reference (with `mistakes` from the catalogue) and folder/model.npz.

    model: a path to copy, bytes to write, or None for no model."""
    mutants.write_package(folder, mutants.apply([mutants.by_id(m) for m in mistakes]))
    if isinstance(model, (str, Path)):
        (folder / "model.npz").write_bytes(Path(model).read_bytes())
    elif model is not None:
        (folder / "model.npz").write_bytes(model)
    return folder
