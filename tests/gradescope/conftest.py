"""A Gradescope autograder zip, unpacked into a fake /autograder and run as Gradescope runs it.

Instead of setup.sh (apt, network) the tests install the zip's wheel with pip
(offline, no dependencies) into a folder put on PYTHONPATH, and run
run_autograder with this venv's python: the grader that runs is the one in
the zip, not the working tree. CIFAR-10 is the generated data of
tests/accuracy (official size, CIFAR-10 format).
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from accuracy.helpers import full_cifar10, trained_model
from nndl_hw4.gradescope.build import build_autograder


@pytest.fixture(scope="session")
def cifar10(tmp_path_factory):
    return full_cifar10(tmp_path_factory)


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    return trained_model(tmp_path_factory)


@pytest.fixture(scope="session")
def autograder_zip(tmp_path_factory):
    out, _ = build_autograder(tmp_path_factory.mktemp("gradescope") / "autograder.zip")
    return out


@pytest.fixture(scope="session")
def installed(autograder_zip, tmp_path_factory):
    """(unpacked source folder, folder the zip's wheel is pip-installed into)."""
    root = tmp_path_factory.mktemp("autograder-install")
    source = root / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(source)
    for name in ("setup.sh", "run_autograder"):   # zipfile does not restore modes; Gradescope's unzip does
        (source / name).chmod(0o755)
    [wheel] = source.glob("*.whl")
    site = root / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(site), str(wheel)], check=True)
    return source, site


@pytest.fixture
def gradescope(installed, cifar10, tmp_path):
    """run(fill, cifar10_dir=..., python=...) -> (CompletedProcess, results dict or None) in a fresh fake
    /autograder. fill(submission_folder) puts the student's upload in place."""
    source, site = installed

    def run(fill, cifar10_dir=cifar10, python=sys.executable):
        root = tmp_path / "autograder"
        shutil.copytree(source, root / "source", symlinks=True)
        shutil.copy2(source / "run_autograder", root / "run_autograder")   # as Gradescope does
        (root / "submission").mkdir()
        fill(root / "submission")
        env = {k: v for k, v in os.environ.items() if k not in ("CIFAR10_DIR", "PYTHONPATH")}
        env.update(NNDL_HW4_AUTOGRADER_ROOT=str(root), NNDL_HW4_PYTHON=str(python),
                   NNDL_HW4_CIFAR10_DIR=str(cifar10_dir), PYTHONPATH=str(site))
        proc = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                              timeout=600)
        path = root / "results" / "results.json"
        return proc, json.loads(path.read_text()) if path.is_file() else None

    return run
