"""utils/hints.json and utils/hints.py: made for the course from the notebooks' own check cells, never
more than public, never naming correct code, usable with numpy alone; a ReLU kink said as such."""

import json
import subprocess
import sys
import textwrap

import nbformat
import numpy as np
import pytest

from nndl_hw4 import course as courses
from nndl_hw4 import mutants, runtime
from nndl_hw4.checks import all_checks
from nndl_hw4.diagnosis import describe
from nndl_hw4.reference.utils import hints as helper
from nndl_hw4.reference.utils.gradient_check import eval_numerical_gradient
from nndl_hw4.release import check_cells, hints, notebooks

from .conftest import REPO

KEEP, DROP = courses.Course("keep"), courses.Course("drop")


@pytest.fixture(scope="module")
def data():
    """{course: the contents of its hints.json} (the repo's release is the keep course's)."""
    return {course: json.loads(hints.hints_file(REPO, course)) for course in (KEEP, DROP)}


def test_the_release_carries_the_hints_of_its_course(data):
    assert json.loads((REPO / "assignment" / "utils" / "hints.json").read_text()) == data[KEEP]
    assert data[KEEP]["course"] == KEEP.as_dict() and data[DROP]["course"] == DROP.as_dict()


def test_a_drop_course_gets_hints_of_its_own(data):
    keep, drop = (d["cases"]["dropout_forward p=0.3"]["mistakes"] for d in (data[KEEP], data[DROP]))
    other = {c: next(m for m in found if m["ids"] == ["dropout-other-convention"]) for c, found in
             ((KEEP, keep), (DROP, drop))}
    # p = 0.3 read with the other convention keeps 70% of the units in a keep course, 30% in a drop course.
    assert other[KEEP]["outputs"]["train"] == [0.7, pytest.approx(1 / 0.7)]
    assert other[DROP]["outputs"]["train"] == [0.3, pytest.approx(1 / 0.3)]
    for course in (KEEP, DROP):
        assert data[course]["texts"]["dropout-other-convention"] == describe(
            mutants.by_id("dropout-other-convention", course))
    assert "DROPPING" in data[DROP]["texts"]["dropout-other-convention"]


def _numbers(tree):
    """Every float of a tree of dicts, lists and arrays, rounded as hints.json rounds, but those of at
    most 3 significant digits (settings both sides share, like a keep probability 0.7 = 1 - 0.3)."""
    if isinstance(tree, dict):
        return set().union(*map(_numbers, tree.values())) if tree else set()
    if isinstance(tree, (list, tuple)):
        return set().union(*map(_numbers, tree)) if tree else set()
    values = np.asarray(tree).ravel() if isinstance(tree, (np.ndarray, float, np.floating)) else []
    return {float(f"{v:.9g}") for v in values if np.isfinite(v) and float(f"{v:.3g}") != v}


def _arrays(tree):
    if isinstance(tree, dict):
        return [a for value in tree.values() for a in _arrays(value)]
    if isinstance(tree, (list, tuple)):
        return [a for value in tree for a in _arrays(value)]
    return [tree] if isinstance(tree, np.ndarray) and tree.dtype.kind == "f" else []


def _hidden(course):
    """The numbers of the grader's hidden checks: their inputs and expected outputs, and the summaries
    hints.json would hold of them (fingerprints: entries, norms, projections)."""
    rt = runtime.Runtime(course)
    trees = [(rt.inputs(check), rt.expected(check)) for check in all_checks(course) if not check.public]
    return _numbers(trees) | _numbers([helper.fingerprint(a)[1:] for a in _arrays(trees)])


@pytest.mark.parametrize("course", [KEEP, DROP], ids=["keep", "drop"])
def test_no_hidden_input_or_expected_value_is_in_the_file(data, course):
    shipped = _numbers(data[course]["cases"])
    assert shipped and not (shipped & _hidden(course))


def test_the_comparison_would_see_a_value_that_is_there(data):
    """The other way: what a mistake outputs in a check cell is found in the file, as the number the
    test above looks for (Adam without bias correction on the notebook's own fixture)."""
    nndl, utils, nbs = hints.kit_inputs(REPO, KEEP)
    run = check_cells.run(mutants.apply([mutants.by_id("adam-no-bias-correction")], nndl), nbs, utils)
    next_w = run.records["adam"][1]["next_w"]
    assert _numbers(helper.fingerprint(next_w)[1:]) <= _numbers(data[KEEP]["cases"])


@pytest.mark.parametrize("course", [KEEP, DROP], ids=["keep", "drop"])
def test_correct_code_is_never_named(data, course):
    """The reference and every legitimate rewrite, on every check case: no known mistake matches."""
    checks = helper.Checks(data[course])
    nndl, utils, nbs = hints.kit_inputs(REPO, course)
    variants = [[]] + [[m] for m in mutants.catalogue(course) if m.legit]
    for applied in variants:
        run = check_cells.run(mutants.apply(applied, nndl), nbs, utils)
        for case, (kind, observed, context) in run.records.items():
            assert checks.likely(case, kind, observed, **context) is None, (applied, case)


