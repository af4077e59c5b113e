"""`nndl-hw4 gradescope`: the autograder zip's layout, its wheel (the installed kit), reproducible bytes."""

import base64
import csv
import hashlib
import importlib.util
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nndl_hw4 import __version__
from nndl_hw4.cli import main
from nndl_hw4.rubric import default_rubric_path

WHEEL = f"nndl_hw4-{__version__}-py3-none-any.whl"


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: (info, archive.read(info)) for info in archive.infolist()}


def test_the_zip_holds_the_two_scripts_the_wheel_the_rubric_and_the_options(autograder_zip):
    members = _members(autograder_zip)
    assert set(members) == {"setup.sh", "run_autograder", WHEEL, "rubric.toml", "config.json"}
    for script in ("setup.sh", "run_autograder"):
        info, data = members[script]
        assert (info.external_attr >> 16) & 0o111, f"{script} is not executable"
        assert data.startswith(b"#!/usr/bin/env bash\n")
    assert members["rubric.toml"][1] == default_rubric_path().read_bytes()
    assert json.loads(members["config.json"][1]) == {"kit_version": __version__, "timeout": 20.0, "sandbox": "auto",
                                                     "course": {"dropout": "keep", "fc_gate": "dropout > 0"}}


def test_the_scripts_are_valid_bash_and_setup_installs_what_grading_needs(autograder_zip):
    members = _members(autograder_zip)
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n"], input=members[script][1], check=True)
    setup = members["setup.sh"][1].decode()
    for needed in ("apt-get install -y -q bubblewrap", "sys.version_info < (3, 11)",
                   'pip install -q "$SOURCE"/nndl_hw4-*.whl', "nndl-hw4\" data download --dir \"$CIFAR10_DIR\""):
        assert needed in setup, needed


def test_the_wheel_is_the_installed_kit(autograder_zip):
    wheel = zipfile.ZipFile(io.BytesIO(_members(autograder_zip)[WHEEL][1]))
    names = set(wheel.namelist())
    info = f"nndl_hw4-{__version__}.dist-info"
    # Every file of the wheel is the installed file, byte for byte.
    packaged = sorted(n for n in names if n.startswith("nndl_hw4/"))
    for name in packaged:
        package, _, filename = name.rpartition("/")
        spec = importlib.util.find_spec(package.replace("/", "."))
        installed = Path(list(spec.submodule_search_locations)[0]) / filename
        assert wheel.read(name) == installed.read_bytes(), name
    # Nothing the grader needs is missing: every module, the rubric, fixtures, the scripts, the reference.
    for needed in ("nndl_hw4/rubric.toml", "nndl_hw4/fixtures/public_optim.json", "nndl_hw4/gradescope/run.py",
                   "nndl_hw4/gradescope/setup.sh", "nndl_hw4/accuracy/score.py", "nndl_hw4/child/harness.py",
                   "nndl_hw4/reference/nndl/fc_net.py", "nndl_hw4/reference/utils/model_io.py",
                   "nndl_hw4/cifar/download.py", f"{info}/METADATA", f"{info}/entry_points.txt"):
        assert needed in names, needed
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert "nndl-hw4 = nndl_hw4.cli:main" in wheel.read(f"{info}/entry_points.txt").decode()
    # RECORD lists every other file with its sha256 and size (pip checks it on install).
    rows = list(csv.reader(io.StringIO(wheel.read(f"{info}/RECORD").decode())))
    assert {r[0] for r in rows} == names
    for name, digest, size in rows:
        if name.endswith("RECORD"):
            continue
        data = wheel.read(name)
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert digest == f"sha256={expected}" and int(size) == len(data), name


def test_building_twice_gives_the_same_bytes(autograder_zip, tmp_path):
    result = run_cli("gradescope", "--out", tmp_path / "again.zip")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again.zip").read_bytes() == autograder_zip.read_bytes()
    assert "Configure Autograder" in result.output


def test_a_custom_rubric_and_timeout_are_packed(tmp_path):
    rubric = tmp_path / "mine.toml"
    rubric.write_text('[[question]]\nid = "final"\ntitle = "Test accuracy"\npoints = 30\nkind = "accuracy"\n'
                      'split = "test"\n')
    result = run_cli("gradescope", "--out", tmp_path / "ag.zip", "--rubric", rubric, "--timeout", 45)
    assert result.exit_code == 0, result.output
    members = _members(tmp_path / "ag.zip")
    assert members["rubric.toml"][1] == rubric.read_bytes()
    assert json.loads(members["config.json"][1])["timeout"] == 45


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["--rubric", "missing.toml"], "cannot read the rubric", id="missing-rubric"),
    pytest.param(["--timeout", "0"], "--timeout must be a positive number", id="zero-timeout"),
])
def test_bad_options_are_refused_before_anything_is_written(args, message, tmp_path):
    result = run_cli("gradescope", "--out", tmp_path / "ag.zip", *args)
    assert result.exit_code == 2 and "ERROR:" in result.output and message in result.output
    assert not (tmp_path / "ag.zip").exists()
