"""`nndl-hw4 build` and the masters: stale otter cells are refused, autograder zips are written and printed."""

import shutil
import zipfile

import nbformat
import pytest
from click.testing import CliRunner

from nndl_hw4.cli import main
from nndl_hw4.errors import KitError
from nndl_hw4.release import builder
from nndl_hw4.release.otter_tests import load_inputs, notebook_problems, question_blocks, sync_notebook

from .conftest import NAMES, REPO


@pytest.fixture
def kit(tmp_path):
    """A copy of what the builder reads."""
    shutil.copytree(REPO / "solutions", tmp_path / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("release.toml", "pyproject.toml"):
        shutil.copy2(REPO / name, tmp_path / name)
    return tmp_path


def _stale(nb):
    """Drop adam's last test cell and change its points."""
    block = {b.name: b for b in question_blocks(nb)}["adam"]
    del nb.cells[block.tests[1] - 1]
    nb.cells[block.begin].source = nb.cells[block.begin].source.replace("points: 10", "points: 9")
    return nb


@pytest.mark.parametrize("name", NAMES)
def test_masters_are_a_fixed_point_of_sync(name):
    nb = nbformat.read(REPO / "solutions" / f"{name}.ipynb", as_version=4)
    assert sync_notebook(nb, *load_inputs()) == nb


def test_stale_otter_cells_are_named_and_sync_repairs_them():
    rubric, checks = load_inputs()
    master = nbformat.read(REPO / "solutions" / "optimization.ipynb", as_version=4)
    stale = _stale(nbformat.from_dict(master))
    assert notebook_problems(stale, rubric, checks, "optimization.ipynb") == [
        "optimization.ipynb: question 'adam': its BEGIN QUESTION cell should read "
        "'# BEGIN QUESTION\\nname: adam\\npoints: 10\\ncheck_cell: false'",
        "optimization.ipynb: question 'adam': its test cells differ from the check catalogue",
    ]
    assert sync_notebook(stale, rubric, checks) == master


def test_build_refuses_stale_masters(kit):
    path = kit / "solutions" / "optimization.ipynb"
    nbformat.write(_stale(nbformat.read(path, as_version=4)), path)
    with pytest.raises(KitError) as caught:
        builder.check(kit)
    assert "question 'adam'" in caught.value.message
    assert "otter_tests --write" in caught.value.hint


def test_build_writes_and_prints_the_autograders(kit):
    result = CliRunner().invoke(main, ["build", "--root", str(kit)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("  notebooks: 3 student notebook(s) made by otter assign (otter-grader 7.0.")
               for line in lines)
    for name in NAMES:
        assert f"  wrote   dist/otter/{name}-autograder.zip" in lines
        assert (kit / "assignment" / f"{name}.ipynb").read_bytes() == (REPO / "assignment" / f"{name}.ipynb").read_bytes()
        with zipfile.ZipFile(kit / "dist" / "otter" / f"{name}-autograder.zip") as zf:
            tests = {n for n in zf.namelist() if n.startswith("tests/")}
        master = nbformat.read(kit / "solutions" / f"{name}.ipynb", as_version=4)
        graded = {b.name for b in question_blocks(master) if not b.config.get("manual")}
        assert tests == {f"tests/{q}.py" for q in graded}


def test_sync_command_reports_in_sync_masters(monkeypatch, capsys):
    from nndl_hw4.release.otter_tests import main as sync_main

    monkeypatch.chdir(REPO)
    assert sync_main([]) == 0
    assert capsys.readouterr() == ("", "")


def test_build_without_cifar10_where_it_was_asked_for(kit, tmp_path):
    result = CliRunner().invoke(main, ["build", "--root", str(kit), "--cifar10-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.stderr.startswith("ERROR: ") and "TIP: pass --cifar10-dir DIR" in result.stderr
