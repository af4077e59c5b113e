"""Generate a synthetic, learnable dataset in the exact CIFAR-10 python format.

The machines that build and test this kit have no internet, so tests and
notebooks run on data made here. Guarantees of ``write_cifar10``:

- Format: ``cifar-10-batches-py/`` with data_batch_1..5 (``per_batch`` images
  each), test_batch (``test`` images), batches.meta and readme.html, written
  as the official files are (see batches.py); the official CIFAR-10 loaders
  read it unchanged. Defaults give the official sizes (50000 + 10000), so
  ``get_CIFAR10_data()`` with its defaults works on it.
- Deterministic: the same (seed, per_batch, test) give byte-identical files on
  any machine (integer arithmetic only, numpy's frozen legacy RandomState).
- Balanced: every batch holds each class floor(n/10) or ceil(n/10) times, in
  shuffled order.
- Learnable but not trivial: each class has a smooth colour template; every
  image is a faint copy of its class template (weight 1) over a smooth random
  pattern of its own (weight 3), plus uniform pixel noise. Pixel statistics
  resemble CIFAR-10 (mean ~127, std ~60 after mean subtraction), so the
  notebooks' hyper-parameters behave. Validation accuracy with the default
  split (49000 / 1000, seed 0; chance is 10%): nearest class mean 74.5%, the
  reference FullyConnectedNet([100], batchnorm, Adam, 3 epochs) 84.5%
  (seed 1: 75.5% / 84.9%). Reproduce: ``python -m nndl_hw4.cifar.learnability``
  (about a minute). tests/cifar checks a smaller split stays far above chance.
- Synthetic: readme.html says so; it is not CIFAR-10 and no checksum of the
  real data set matches it.
"""

import gzip
import os
import shutil
import tarfile
import tempfile

import numpy as np

from nndl_hw4.errors import DataError

from .batches import (DIRNAME, LABEL_NAMES, META_FILE, NUM_VIS, README_FILE, TEST_FILE,
                      TRAIN_FILES, Batch, Meta, write_batch, write_meta)
from .checksums import md5_file

NUM_CLASSES = len(LABEL_NAMES)

# Mixing weights (integers, out of _WEIGHT_SUM) of an image's coarse grid:
# class template, the image's own random pattern. Pixel noise is uniform in
# [-_NOISE, _NOISE]. Tuned so that classes are clearly learnable, not trivial.
_CLASS_WEIGHT = 1
_OWN_WEIGHT = 3
_WEIGHT_SUM = _CLASS_WEIGHT + _OWN_WEIGHT
_NOISE = 24
_CONTRAST = (3, 2)  # stretch around 128: pixel std near CIFAR-10's
_GRID = 5  # coarse grid points per side, upsampled bilinearly to 32
_CHUNK = 1000  # images generated at once (bounds memory)
_TAR_MTIME = 1244073600  # 2009-06-04, fixed so that tarballs are reproducible


def _upsample_weights():
    """Integer bilinear weights (32, _GRID) whose rows sum to 31."""
    steps = 31
    weights = np.zeros((32, _GRID), dtype=np.int64)
    for y in range(32):
        pos = y * (_GRID - 1)  # position on the coarse grid, in units of 1/31
        left, frac = divmod(pos, steps)
        weights[y, left] += steps - frac
        if frac:
            weights[y, left + 1] += frac
    return weights


_UP = _upsample_weights()


