"""Submissions on disk for the grading tests, named after the scenario they show.

Every submission is written from the installed reference (mutants.apply), the
committed student release (assignment/nndl), or raw bytes for the hostile
zips. The class is graded ONCE per session through the real CLI and sandbox
(``graded_class``); tests then read its reports.
"""

import csv
import io
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nndl_hw4 import mutants
from nndl_hw4.cli import main

REPO = Path(__file__).resolve().parents[2]
STARTER_NNDL = REPO / "assignment" / "nndl"
MODULES = ("optim", "layers", "layer_utils", "fc_net")
OPTIMIZER_QUESTIONS = ("sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam")


def run_cli(*args):
    """`nndl-hw4 ARGS` in this process: click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def reference_texts(*mistakes):
    return mutants.apply([mutants.by_id(m) for m in mistakes])


def write_dir(folder, texts=None, extra=None):
    """folder/nndl/*.py from texts (default: the reference); extra: {relative path: text}."""
    mutants.write_package(folder, texts or reference_texts())
    for rel, text in (extra or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def write_zip(path, members):
    """members: {name: text or bytes}, written in order."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def nndl_members(prefix="", texts=None):
    texts = texts or reference_texts()
    return {f"{prefix}nndl/__init__.py": "", **{f"{prefix}nndl/{m}.py": texts[m] for m in MODULES}}


def symlink_zip(path):
    """A zip whose nndl/optim.py is a symbolic link to /etc/passwd."""
    members = nndl_members()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name == "nndl/optim.py":
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, "/etc/passwd")
            else:
                archive.writestr(name, data)
    return path


def notebook():
    return json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def build_class(folder):
    """A class folder mixing every layout and failure; {name: expected status}."""
    folder.mkdir(parents=True)
    write_dir(folder / "reference")
    shutil.copytree(STARTER_NNDL, folder / "starter-code" / "nndl")
    write_dir(folder / "adam-no-bias-correction", reference_texts("adam-no-bias-correction"))
    # The student's own utils/ must never be used: this one would break every import.
    write_dir(folder / "own-utils", extra={"utils/__init__.py": "raise SystemExit('student utils used')"})
    missing = write_dir(folder / "missing-optim")
    (missing / "nndl" / "optim.py").unlink()
    broken = write_dir(folder / "syntax-error-optim")
    (broken / "nndl" / "optim.py").write_text("def sgd_momentum(:\n")
    write_zip(folder / "zip-root.zip", nndl_members())
    write_zip(folder / "zip-top-folder.zip", nndl_members("hw4-submission/"))
    write_zip(folder / "otter-export.zip", {"FullyConnectedNets.ipynb": notebook(), **nndl_members(),
                                            "utils/__init__.py": "raise SystemExit('student utils used')"})
    (folder / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    write_zip(folder / "zip-slip.zip", {**nndl_members(), "../escaped.py": "print('escaped')"})
    write_zip(folder / "absolute-path.zip", {**nndl_members(), "/tmp/nndl-hw4-absolute.py": "x = 1"})
    symlink_zip(folder / "symlink.zip")
    (folder / "notes.txt").write_text("not a submission: ignored")
    return {
        "reference": "ok", "starter-code": "ok", "adam-no-bias-correction": "ok", "own-utils": "ok",
        "missing-optim": "partial errors", "syntax-error-optim": "partial errors",
        "zip-root": "ok", "zip-top-folder": "ok", "otter-export": "ok",
        "corrupt": "failed to grade", "zip-slip": "failed to grade", "absolute-path": "failed to grade",
        "symlink": "failed to grade",
    }


# A small rubric for tests that grade one submission several times: the optimizer
# questions without the slower training checks.
QUICK_RUBRIC = """
[[question]]
id = "adam"
title = "Adam"
points = 10
kind = "auto"
checks = ["adam/public", "adam/steps", "adam/state"]

[[question]]
id = "rmsprop"
title = "RMSProp"
points = 5
kind = "auto"
credit = "all-or-nothing"
checks = ["rmsprop/public", "rmsprop/steps"]

[[question]]
id = "essay"
title = "Essay"
points = 5
kind = "manual"
"""


@pytest.fixture
def quick_rubric(tmp_path):
    path = tmp_path / "quick-rubric.toml"
    path.write_text(QUICK_RUBRIC)
    return path


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def read_json(path):
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """(class folder, out folder, expected statuses, CLI result) of one `grade --jobs 2` run."""
    root = tmp_path_factory.mktemp("class")
    expected = build_class(root / "submissions")
    out = root / "grades"
    result = run_cli("grade", root / "submissions", "--out", out, "--jobs", 2)
    return root / "submissions", out, expected, result
