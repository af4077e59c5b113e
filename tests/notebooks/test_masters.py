"""The master notebooks (solutions/*.ipynb): clean, graded by the catalogue, safe to grade with otter."""

import ast
import re

import nbformat
import pytest
import yaml

from nndl_hw4.fixtures import public_optim_fixtures
from nndl_hw4.release.otter_tests import load_inputs, release_problems

from .conftest import NAMES, NNDL_FILES, REPO

# Calls that need CIFAR-10, train, plot or save: grading must skip their cells.
SKIPPED_AT_GRADING = re.compile(r"get_CIFAR10_data\(|Solver\(|\.train\(\)|plt\.(?!rcParams)|save_model\(|data\[")


def _master(name):
    return nbformat.read(REPO / "solutions" / f"{name}.ipynb", as_version=4)


def _config(nb):
    return yaml.safe_load(nb.cells[0].source)


@pytest.mark.parametrize("name", NAMES)
def test_master_is_committed_without_outputs(name):
    code = [c for c in _master(name).cells if c.cell_type == "code"]
    assert not [c.id for c in code if c.outputs or c.execution_count], "clear the outputs before committing"


def test_questions_match_the_catalogue_and_rubric():
    notebooks = {name: _master(name) for name in NAMES}
    assert release_problems(notebooks, *load_inputs()) == []


@pytest.mark.parametrize("name", NAMES)
def test_training_plotting_and_data_cells_are_skipped_at_grading(name):
    for cell in _master(name).cells:
        if cell.cell_type == "code" and SKIPPED_AT_GRADING.search(cell.source):
            assert "otter_ignore" in cell.metadata.get("tags", []), f"{name}: cell {cell.id} needs the otter_ignore tag"


@pytest.mark.parametrize("name", NAMES)
def test_trusted_files_never_overwrite_student_modules(name):
    """otter copies `files:` over a submission at grading time: the students' nndl/ must not be there."""
    config = _config(_master(name))
    assert config["files"] == ["utils"]
    assert config["run_tests"] is False and config["tests"] == {"files": False, "ok_format": False}


@pytest.mark.parametrize("name", NAMES)
def test_export_packs_every_student_module(name):
    student = nbformat.read(REPO / "assignment" / f"{name}.ipynb", as_version=4)
    export = [c for c in student.cells if c.cell_type == "code" and "grader.export(" in c.source]
    assert len(export) == 1
    packed = set(re.findall(r"'nndl/(\w+\.py)'", export[0].source))
    assert packed == set(NNDL_FILES)
    assert ("model.npz" in export[0].source) == (name == "dropout")


def _expected_arrays(source):
    """{name: array literal} of the `expected_<name> = np.asarray([...])` lines of a check cell."""
    return {m.group(1): ast.literal_eval(m.group(2))
            for m in re.finditer(r"expected_(\w+) = np\.asarray\((\[.*?\]\])\)", source, re.S)}


@pytest.mark.parametrize("rule", ["sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"])
def test_optimizer_checks_show_the_public_fixtures(rule):
    """The arrays the notebook prints are exactly the fixtures the grader's public checks use."""
    cell = next(c for c in _master("optimization").cells
                if c.cell_type == "code" and f"from nndl.optim import {rule}\n" in c.source)
    shown = _expected_arrays(cell.source)
    expected = public_optim_fixtures()[rule]["expected"]
    arrays = {k: v for k, v in expected.items() if hasattr(v, "tolist")}
    assert set(shown) == set(arrays)
    for key, value in arrays.items():
        assert shown[key] == value.tolist(), f"{rule}: expected_{key} differs from public_optim.json"
    for key in set(expected) - set(arrays):   # Adam's step count
        assert f"{key}=(config['{key}'], {expected[key]})" in cell.source
