"""The held-out split: exactly get_CIFAR10_data's, in little memory, cached, and a clear error without data."""

import os
import tracemalloc

import numpy as np
import pytest

from nndl_hw4.accuracy import dataset
from nndl_hw4.cifar import write_cifar10
from nndl_hw4.errors import DataError
from nndl_hw4.reference.utils.data_utils import get_CIFAR10_data


@pytest.fixture(scope="module")
def small_cifar10(tmp_path_factory):
    """1500 training and 400 test images: enough to compare with get_CIFAR10_data at reduced sizes."""
    root = tmp_path_factory.mktemp("small-cifar")
    write_cifar10(root, per_batch=300, test=400, seed=3)
    return root


@pytest.mark.parametrize("split", ["val", "test"])
def test_the_split_is_bit_for_bit_what_get_cifar10_data_returns(small_cifar10, split):
    sizes = {"num_training": 1100, "num_validation": 250, "num_test": 300}   # crosses batch boundaries
    expected = get_CIFAR10_data(cifar10_dir=str(small_cifar10), **sizes)
    got = dataset.load_split(split, small_cifar10, **sizes)
    np.testing.assert_array_equal(got.X, expected[f"X_{split}"])   # equal, not close: an integer sum is exact
    np.testing.assert_array_equal(got.y, expected[f"y_{split}"])
    assert got.X.dtype == np.float64 and got.X.shape[1:] == (3, 32, 32)


def test_the_full_size_split_stays_small_in_memory(cifar10):
    dataset.clear_cache()
    tracemalloc.start()
    try:
        split = dataset.load_split("val", cifar10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert split.X.shape == (1000, 3, 32, 32) and split.y.shape == (1000,)
    # One batch file (30 MB as uint8, twice while unpickling) and the split (25 MB): all 50000
    # training images as float64, as get_CIFAR10_data holds them, would be 1.2 GB.
    assert peak < 150 << 20, f"preparing the split peaked at {peak >> 20} MiB"


def test_a_prepared_split_is_cached_until_the_files_change(small_cifar10):
    sizes = {"num_training": 1000, "num_validation": 200}
    first = dataset.load_split("val", small_cifar10, **sizes)
    assert dataset.load_split("val", small_cifar10, **sizes) is first
    batch = small_cifar10 / "cifar-10-batches-py" / "data_batch_5"
    stat = batch.stat()
    os.utime(batch, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = dataset.load_split("val", small_cifar10, **sizes)
    assert again is not first and again.fingerprint == first.fingerprint


def test_missing_data_is_a_data_error_with_the_download_hint(tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as error:
        dataset.load_split("val")
    assert "was not found in the working directory" in error.value.message
    for tip in ("nndl-hw4 data download", "--cifar10-dir", "CIFAR10_DIR"):
        assert tip in error.value.hint


def test_an_incomplete_data_set_is_refused(small_cifar10):
    with pytest.raises(DataError, match="has 1500 training images; scoring needs 50000"):
        dataset.load_split("val", small_cifar10)
