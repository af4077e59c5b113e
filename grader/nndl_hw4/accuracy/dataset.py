"""The held-out images a saved model is scored on, prepared like get_CIFAR10_data, in little memory.

get_CIFAR10_data (utils/data_utils.py) takes validation = training rows
49000..49999 and test = the first 1000 rows of test_batch, and subtracts
the mean of training rows 0..48999 from both. Loading it that way holds all
50000 images as float64 (1.2 GB). Here each batch file is read in turn (as
uint8, through the safe CIFAR-10 reader), the training rows are summed as
integers, and only the rows of the wanted split are kept: the result is
bit-for-bit what get_CIFAR10_data returns (an integer sum is exact in
float64, so the mean is identical), at about one batch file of memory.

A prepared split is cached per process and per dataset (its folder and the
batch files' sizes and times), so a batch of submissions reads the data once.
"""

import hashlib
import os
import threading
from dataclasses import dataclass

import numpy as np

from ..cifar.batches import NUM_VIS, TEST_FILE, TRAIN_FILES, read_batch
from ..errors import DataError, UsageError
from ..reference.utils.data_utils import CIFAR10NotFoundError, find_CIFAR10
from ..rubric import SPLITS   # {"val": "validation", "test": "test"}

NUM_TRAINING, NUM_VALIDATION, NUM_TEST = 49000, 1000, 1000   # get_CIFAR10_data's defaults (spec section 2)
DOWNLOAD_HINT = ("download it once with `nndl-hw4 data download --dir DIR`, then pass `--cifar10-dir DIR` "
                 "or set CIFAR10_DIR=DIR")


@dataclass(frozen=True)
class Split:
    """Mean-subtracted images of one split, as get_CIFAR10_data returns them."""

    name: str             # "val" | "test"
    X: np.ndarray         # (N, 3, 32, 32) float64
    y: np.ndarray         # (N,) int64
    folder: str           # the cifar-10-batches-py folder it came from
    fingerprint: str      # sha256 of the split's name, images and labels (part of grading cache keys)

    @property
    def label(self):
        return SPLITS[self.name]


def locate(cifar10_dir=None):
    """The cifar-10-batches-py folder (cifar10_dir, else $CIFAR10_DIR, else the working directory)."""
    try:
        return os.path.realpath(find_CIFAR10(None if cifar10_dir is None else os.fspath(cifar10_dir)))
    except CIFAR10NotFoundError:
        if cifar10_dir is not None:
            where = f"{cifar10_dir} (--cifar10-dir)"
        elif os.environ.get("CIFAR10_DIR"):
            where = f"{os.environ['CIFAR10_DIR']} ($CIFAR10_DIR)"
        else:
            where = f"the working directory {os.getcwd()} or its data/ folder"
        raise DataError(f"CIFAR-10 (cifar-10-batches-py/ with data_batch_1..5 and test_batch) was not found "
                        f"in {where}", hint=DOWNLOAD_HINT) from None


def _check_split(split):
    if split not in SPLITS:
        raise UsageError(f"unknown split {split!r}: use 'val' (validation) or 'test'")


def _signature(folder):
    stats = [os.stat(os.path.join(folder, f)) for f in (*TRAIN_FILES, TEST_FILE)]
    return tuple((s.st_size, s.st_mtime_ns, s.st_ino) for s in stats)


def _read(folder, name):
    try:
        return read_batch(os.path.join(folder, name))
    except DataError as error:
        raise DataError(f"cannot read CIFAR-10: {error.message}",
                        hint=error.hint or "download it again with `nndl-hw4 data download --force`") from None


def _prepare(folder, split, num_training, num_validation, num_test):
    total = np.zeros(NUM_VIS, dtype=np.int64)   # sum of training rows 0..num_training-1
    rows, labels, seen = [], [], 0
    for name in TRAIN_FILES:
        batch = _read(folder, name)
        n = len(batch.labels)
        take = min(n, max(0, num_training - seen))
        total += batch.data[:take].sum(axis=0, dtype=np.int64)
        if split == "val":   # training rows num_training .. num_training + num_validation - 1
            lo, hi = max(num_training - seen, 0), min(num_training + num_validation - seen, n)
            if lo < hi:
                rows.append(batch.data[lo:hi].copy())
                labels.append(batch.labels[lo:hi])
        seen += n
        del batch
    needed = num_training + (num_validation if split == "val" else 0)
    if seen < needed:
        raise DataError(f"the CIFAR-10 in {folder} has {seen} training images; scoring needs {needed} "
                        f"(rows 0..{num_training - 1} for the mean image"
                        + (f", rows {num_training}..{needed - 1} for validation)" if split == "val" else ")"),
                        hint="is it the complete data set? " + DOWNLOAD_HINT)
    if split == "test":
        batch = _read(folder, TEST_FILE)
        if len(batch.labels) < num_test:
            raise DataError(f"the CIFAR-10 in {folder} has {len(batch.labels)} test images; scoring needs "
                            f"{num_test}", hint="is it the complete data set? " + DOWNLOAD_HINT)
        rows, labels = [batch.data[:num_test].copy()], [batch.labels[:num_test]]
        del batch
    mean = total / num_training                                   # (3072,) float64, as np.mean
    X = (np.concatenate(rows).astype(np.float64) - mean).reshape(-1, 3, 32, 32)   # channels first
    y = np.concatenate(labels).astype(np.int64)
    digest = hashlib.sha256(split.encode())
    digest.update(X.tobytes())
    digest.update(y.tobytes())
    return Split(name=split, X=X, y=y, folder=folder, fingerprint=digest.hexdigest())


_cache, _lock = {}, threading.Lock()


def load_split(split="val", cifar10_dir=None, num_training=NUM_TRAINING, num_validation=NUM_VALIDATION,
               num_test=NUM_TEST):
    """The prepared Split `split` ('val' or 'test'); DataError (a grader error) when the data is missing."""
    _check_split(split)
    folder = locate(cifar10_dir)
    key = (folder, split, num_training, num_validation, num_test)
    with _lock:   # one preparation per dataset even when grading threads ask at once
        try:
            signature = _signature(folder)
        except OSError as error:
            raise DataError(f"cannot read CIFAR-10 in {folder}: {error}", hint=DOWNLOAD_HINT) from None
        cached = _cache.get(key)
        if cached is None or cached[0] != signature:
            _cache[key] = (signature, _prepare(folder, split, num_training, num_validation, num_test))
        return _cache[key][1]


def clear_cache():
    with _lock:
        _cache.clear()

