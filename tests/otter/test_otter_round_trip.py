"""The otter round trip: `otter run` with the built autograder zips grades notebook exports.

Real otter (its command line), a real kernel, no mocks: full marks for every
auto-graded question on an export of the solution, 0 for each on an export of
the stubs. The final part is scored from model.npz on generated data in the
CIFAR-10 format (CIFAR10_DIR), so no real CIFAR-10 is needed.

This folder has no __init__.py on purpose: a package named ``otter`` here
would shadow otter-grader itself.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml

from nndl_hw4.cifar import write_cifar10
from nndl_hw4.release import notebooks
from nndl_hw4.release.otter_tests import load_inputs, question_blocks

REPO = Path(__file__).resolve().parents[2]
NAMES = ("optimization", "batchnorm", "dropout")
OTTER = Path(sys.executable).with_name("otter")
RUN_TIMEOUT = 900   # seconds for one `otter run`; it takes ~20 on an idle 2-core machine

# The final part's model, trained as the dropout notebook does in FAST mode.
TRAIN = textwrap.dedent("""
    import numpy as np
    from nndl.fc_net import FullyConnectedNet
    from utils.data_utils import get_CIFAR10_data
    from utils.model_io import save_model
    from utils.solver import Solver

    data = get_CIFAR10_data(num_training=900, num_validation=100, num_test=100)
    np.random.seed(0)
    model = FullyConnectedNet([100, 100], weight_scale=1e-2, use_batchnorm=True, dropout=0.75)
    Solver(model, data, num_epochs=5, batch_size=100, update_rule='adam',
           optim_config={'learning_rate': 1e-3}, lr_decay=0.95, verbose=False).train()
    save_model(model, 'model.npz')
""")


def _graded_questions():
    """{notebook: {otter question: rubric question}} for the auto-graded questions (auto, accuracy)."""
    rubric, _ = load_inputs()
    by_id = {q.id: q for q in rubric.questions}
    found = {}
    for name in NAMES:
        nb = nbformat.read(REPO / "solutions" / f"{name}.ipynb", as_version=4)
        found[name] = {b.name: by_id[b.name] for b in question_blocks(nb)
                       if b.name in by_id and by_id[b.name].kind in ("auto", "accuracy")}
    return found


GRADED = _graded_questions()


@pytest.fixture(scope="module")
def small_cifar(tmp_path_factory):
    """Generated CIFAR-10 big enough for FAST mode: the final part's model trains on it."""
    root = tmp_path_factory.mktemp("cifar10-small")
    write_cifar10(root, per_batch=200, test=100, seed=0)
    return root


@pytest.fixture(scope="module")
def full_cifar(tmp_path_factory):
    """Generated CIFAR-10 of the official sizes: the scorer's validation split is training rows 49000..49999."""
    root = tmp_path_factory.mktemp("cifar10-full")
    write_cifar10(root, per_batch=10000, test=1000, seed=0)
    return root


@pytest.fixture(scope="module")
def autograders(full_cifar, tmp_path_factory):
    """{notebook: path of its autograder zip}, as `nndl-hw4 build --cifar10-dir` writes them.

    The dropout notebook's autograder carries the (generated) CIFAR-10 its
    final part is scored on, as an instructor ships it for `otter grade`.
    """
    paths = notebooks.write_autograders(REPO, tmp_path_factory.mktemp("otter"), cifar10_dir=full_cifar)
    return {path.name.removesuffix("-autograder.zip"): path for path in paths}


def _env(cifar10_dir=None):
    """The environment of the processes a test starts: CIFAR10_DIR only when given."""
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("CIFAR10_DIR", None)
    if cifar10_dir is not None:
        env["CIFAR10_DIR"] = str(cifar10_dir)
    return env



def _python(code, cwd, env):
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def export(folder, name, env):
    """Run the notebook's own init and export cells in `folder`, as a student would: the export zip."""
    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and ("otter.Notebook(" in c.source
                                                                     or "grader.export(" in c.source)]
    assert len(cells) == 2, f"{name}: expected an init cell and an export cell"
    _python("import os\n" + "\n".join(cells), folder, env)
    [zip_path] = folder.glob(f"{name}_*.zip")
    return zip_path


def stage(folder, name, notebook_bytes, source):
    folder.mkdir(parents=True)
    for package in ("nndl", "utils"):
        shutil.copytree(source / package, folder / package, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / f"{name}.ipynb").write_bytes(notebook_bytes)
    return folder


