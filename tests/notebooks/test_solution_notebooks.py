"""The solution notebooks run end to end (FAST mode, generated data, real kernel), export included."""

import re
import zipfile

import pytest

from nndl_hw4.reference.utils.model_io import read_model_arrays

from .conftest import NAMES, NNDL_FILES, REPO, errors, execute, kernel_env, lay_out

PLOTS = {  # cells that must draw a figure
    "optimization": ["compare-momentum-plot", "compare-adaptive-plot"],
    "batchnorm": ["deep-bn-plot", "weight-scale-plot"],
    "dropout": ["regularization-plot"],
}


@pytest.fixture(scope="module")
def solution(assigned, cifar10_dir, tmp_path_factory):
    """solution(name) -> (folder, executed notebook, error); each notebook runs once."""
    runs = {}

    def run(name):
        if name not in runs:
            folder = tmp_path_factory.mktemp(f"solution-{name}")
            path = lay_out(folder, name, assigned[name].solution, REPO / "solutions")
            runs[name] = (folder, *execute(path, kernel_env(cifar10_dir)))
        return runs[name]
    return run


def _cell(nb, cid):
    return next(cell for cell in nb.cells if cell.get("id") == cid)


@pytest.mark.parametrize("name", NAMES)
def test_runs_without_errors(solution, name):
    _, nb, error = solution(name)
    assert error is None, f"{name}: {errors(nb)}"


@pytest.mark.parametrize("name", NAMES)
def test_plots_are_drawn(solution, name):
    _, nb, _ = solution(name)
    for cid in PLOTS[name]:
        kinds = [mime for out in _cell(nb, cid).outputs for mime in out.get("data", {})]
        assert "image/png" in kinds, f"{name}: cell {cid} drew no figure"


@pytest.mark.parametrize("name", NAMES)
def test_export_packs_the_notebook_and_modules(solution, name):
    folder, _, _ = solution(name)
    exports = sorted(folder.glob(f"{name}_*.zip"))
    assert len(exports) == 1, f"{name}: expected one export zip, found {exports}"
    members = set(zipfile.ZipFile(exports[0]).namelist())
    expected = {f"{name}.ipynb", *(f"nndl/{f}" for f in NNDL_FILES)}
    if name == "dropout":
        expected.add("model.npz")
    assert expected <= members
    assert not [m for m in members if m.startswith("utils/")], "the trusted utils/ must not travel with a submission"


def test_final_part_trains_and_saves_a_model(solution):
    folder, nb, _ = solution("dropout")
    printed = "".join(out.get("text", "") for out in _cell(nb, "final-part-accuracy").outputs)
    accuracy = float(re.search(r"Validation set accuracy: ([0-9.]+)", printed).group(1))
    # Chance is 10%; FAST-mode training on the generated data reaches ~75%.
    assert accuracy > 0.5
    arrays = read_model_arrays(folder / "model.npz")
    assert bool(arrays["use_batchnorm"]) and float(arrays["dropout"]) > 0
