"""Where the student-facing loader looks for CIFAR-10 (utils/data_utils.py, given to students).

Order: the cifar10_dir argument, then $CIFAR10_DIR, then the working directory (and its
data/ folder); each may be the cifar-10-batches-py folder itself or the folder holding it.
Three generated copies with different seeds tell which location was used.
"""

import os

import numpy as np
import pytest

from nndl_hw4.cifar import DIRNAME, read_batch, write_cifar10
from nndl_hw4.reference.utils.data_utils import (CIFAR10NotFoundError, find_CIFAR10,
                                                 get_CIFAR10_data)


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """name -> parent folder of a distinct generated copy; plus an empty folder."""
    root = tmp_path_factory.mktemp("copies")
    found = {}
    for seed, name in enumerate(["arg", "env", "cwd"], start=1):
        write_cifar10(root / name, per_batch=10, test=10, seed=seed)
        found[name] = root / name
    write_cifar10(root / "project" / "data", per_batch=10, test=10, seed=9)
    found["project"] = root / "project"
    (root / "empty").mkdir()
    found["empty"] = root / "empty"
    return found


@pytest.fixture
def nowhere(monkeypatch, copies):
    """No $CIFAR10_DIR, working directory without data."""
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.chdir(copies["empty"])


def _batches(parent):
    return os.path.join(str(parent), DIRNAME)


@pytest.mark.parametrize("inner", [pytest.param(False, id="parent"),
                                   pytest.param(True, id="batches-folder")])
def test_explicit_argument(copies, nowhere, inner):
    given = _batches(copies["arg"]) if inner else str(copies["arg"])
    assert find_CIFAR10(given) == _batches(copies["arg"])


@pytest.mark.parametrize("inner", [pytest.param(False, id="parent"),
                                   pytest.param(True, id="batches-folder")])
def test_environment_variable(copies, nowhere, monkeypatch, inner):
    monkeypatch.setenv("CIFAR10_DIR", _batches(copies["env"]) if inner else str(copies["env"]))
    assert find_CIFAR10() == _batches(copies["env"])


@pytest.mark.parametrize("where, expected", [
    pytest.param("cwd", "cwd", id="parent"),
    pytest.param("cwd/" + DIRNAME, "cwd", id="batches-folder"),
    pytest.param("project", "project/data", id="data-subfolder"),
])
def test_working_directory(copies, nowhere, monkeypatch, where, expected):
    first, _, rest = where.partition("/")
    monkeypatch.chdir(os.path.join(copies[first], rest))
    first, _, rest = expected.partition("/")
    assert find_CIFAR10() == os.path.join(copies[first], rest, DIRNAME)


def test_argument_beats_environment_beats_working_directory(copies, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(copies["env"]))
    monkeypatch.chdir(copies["cwd"])
    assert find_CIFAR10(str(copies["arg"])) == _batches(copies["arg"])
    assert find_CIFAR10() == _batches(copies["env"])
    monkeypatch.delenv("CIFAR10_DIR")
    assert find_CIFAR10() == _batches(copies["cwd"])


def test_a_wrong_explicit_location_is_an_error_not_a_fallback(copies, monkeypatch):
    """The first location that is GIVEN decides: a typo must not silently load other data."""
    monkeypatch.setenv("CIFAR10_DIR", str(copies["env"]))
    with pytest.raises(CIFAR10NotFoundError, match="the cifar10_dir argument"):
        find_CIFAR10(str(copies["empty"]))


def test_not_found_names_the_download_command(copies, nowhere):
    with pytest.raises(FileNotFoundError) as info:
        get_CIFAR10_data()
    assert isinstance(info.value, CIFAR10NotFoundError)
    message = str(info.value)
    assert "nndl-hw4 data download --dir DIR" in message
    assert str(copies["empty"]) in message and "CIFAR10_DIR" in message


def test_get_CIFAR10_data_reads_the_located_copy(copies, nowhere, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(copies["env"]))
    data = get_CIFAR10_data(num_training=40, num_validation=10, num_test=10)
    expected = read_batch(os.path.join(_batches(copies["env"]), "data_batch_1")).labels
    np.testing.assert_array_equal(data["y_train"][:10], expected)
    other = get_CIFAR10_data(num_training=40, num_validation=10, num_test=10,
                             cifar10_dir=copies["arg"])  # a pathlib.Path works too
    assert not np.array_equal(other["X_train"], data["X_train"])


def test_asking_for_more_images_than_there_are(copies, nowhere):
    with pytest.raises(ValueError, match="49000 training \\+ 1000 validation"):
        get_CIFAR10_data(cifar10_dir=str(copies["arg"]))