def test_every_mistake_in_the_file_is_named_on_its_own_outputs(data):
    """Each entry matches what its mistake outputs, and only that entry does."""
    checks = helper.Checks(data[KEEP])
    nndl, utils, nbs = hints.kit_inputs(REPO, KEEP)
    entries = [(case, entry) for case, found in data[KEEP]["cases"].items() for entry in found["mistakes"]]
    runs = {}
    for case, entry in entries:
        mistake = entry["ids"][0]
        if mistake not in runs:
            runs[mistake] = check_cells.run(mutants.apply([mutants.by_id(mistake)], nndl), nbs, utils)
        kind, observed, context = runs[mistake].records[case]
        assert checks.likely(case, kind, observed, **context) == data[KEEP]["texts"]["+".join(entry["ids"])]


def test_every_check_cell_calls_the_checks():
    """The check cells are the masters' code cells that are not the setup, an otter test or ignored by
    otter, and each records at least one case on the reference."""
    nndl, utils, nbs = hints.kit_inputs(REPO, KEEP)
    run = check_cells.run(nndl, nbs, utils)
    recorded = set(run.cells.values())
    for nb in nbs:
        master = nbformat.read(REPO / "solutions" / f"{nb.name}.ipynb", as_version=4)
        code = [c for c in master.cells if c.cell_type == "code" and c.id != check_cells.SETUP
                and not c.id.startswith("test-") and "otter_ignore" not in c.metadata.get("tags", [])]
        assert [c.id for c in code] == [c.id for c in nb.cells]
        assert all((nb.name, c.id) in recorded for c in nb.cells)
        assert not [c.id for c in code if "assert " in c.source], "a check cell asserts without the checks"


def test_the_autograders_carry_the_releases_utils():
    """otter copies the autograder's utils/ over every graded submission: it is the release's."""
    release = {p.name: p.read_bytes() for p in (REPO / "assignment" / "utils").iterdir() if p.is_file()}
    for master in notebooks.masters(REPO):
        staged = notebooks.staged_files(REPO, master)
        assert {k.split("/", 1)[1]: v for k, v in staged.items() if k.startswith("utils/")} == release


def _network(seed, reg=0.0, applied=()):
    """A seeded network and its gradient check (numerical gradients, as the notebooks compute them), in
    a private package: (model, X, y, grads, grads_num)."""
    package = runtime.load(mutants.apply([mutants.by_id(m) for m in applied], mutants.reference_sources()))
    package.random.seed(seed)
    X, y = package.random.randn(2, 15), package.random.randint(10, size=(2,))
    model = package.modules["nndl.fc_net"].FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=reg,
                                                             weight_scale=5e-2, dtype=np.float64)
    _, grads = model.loss(X, y)
    grads_num = {name: eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
                 for name in grads}
    return model, X, y, grads, grads_num


@pytest.mark.parametrize("seed, message", [
    (6, "the gradient of b2 is wrong (relative error 4.9e-02). Only 1 entry is off, and your gradient is right "
        "there: it agrees with a centred difference of a smaller step (the step h = 1e-5 crossed a kink of a "
        "ReLU, an input within h of 0). This is not a mistake in your code."),
    (0, "the gradient of W2 is wrong (relative error 4.0e-04). Only 1 entry is off, and your gradient is right "
        "there: the difference, at most 2e-11, is the rounding error of a centred difference with step "
        "h = 1e-5. This is not a mistake in your code."),
], ids=["kink", "rounding"])
def test_a_check_failed_by_a_hair_says_so(seed, message):
    """Correct code on seeds the notebooks do not use: one entry of 2.3e-8 (seed 0), a ReLU input
    within h of 0 (seed 6)."""
    assert helper.Checks().network_gradients("hair", *_network(seed), tolerance=1e-5, absolute={}) == message


@pytest.mark.parametrize("mistake, reg, message", [
    ("fc-no-reg-gradient-last-layer", 3.14, "the gradient of W3 is wrong (relative error 1.0e+00)"),
    ("fc-output-no-bias", 0.0, "the gradient of b3 is wrong (relative error 1.0e+00)"),
])
def test_a_real_mistake_is_never_called_a_kink(mistake, reg, message):
    checks = helper.Checks()
    assert checks.network_gradients("mistake", *_network(234, reg, [mistake]), tolerance=1e-5, absolute={}) == message


def test_the_hints_work_with_numpy_alone(tmp_path):
    """What a student has: numpy (and the release's utils/), not nndl_hw4."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sys

        class OnlyNumpy:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] not in sys.stdlib_module_names | {{"numpy", "utils"}}:
                    raise ImportError(name + " is not in a student's environment")

        sys.meta_path.insert(0, OnlyNumpy())
        sys.path.insert(0, {str(REPO / "assignment")!r})
        import numpy as np
        from utils.hints import check_close
        w = np.linspace(-0.4, 0.6, num=20).reshape(4, 5)
        dw = np.linspace(-0.6, 0.4, num=20).reshape(4, 5)
        v = np.linspace(0.6, 0.9, num=20).reshape(4, 5)
        next_w = w - 1e-3 * dw - 0.9 * v          # momentum with the velocity's sign flipped
        velocity = 0.9 * v + 1e-3 * dw
        expected = w + 0.9 * v - 1e-3 * dw
        try:
            check_close('sgd_momentum', 1e-6, next_w=(next_w, expected), velocity=(velocity, -velocity))
        except AssertionError as error:
            print(error)
    """)], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("Likely mistake: " + describe(mutants.by_id("momentum-velocity-sign-flip")))
