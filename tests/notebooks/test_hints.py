"""The notebooks' checks name the known mistakes where students work (issue 13), in real kernels.

For a release (the repo's assignment/, a keep course; a release built for a
drop course) and a variant of the reference (a known mistake of the
catalogue, a legitimate rewrite, or none), a student folder holds the
release's utils/ beside the variant's nndl/. One kernel per notebook runs,
for every folder in turn, the release notebook's own setup and check cells
(check_kernel.py): a mistake must stop at the cell STOPS says, saying what
STOPS says; the reference and every legitimate rewrite must pass every check
cell. A folder runs only in the notebooks whose check cells import (directly
or through what they import) the module its variant changes: the others
cannot see it (proved by the in-process run of the same cells,
nndl_hw4.release.check_cells, which records the imports).
"""

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from nndl_hw4 import course as courses
from nndl_hw4 import mutants
from nndl_hw4.diagnosis import TWINS, describe
from nndl_hw4.release import check_cells, hints

from .check_kernel import CheckKernel
from .conftest import NAMES, REPO, kernel_env

NAMED = "named"      # the AssertionError ends with "Likely mistake: " + diagnosis.describe(mistake)
TWIN = "twins"       # ... with the grader's sentence for mistakes a network check cannot tell apart
RAISES = "raises"    # the student's code raises in the cell (the student reads its traceback)

# Where each known mistake stops a notebook of the keep course, and what the cell says there. A mistake
# not listed for a notebook passes its check cells or is not run there (see the module docstring).
STOPS = {
    "optimization": {
        "hw3-check": {
            "fc-no-reg-gradient-last-layer": NAMED,
            "affine-forward-no-reshape": RAISES,      # x @ w with x of shape (2, 4, 5, 6)
            "affine-backward-no-reshape": NAMED,
            "affine-backward-db-mean": NAMED,
            "relu-forward-np-max": NAMED,
            "relu-backward-relu-of-dout": NAMED,
            "affine-relu-forward-no-relu": NAMED,
            "affine-relu-backward-skips-relu": NAMED,
            "fc-reg-no-half": NAMED,
            "fc-hardcoded-float32": NAMED,
            "fc-weights-not-scaled": NAMED,
            "fc-output-no-bias": NAMED,
            "fc-reg-gradient-doubled": NAMED,
        },
        "sgd-momentum-check": {
            "momentum-velocity-sign-flip": NAMED,
            "momentum-gradient-ascent": NAMED,
            "momentum-velocity-not-stored": NAMED,
        },
        "nesterov-check": {
            "nesterov-as-plain-momentum": NAMED,
            "nesterov-sign-flip": NAMED,
            "nesterov-gradient-ascent": NAMED,
            "nesterov-velocity-not-stored": NAMED,
        },
        "rmsprop-check": {
            "rmsprop-step-with-old-cache": NAMED,
            "rmsprop-no-sqrt": NAMED,
            "rmsprop-decay-swapped": NAMED,
            "rmsprop-cache-not-stored": NAMED,
        },
        "adam-check": {
            "adam-no-bias-correction": NAMED,
            "adam-no-t-increment": NAMED,
            "adam-t-not-stored": NAMED,
            "adam-only-first-moment-corrected": NAMED,
            "adam-moments-swapped": NAMED,
            "adam-moments-not-stored": NAMED,
            "adam-t-incremented-after-use": NAMED,
        },
    },
    "batchnorm": {
        "bn-train-check": {
            "batchnorm-variance-ddof1": NAMED,
            "batchnorm-wrong-axis": NAMED,
        },
        "bn-test-check": {
            "batchnorm-running-std": NAMED,
            "batchnorm-running-not-updated": NAMED,
            "batchnorm-running-not-written-back": NAMED,
        },
        "bn-backward-check": {
            "batchnorm-backward-no-mean-path": NAMED,
            "batchnorm-backward-no-variance-path": NAMED,
            "batchnorm-backward-dgamma-no-xhat": NAMED,
        },
        "fc-bn-check": {
            "fc-no-reg-gradient-last-layer": NAMED,   # the seed notebook's student: W3 relative error 1.0
            "affine-backward-db-mean": NAMED,
            "relu-forward-np-max": RAISES,            # the network adds scores of shape (2,) and (2, 10)
            "relu-backward-relu-of-dout": NAMED,
            "batchnorm-no-eps": NAMED,
            "fc-reg-no-half": NAMED,
            "fc-reg-all-params-in-loss": NAMED,
            "fc-hardcoded-float32": NAMED,
            "fc-weights-not-scaled": NAMED,
            "fc-gamma-init-zeros": NAMED,
            "fc-batchnorm-on-output": NAMED,
            "fc-shared-bn-param": RAISES,             # one bn_param for layers of 20 and 30 units
            "fc-output-no-bias": NAMED,
            "fc-reg-gradient-doubled": NAMED,
        },
    },
    "dropout": {
        "dropout-forward-check": {
            "dropout-other-convention": NAMED,
            "dropout-no-inverted-scaling": NAMED,
            "dropout-mask-at-test": NAMED,
            "dropout-scale-at-test": NAMED,
            "dropout-scale-wrong-factor": NAMED,
        },
        "dropout-backward-check": {
            "dropout-unseeded-generator": NAMED,
            "dropout-backward-ignores-mask": NAMED,
            "dropout-backward-unscaled": NAMED,
        },
        "fc-dropout-check": {
            "affine-backward-db-mean": NAMED,
            "relu-forward-np-max": RAISES,
            "relu-backward-relu-of-dout": NAMED,
            "fc-weights-not-scaled": NAMED,
            "fc-no-dropout": NAMED,
            "fc-output-no-bias": NAMED,
            # Their gradients are the same (each ignores the masks): the grader's TWINS sentence.
            "fc-dropout-no-backward": TWIN,
            "fc-dropout-inline-no-backward": TWIN,
        },
    },
}
# The drop course: its dropout notebook (the one that differs) stops at the same cells, in its words.
COURSES = {"keep": (courses.Course("keep"), STOPS), "drop": (courses.Course("drop"), {"dropout": STOPS["dropout"]})}


