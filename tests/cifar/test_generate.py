"""The generator: layout, determinism, balance, loading, learnability, tarball."""

import os
import tarfile

import numpy as np
import pytest

from nndl_hw4.cifar import (BATCH_FILES, DIRNAME, LABEL_NAMES, make_cifar10_tarball, md5_file,
                            read_batch, read_meta, write_cifar10)
from nndl_hw4.cifar import generate
from nndl_hw4.cifar.learnability import measure, nearest_class_mean_accuracy
from nndl_hw4.errors import DataError
from nndl_hw4.reference.utils.data_utils import get_CIFAR10_data, load_CIFAR_batch

from .helpers import PER_BATCH, TEST, tree

EXPECTED_FILES = sorted(BATCH_FILES + ("batches.meta", "readme.html"))


def test_writes_every_file_of_the_official_layout(generated):
    folder = generated / DIRNAME
    assert sorted(os.listdir(folder)) == EXPECTED_FILES
    assert os.listdir(generated) == [DIRNAME]  # no staging folder left
    for i, name in enumerate(BATCH_FILES):
        batch = read_batch(folder / name)
        n = TEST if name == "test_batch" else PER_BATCH
        assert batch.data.shape == (n, 3072) and batch.data.dtype == np.uint8
        label = b"testing batch 1 of 1" if name == "test_batch" else f"training batch {i + 1} of 5"
        assert batch.batch_label == (label if isinstance(label, bytes) else label.encode())
        assert len(set(batch.filenames)) == n
        # balanced: each class n // 10 times (n is a multiple of 10 here)
        assert np.bincount(batch.labels, minlength=10).tolist() == [n // 10] * 10
    meta = read_meta(folder / "batches.meta")
    assert meta.label_names == list(LABEL_NAMES)
    assert meta.num_cases_per_batch == PER_BATCH and meta.num_vis == 3072
    assert "NOT CIFAR-10" in (folder / "readme.html").read_text()


def test_get_CIFAR10_data_loads_it(generated):
    """Shapes, dtypes, channels first, mean subtracted, the split rows (spec section 2)."""
    data = get_CIFAR10_data(num_training=80, num_validation=20, num_test=10,
                            cifar10_dir=str(generated))
    assert {k: v.shape for k, v in data.items()} == {
        "X_train": (80, 3, 32, 32), "y_train": (80,), "X_val": (20, 3, 32, 32), "y_val": (20,),
        "X_test": (10, 3, 32, 32), "y_test": (10,)}
    assert all(data[k].dtype == np.float64 for k in ("X_train", "X_val", "X_test"))
    assert all(np.issubdtype(data[k].dtype, np.integer) for k in ("y_train", "y_val", "y_test"))

    folder = generated / DIRNAME
    batches = [read_batch(folder / name) for name in BATCH_FILES[:5]]
    train = np.concatenate([b.data for b in batches]).reshape(-1, 3, 32, 32).astype(float)
    labels = np.concatenate([b.labels for b in batches])
    mean = train[:80].mean(axis=0)
    # training = first 80 rows; validation = the 20 rows after them
    np.testing.assert_allclose(data["X_train"], train[:80] - mean, atol=1e-9)
    np.testing.assert_allclose(data["X_val"], train[80:100] - mean, atol=1e-9)
    np.testing.assert_array_equal(data["y_train"], labels[:80])
    np.testing.assert_array_equal(data["y_val"], labels[80:100])
    # test = first rows of test_batch, with the TRAINING mean subtracted
    test = read_batch(folder / "test_batch")
    np.testing.assert_allclose(data["X_test"], test.data.reshape(-1, 3, 32, 32) - mean, atol=1e-9)
    np.testing.assert_array_equal(data["y_test"], test.labels)
    assert abs(data["X_train"].mean()) < 1e-9


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, generated):
    again = write_cifar10(tmp_path / "again", per_batch=PER_BATCH, test=TEST, seed=7)
    other = write_cifar10(tmp_path / "other", per_batch=PER_BATCH, test=TEST, seed=8)
    for name in BATCH_FILES:
        assert md5_file(os.path.join(again, name)) == md5_file(generated / DIRNAME / name)
        assert md5_file(os.path.join(other, name)) != md5_file(generated / DIRNAME / name)


