"""Fixtures for the reference tests: the reference laid out as students have it."""

import importlib
import sys
from pathlib import Path

import pytest

import nndl_hw4.reference.nndl as reference_nndl
import nndl_hw4.reference.utils as reference_utils

STUDENT_PACKAGES = ("nndl", "utils")


def _student_modules():
    return [name for name in sys.modules if name.split(".")[0] in STUDENT_PACKAGES]


@pytest.fixture
def student_layout(monkeypatch):
    """The folder holding the reference's nndl/ and utils/, put first on sys.path.

    utils/solver.py does ``from nndl import optim``, as students have nndl/ next to
    utils/. The folder is the parent of the installed nndl package: that is
    nndl_hw4/reference/ in a normal install and solutions/ in an editable one
    (there nndl_hw4/reference/ itself holds neither package). Any nndl/utils
    modules imported before are set aside and restored afterwards, and the ones
    imported here are dropped, so no other test sees them.
    """
    root = Path(reference_nndl.__file__).parent.parent
    assert Path(reference_utils.__file__).parent.parent == root, "nndl/ and utils/ are not siblings"
    for name in _student_modules():
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in _student_modules():
        del sys.modules[name]


@pytest.fixture
def Solver(student_layout):
    """The reference Solver class, imported as ``utils.solver`` with the reference optim."""
    solver = importlib.import_module("utils.solver")
    assert Path(solver.__file__).parent == student_layout / "utils"
    assert Path(solver.optim.__file__).parent == student_layout / "nndl"
    return solver.Solver