def _stops(table):
    return [(notebook, cell, mistake, says) for notebook, cells in table.items()
            for cell, mistakes in cells.items() for mistake, says in mistakes.items()]


def _modules_seen(course):
    """{notebook: the student modules its check cells import, with what those import}."""
    nndl, utils, notebooks = hints.kit_inputs(REPO, course)
    imports = check_cells.run(nndl, notebooks, utils).imports
    return {nb: {m.split(".")[1] for m in courses.needs(found)} for nb, found in imports.items()}


def _plan(course, table):
    """{notebook: [variant id ('reference' or a catalogue id)]} to run, per the module docstring."""
    seen = _modules_seen(course)
    plan = {}
    for notebook in table:
        listed = {m for cells in table[notebook].values() for m in cells}
        plan[notebook] = ["reference"] + [m.id for m in mutants.catalogue(course)
                                          if m.id in listed or (m.legit and m.module in seen[notebook])]
    return plan


@pytest.fixture(scope="session")
def runs(drop_release, tmp_path_factory):
    """{(course, notebook, variant): check_kernel.Stop}: one kernel per course and notebook, run in
    parallel (each mostly computes in its own process)."""
    releases = {"keep": REPO / "assignment", "drop": drop_release}
    jobs = []
    for name, (course, table) in COURSES.items():
        root = tmp_path_factory.mktemp(f"hints-{name}")
        folders = {}
        for notebook, variants in _plan(course, table).items():
            for variant in variants:
                if variant not in folders:
                    folders[variant] = folder = root / variant
                    shutil.copytree(releases[name] / "utils", folder / "utils",
                                    ignore=shutil.ignore_patterns("__pycache__"))
                    applied = [] if variant == "reference" else [mutants.by_id(variant, course)]
                    mutants.write_package(folder, mutants.apply(applied, mutants.reference_sources(course)))
            jobs.append((name, notebook, releases[name] / f"{notebook}.ipynb", root,
                         [(v, folders[v]) for v in variants]))

    def work(job):
        name, notebook, path, root, folders = job
        stops = CheckKernel(path, kernel_env(root), root).run_all([folder for _, folder in folders])
        return {(name, notebook, variant): stop for (variant, _), stop in zip(folders, stops)}

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return {key: stop for found in pool.map(work, jobs) for key, stop in found.items()}


STOP_PARAMS = [pytest.param(name, *stop, id=f"{name}-{stop[0]}-{stop[2]}")
               for name, (_, table) in COURSES.items() for stop in _stops(table)]


@pytest.mark.parametrize("name, notebook, cell, mistake_id, says", STOP_PARAMS)
def test_a_mistake_stops_at_its_cell_and_the_cell_names_it(runs, name, notebook, cell, mistake_id, says):
    course = COURSES[name][0]
    stop = runs[name, notebook, mistake_id]
    assert stop.cell == cell, f"{mistake_id} stopped at {stop.cell}: {stop.ename}: {stop.evalue}"
    if says == RAISES:
        assert stop.ename != "AssertionError" and "Likely mistake" not in stop.evalue, stop.evalue
        return
    assert stop.ename == "AssertionError"
    if says == NAMED:
        text = describe(mutants.by_id(mistake_id, course))
    else:
        marked = {m for m, how in STOPS[notebook][cell].items() if how == TWIN}
        text = next(t.text for t in TWINS if t.ids & marked)
    what, _, likely = stop.evalue.partition(". Likely mistake: ")
    assert likely == text, stop.evalue
    assert what and "Likely mistake" not in what


CORRECT_PARAMS = [pytest.param(name, notebook, variant, id=f"{name}-{notebook}-{variant}")
                  for name, (course, table) in COURSES.items()
                  for notebook in table
                  for variant in ["reference"] + [m.id for m in mutants.catalogue(course) if m.legit]]


@pytest.mark.parametrize("name, notebook, variant", CORRECT_PARAMS)
def test_correct_code_passes_every_check_cell(runs, name, notebook, variant):
    if (name, notebook, variant) not in runs:
        module = mutants.by_id(variant).module
        assert module not in _modules_seen(COURSES[name][0])[notebook]   # the cells never run that module
        return
    stop = runs[name, notebook, variant]
    assert stop.cell is None, f"{variant} stopped at {stop.cell}: {stop.ename}: {stop.evalue}"


def test_the_seed_students_bug_is_named_where_they_met_it(runs):
    """The seed notebook's student ran this cell, saw W3's relative error 1.0 and moved on."""
    stop = runs["keep", "batchnorm", "fc-no-reg-gradient-last-layer"]
    assert stop.cell == "fc-bn-check"
    assert "Running check with reg =  3.14" in stop.printed and "W3 relative error: 1.0\n" in stop.printed
    assert stop.evalue == (
        "the gradient of W3 is wrong (relative error 1.0e+00). Likely mistake: no regularisation gradient "
        "on the last layer's weights. Fix: add reg * W to the gradient of EVERY weight matrix, the output "
        "layer's included.")


def test_every_notebook_is_run(runs):
    assert {nb for _, nb, _ in runs} == set(NAMES)