def _images(rs, templates, labels):
    """Images (n, 3072) uint8 for the given labels, drawing from rs."""
    n = labels.shape[0]
    own = rs.randint(0, 256, size=(n, 3, _GRID, _GRID)).astype(np.int64)
    coarse = _CLASS_WEIGHT * templates[labels] + _OWN_WEIGHT * own      # (n, 3, G, G)
    fine = _UP @ coarse @ _UP.T                                         # (n, 3, 32, 32), x 31*31
    scale = 31 * 31 * _WEIGHT_SUM
    pixels = (fine + scale // 2) // scale                               # back to 0..255
    pixels = 128 + (pixels - 128) * _CONTRAST[0] // _CONTRAST[1]
    pixels += rs.randint(-_NOISE, _NOISE + 1, size=pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8).reshape(n, NUM_VIS)


def _balanced_labels(rs, n):
    labels = np.arange(n, dtype=np.int64) % NUM_CLASSES
    rs.shuffle(labels)
    return labels


def _make_batch(rs, templates, n, batch_label, first_index):
    labels = _balanced_labels(rs, n)
    data = np.empty((n, NUM_VIS), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        data[start:start + _CHUNK] = _images(rs, templates, labels[start:start + _CHUNK])
    filenames = [f"synthetic_{LABEL_NAMES[label]}_{first_index + i:06d}.png".encode()
                 for i, label in enumerate(labels)]
    return Batch(data=data, labels=labels, filenames=filenames, batch_label=batch_label)


_README = """<html><body>
<h1>Synthetic data in the CIFAR-10 python format</h1>
<p>Written by <code>nndl-hw4 data generate</code> (seed {seed}): {per_batch} images per
training batch, {test} test images. This is NOT CIFAR-10: each class is a smooth colour
template hidden under random patterns and noise. The real data set is at
<a href="https://www.cs.toronto.edu/~kriz/cifar.html">its home page</a>.</p>
</body></html>
"""


def _write_batches(folder, per_batch, test, seed):
    rs = np.random.RandomState(seed)  # legacy generator: its stream never changes
    templates = rs.randint(0, 256, size=(NUM_CLASSES, 3, _GRID, _GRID)).astype(np.int64)
    for i, name in enumerate(TRAIN_FILES):
        batch = _make_batch(rs, templates, per_batch, f"training batch {i + 1} of 5".encode(),
                            first_index=i * per_batch)
        write_batch(os.path.join(folder, name), batch)
    batch = _make_batch(rs, templates, test, b"testing batch 1 of 1", first_index=0)
    write_batch(os.path.join(folder, TEST_FILE), batch)
    write_meta(os.path.join(folder, META_FILE), Meta(list(LABEL_NAMES), per_batch))
    with open(os.path.join(folder, README_FILE), "w") as f:
        f.write(_README.format(seed=seed, per_batch=per_batch, test=test))


def _check_sizes(per_batch, test, seed):
    for name, value in (("per_batch", per_batch), ("test", test), ("seed", seed)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if seed >= 2**32:
        raise ValueError(f"seed must be below 2**32, got {seed}")


def write_cifar10(dir, per_batch=10000, test=10000, seed=0, overwrite=False):
    """
    Write a synthetic ``cifar-10-batches-py/`` folder inside dir; return its path.

    Inputs:
    - dir: Folder to write into (created if missing).
    - per_batch: Images in each of data_batch_1..5.
    - test: Images in test_batch.
    - seed: Seed (0 <= seed < 2**32); the same arguments give identical files.
    - overwrite: Replace an existing dir/cifar-10-batches-py (else DataError).

    The folder appears complete or not at all: it is written under a temporary
    name and renamed into place.
    """
    _check_sizes(per_batch, test, seed)
    dir = os.fspath(dir)
    target = os.path.join(dir, DIRNAME)
    if os.path.lexists(target) and not overwrite:
        raise DataError(f"{target} already exists",
                        hint="choose another --dir, or pass --force to replace it")
    os.makedirs(dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".cifar-10-generate-", dir=dir)
    try:
        folder = os.path.join(staging, DIRNAME)
        os.mkdir(folder)
        _write_batches(folder, per_batch, test, seed)
        if os.path.lexists(target):
            os.rename(target, os.path.join(staging, "old"))
        os.rename(folder, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _normalise(info):
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = _TAR_MTIME
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def pack_cifar10(batches_dir, path):
    """
    Pack a cifar-10-batches-py folder as the official archive is packed; return its md5.

    The archive is a gzip tar whose members all sit under ``cifar-10-batches-py/``;
    owners, times and the gzip header are fixed, so equal inputs give equal bytes.
    """
    names = sorted(os.listdir(batches_dir))
    with open(path, "wb") as raw:
        # mtime=0 in the gzip header and no file name: reproducible bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar:
                tar.add(batches_dir, arcname=DIRNAME, recursive=False, filter=_normalise)
                for name in names:
                    tar.add(os.path.join(batches_dir, name), arcname=f"{DIRNAME}/{name}",
                            recursive=False, filter=_normalise)
    return md5_file(path)


def make_cifar10_tarball(path, per_batch=10000, test=10000, seed=0):
    """
    Write a synthetic data set (see write_cifar10) packed like cifar-10-python.tar.gz.

    Returns the md5 of the archive at path, to pass to download_cifar10(md5=...).
    """
    _check_sizes(per_batch, test, seed)
    path = os.fspath(path)
    with tempfile.TemporaryDirectory(prefix=".cifar-10-tarball-",
                                     dir=os.path.dirname(os.path.abspath(path))) as work:
        batches_dir = write_cifar10(work, per_batch=per_batch, test=test, seed=seed)
        return pack_cifar10(batches_dir, path)