def test_bytes_are_pinned_across_machines(tmp_path):
    """Integer arithmetic and the frozen legacy RandomState: these md5s hold everywhere.

    If the generator is changed on purpose, update them (and the learnability figures).
    """
    folder = write_cifar10(tmp_path, per_batch=10, test=10, seed=0)
    assert md5_file(os.path.join(folder, "data_batch_1")) == "0ed072e3a1dbd85f7b71688c459e6c4e"
    assert md5_file(os.path.join(folder, "test_batch")) == "9d168803dd955eed89fa5f3f00b76ce7"


def test_pixel_statistics_resemble_cifar10(tmp_path):
    folder = write_cifar10(tmp_path, per_batch=200, test=0, seed=0)
    X, _ = load_CIFAR_batch(os.path.join(folder, "data_batch_1"))
    assert 110 < X.mean() < 145
    assert 45 < X.std() < 75  # CIFAR-10: ~64
    assert X.min() == 0 and X.max() == 255


def test_classes_are_learnable_far_above_chance():
    """Documented in generate.py: a small FC net and nearest class mean beat 10% by far.

    Measured on this split: nearest class mean 70.6%, small net 80.6%; margins
    leave room for BLAS differences in float32 training.
    """
    result = measure(num_training=2000, num_validation=500, seed=0, epochs=5)
    assert result["nearest_class_mean"] > 0.55
    assert result["small_net"] > 0.65


def test_labels_carry_the_signal(tmp_path):
    """Shuffled labels give chance: the accuracy above comes from the class templates."""
    folder = write_cifar10(tmp_path, per_batch=300, test=0, seed=0)
    X, y = load_CIFAR_batch(os.path.join(folder, "data_batch_1"))
    X2, y2 = load_CIFAR_batch(os.path.join(folder, "data_batch_2"))
    assert nearest_class_mean_accuracy(X, y, X2, y2) > 0.5
    shuffled = np.random.RandomState(0).permutation(y)
    assert nearest_class_mean_accuracy(X, shuffled, X2, y2) < 0.25


def test_refuses_to_overwrite_unless_asked(tmp_path):
    write_cifar10(tmp_path, per_batch=10, test=10, seed=0)
    with pytest.raises(DataError, match="already exists") as info:
        write_cifar10(tmp_path, per_batch=10, test=10, seed=1)
    assert "--force" in info.value.hint
    before = md5_file(tmp_path / DIRNAME / "data_batch_1")
    write_cifar10(tmp_path, per_batch=10, test=10, seed=1, overwrite=True)
    assert md5_file(tmp_path / DIRNAME / "data_batch_1") != before
    assert os.listdir(tmp_path) == [DIRNAME]


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    calls = []

    def failing_write_batch(path, batch):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        with open(path, "wb") as f:
            f.write(b"partial")

    monkeypatch.setattr(generate, "write_batch", failing_write_batch)
    with pytest.raises(OSError):
        write_cifar10(tmp_path, per_batch=10, test=10, seed=0)
    assert len(calls) == 3
    assert tree(tmp_path) == []


@pytest.mark.parametrize("kwargs", [
    pytest.param({"per_batch": -1}, id="negative"),
    pytest.param({"test": 1.5}, id="float"),
    pytest.param({"seed": 2**32}, id="seed-too-big"),
])
def test_rejects_bad_sizes(tmp_path, kwargs):
    with pytest.raises(ValueError):
        write_cifar10(tmp_path, **kwargs)
    assert tree(tmp_path) == []


def test_tarball_is_packed_like_the_official_archive(tmp_path, tarball):
    path, md5, _ = tarball
    assert md5 == md5_file(path)
    with tarfile.open(path, "r:gz") as tar:
        members = tar.getmembers()
    assert members[0].name == DIRNAME and members[0].isdir()
    assert sorted(m.name for m in members[1:]) == [f"{DIRNAME}/{n}" for n in EXPECTED_FILES]
    assert all(m.isreg() and m.uid == 0 and m.uname == "" for m in members[1:])
    with open(path, "rb") as f:
        assert f.read(2) == b"\x1f\x8b"  # gzip
    # reproducible: same arguments, same bytes
    assert make_cifar10_tarball(tmp_path / "again.tar.gz", per_batch=PER_BATCH, test=TEST,
                                seed=7) == md5
    assert sorted(os.listdir(tmp_path)) == ["again.tar.gz"]  # no work folder left
