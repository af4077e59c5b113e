"""Fixtures for the notebook tests: generated CIFAR-10, otter assign's notebooks, a real kernel.

Notebooks run with nbclient on an ipykernel kernel in FAST mode
(NNDL_HW4_FAST=1): the notebooks then use at most 900 + 100 + 100 images,
which write_cifar10(per_batch=200, test=100) provides, and train for an epoch
or a few.
"""

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from nndl_hw4.cifar import write_cifar10
from nndl_hw4.release import builder, notebooks

REPO = Path(__file__).resolve().parents[2]
NAMES = ("optimization", "batchnorm", "dropout")
NNDL_FILES = sorted(p.name for p in (REPO / "solutions" / "nndl").glob("*.py"))
CELL_TIMEOUT = 300   # seconds; the slowest FAST-mode cell takes a few


@pytest.fixture(scope="session")
def cifar10_dir(tmp_path_factory):
    """Generated data in the CIFAR-10 format, big enough for FAST mode."""
    root = tmp_path_factory.mktemp("cifar10")
    write_cifar10(root, per_batch=200, test=100, seed=0)
    return root


@pytest.fixture(scope="session")
def drop_release(tmp_path_factory):
    """assignment/ built for a course whose dropout p is the probability of DROPPING a unit."""
    kit = tmp_path_factory.mktemp("drop-kit")
    shutil.copytree(REPO / "solutions", kit / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", kit / "pyproject.toml")
    (kit / "release.toml").write_text('solved = []\n\n[course]\ndropout = "drop"\n')
    builder.build(kit)
    return kit / "assignment"


@pytest.fixture(scope="session")
def assigned():
    """{name: notebooks.Assigned}: otter assign's output for each master notebook."""
    return {name: notebooks.assign(REPO, REPO / "solutions" / f"{name}.ipynb") for name in NAMES}


def kernel_env(cifar10_dir):
    """The environment of a notebook kernel: FAST mode, the generated data, no display."""
    return dict(os.environ, NNDL_HW4_FAST="1", CIFAR10_DIR=str(cifar10_dir), MPLBACKEND="Agg")


def lay_out(folder, notebook_name, notebook_bytes, source):
    """`folder` as a student has it: the notebook next to source's nndl/ and utils/."""
    folder.mkdir(parents=True, exist_ok=True)
    for package in ("nndl", "utils"):
        shutil.copytree(source / package, folder / package, ignore=shutil.ignore_patterns("__pycache__"))
    path = folder / f"{notebook_name}.ipynb"
    path.write_bytes(notebook_bytes)
    return path


def execute(path, env):
    """Run the notebook at `path` in its folder: (executed notebook, CellExecutionError or None).

    Execution stops at the first cell that raises; the notebook then holds
    the outputs of the cells run so far.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=env)
    except CellExecutionError as error:
        return nb, error
    return nb, None


def errors(nb):
    """[(cell id, ename, evalue)] of the cells that raised."""
    return [(cell.get("id"), out.ename, out.evalue) for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.output_type == "error"]
