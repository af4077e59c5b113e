"""A small class graded once per session through the library (real sandbox), for the report tests."""

import shutil
import zipfile
from pathlib import Path

import pytest

from nndl_hw4 import mutants
from nndl_hw4.grading.batch import grade_batch, make_setup
from nndl_hw4.grading.submission import discover
from nndl_hw4.rubric import load_rubric
from nndl_hw4.sandbox.backends import select

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """(out folder, rubric, {name: Outcome}) for: reference, starter-code, adam-no-bias-correction,
    missing-optim, corrupt (zip)."""
    root = tmp_path_factory.mktemp("reports")
    subs = root / "submissions"
    mutants.write_package(subs / "reference", mutants.apply([]))
    shutil.copytree(REPO / "assignment" / "nndl", subs / "starter-code" / "nndl")
    mutants.write_package(subs / "adam-no-bias-correction",
                          mutants.apply([mutants.by_id("adam-no-bias-correction")]))
    mutants.write_package(subs / "missing-optim", mutants.apply([]))
    (subs / "missing-optim" / "nndl" / "optim.py").unlink()
    (subs / "corrupt.zip").write_bytes(b"PK\x05\x06" + b"\0" * 10)
    rubric = load_rubric()
    backend, _ = select()
    setup = make_setup(rubric, backend, root / "grades")
    outcomes = grade_batch(discover([subs]), setup, jobs=2)
    return root / "grades", rubric, {o.submission.name: o for o in outcomes}


def zip_names(path):
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()