def otter_run(autograder, submission, env, out):
    """`otter run -a AUTOGRADER SUBMISSION`: {question: (score, max_score, output)} from results.json."""
    out.mkdir()
    done = subprocess.run([str(OTTER), "run", "-a", str(autograder), "-o", str(out), "--no-logo", str(submission)],
                          env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((out / "results.json").read_text())
    return {t["name"]: (t.get("score"), t.get("max_score"), t.get("output", "")) for t in results["tests"]}


FORGERY = textwrap.dedent("""
    # A student cell that rewrites the grader's test runner: otter runs its tests in this kernel.
    import importlib.util
    if importlib.util.find_spec("nndl_hw4"):   # true only where otter grades
        import nndl_hw4.otter_bridge as bridge
        bridge.run_check = bridge.require_accuracy = lambda *args, **kwargs: None
""")
SUBMISSIONS = [*((name, kind) for name in NAMES for kind in ("solution", "stubs")), ("optimization", "forged")]


def _submission(name, kind, folder, small_cifar):
    """An export zip, made by the notebook's own export cell: of the solution, the stubs, or forged stubs."""
    if kind == "solution":
        stage(folder, name, notebooks.assign(REPO, REPO / "solutions" / f"{name}.ipynb").solution, REPO / "solutions")
        if name == "dropout":
            _python(TRAIN, folder, _env(small_cifar))
    else:
        nb = nbformat.read(REPO / "assignment" / f"{name}.ipynb", as_version=4)
        if kind == "forged":
            nb.cells.insert(2, nbformat.v4.new_code_cell(FORGERY))
        stage(folder, name, nbformat.writes(nb).encode(), REPO / "assignment")
    return export(folder, name, _env(small_cifar))


@pytest.fixture(scope="module")
def graded(autograders, small_cifar, tmp_path_factory):
    """{(notebook, kind): otter's results} for every export in SUBMISSIONS.

    The `otter run`s go two at a time: each is mostly a grading process
    waiting on a kernel. Only the final part reads CIFAR-10 at grading time,
    from the copy its autograder carries: no CIFAR10_DIR is set.
    """
    folders = {key: tmp_path_factory.mktemp("-".join(key)) for key in SUBMISSIONS}

    def grade(key):
        name, kind = key
        submission = _submission(name, kind, folders[key] / "work", small_cifar)
        return otter_run(autograders[name], submission, _env(), folders[key] / "results")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(SUBMISSIONS, pool.map(grade, SUBMISSIONS)))


@pytest.mark.parametrize("name", NAMES)
def test_solution_earns_full_marks(graded, name):
    results = graded[name, "solution"]
    for question, rubric_question in GRADED[name].items():
        score, max_score, output = results[question]
        assert max_score == pytest.approx(rubric_question.points), question
        assert score == pytest.approx(max_score), f"{question}:\n{output}"
        assert "failed" not in output, f"{question}:\n{output}"


@pytest.mark.parametrize("name", NAMES)
def test_stubs_earn_nothing(graded, name):
    results = graded[name, "stubs"]
    for question in GRADED[name]:
        score, _, output = results[question]
        assert score == 0, f"{question}:\n{output}"
        assert "✅" not in output, f"{question}: a check passed on the stubs:\n{output}"
    first = next(q for q, rq in GRADED[name].items() if rq.kind == "auto")
    assert "not implemented yet" in results[first][2], "students read which function to write"


def test_final_part_without_a_model_says_why(graded):
    score, _, output = graded["dropout", "stubs"]["accuracy"]
    assert score == 0 and "no model.npz in your submission" in output, output


def test_autograder_zip_is_self_contained(autograders, full_cifar, tmp_path):
    """The zip carries the grader, which runs on the packages it asks the grading image for.

    In a fresh interpreter, with imports limited to the standard library and
    the master's `requirements:` (otter installs itself besides), the grader
    from the zip runs a check and scores a model. The zip never holds the
    students' nndl/: otter would overwrite theirs with it.
    """
    with zipfile.ZipFile(autograders["dropout"]) as zf:
        names = zf.namelist()
        zf.extractall(tmp_path / "zip")
    assert "files/nndl_hw4/otter_bridge.py" in names and "files/utils/solver.py" in names
    assert "files/cifar-10-batches-py/data_batch_5" in names
    assert not [n for n in names if n.startswith("files/nndl/")], "otter would overwrite the students' nndl/"
    with zipfile.ZipFile(autograders["optimization"]) as zf:
        assert not [n for n in zf.namelist() if "cifar-10-batches-py" in n], "only the final part needs data"
    config = yaml.safe_load(nbformat.read(REPO / "solutions" / "dropout.ipynb", as_version=4).cells[0].source)
    allowed = {re.split(r"[<>=!~ ]", r)[0] for r in config["requirements"]} | {"nndl_hw4", "nndl", "utils"}
    work = stage(tmp_path / "work", "dropout", b"{}", REPO / "solutions")
    shutil.rmtree(work / "utils")
    shutil.copytree(tmp_path / "zip" / "files" / "utils", work / "utils")
    _python(TRAIN, work, _env(full_cifar))
    vendored = tmp_path / "zip" / "files"
    out = _python(textwrap.dedent(f"""
        import sys

        class OnlyRequirements:
            def find_spec(self, name, path=None, target=None):
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in {sorted(allowed)!r}:
                    raise ImportError(f"{{name}} is not in the grading image's requirements")

        sys.meta_path.insert(0, OnlyRequirements())
        sys.path.insert(0, {str(vendored)!r})
        import nndl_hw4
        from nndl_hw4.otter_bridge import require_accuracy, verdict
        print(nndl_hw4.__file__)
        print(verdict("adam/steps").passed, verdict("fc_net_batchnorm/training").passed)
        require_accuracy(28)
    """), work, _env(full_cifar))
    where, passed = out.splitlines()[-2:]
    assert where.startswith(str(vendored)) and passed == "True True"



def test_otter_scores_can_be_forged(graded):
    """The weakness the README warns about: stubs plus one hostile cell earn otter's full marks.

    `nndl-hw4 grade` gives such a submission 0: there student code runs in a
    sandboxed child and never shares a process with the judging.
    """
    results = graded["optimization", "forged"]
    for question, rubric_question in GRADED["optimization"].items():
        score, _, output = results[question]
        assert score == pytest.approx(rubric_question.points) and "failed" not in output, question
