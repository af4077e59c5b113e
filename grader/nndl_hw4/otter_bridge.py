"""What the otter autograder's test cases call: the native grader's checks, in process.

``otter assign`` turns the notebooks' ``# BEGIN TESTS`` cells into test files
whose every test case is one call here: ``run_check("adam/steps")`` for a check
of the catalogue, ``require_accuracy(k)`` for step k of the 28 of the final
part (one per percent of accuracy above 32%). Otter runs them INSIDE the
student's kernel once the notebook has run, in the unpacked submission: the
student's ``nndl`` modules are read from there, loaded into a private package
and each check is observed and judged by the code the native grader runs in
its sandbox (grading.inprocess, grading.judging), so both graders share one
implementation of every check and word failures alike. The course (its dropout
convention) is the one the autograder was built for (course.packaged).

Because student code shares this process, an otter score can be forged (see
the README): ``nndl-hw4 grade`` is the grader to use when that matters.
"""

import functools
import importlib.util
from pathlib import Path

from . import course as courses
from .errors import DataError
from .runtime import Runtime
from .scoring import ACCURACY_FLOOR, ACCURACY_STEPS

MODEL_PATH = "model.npz"


@functools.lru_cache(maxsize=None)
def _runtime():
    """The reference runtime of this otter run (one student's notebook): the course the autograder was
    built for (course.packaged)."""
    return Runtime(courses.packaged())


@functools.lru_cache(maxsize=None)
def _catalogue():
    from .checks import all_checks
    return {check.id: check for check in all_checks(_runtime().course)}


def _student_texts():
    """{module: source} of the student's nndl package importable from here (the notebook's folder)."""
    spec = importlib.util.find_spec(courses.PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    texts = {}
    for module in courses.MODULES:
        for folder in folders:
            path = Path(folder) / f"{module}.py"
            if path.is_file():
                texts[module] = path.read_text(encoding="utf-8", errors="replace")
                break
    return texts


def verdict(check_id):
    """The Verdict of one check of the catalogue on the student's modules importable from here."""
    from .grading.inprocess import observe_in_process
    from .grading.judging import judge

    try:
        check = _catalogue()[check_id]
    except KeyError:
        raise LookupError(f"no check {check_id!r} in this version of nndl_hw4: rebuild the autograder "
                          "with `nndl-hw4 build`") from None
    observation = observe_in_process([check], _student_texts(), _runtime())[check.id]
    return judge(check, observation, _runtime())


def run_check(check_id):
    """One otter test case: raise AssertionError with the student-facing message unless the check passes."""
    result = verdict(check_id)
    if not result.passed:
        raise AssertionError(result.message)


_scores = {}


def _accuracy(path, split):
    """(ModelScore, None) or (None, problem) for the model saved at path, computed once."""
    if (path, split) not in _scores:
        from .accuracy import score_saved_model
        try:
            _scores[path, split] = (score_saved_model(path, split=split), None)
        except DataError as exc:   # the grading machine's CIFAR-10, not the student's model
            _scores[path, split] = (None, f"the grader could not read CIFAR-10 ({exc}); tell your instructor")
        except Exception as exc:
            _scores[path, split] = (None, f"{path} could not be scored: {type(exc).__name__}: {exc}")
    return _scores[path, split]


def require_accuracy(step, split="val", path=MODEL_PATH):
    """Test case `step` (1..ACCURACY_STEPS) of the final part (spec section 4).

    It passes when the saved model earns at least step / ACCURACY_STEPS of the
    final part's points, that is an accuracy of at least ACCURACY_FLOOR + step
    percent on `split` ("val" or "test", as rubric.toml says), measured by the
    trusted scorer, which rebuilds the model with the reference network
    (nothing printed in the notebook is trusted). A missing or unusable
    model.npz fails every step with the scorer's reason.
    """
    if not 1 <= step <= ACCURACY_STEPS:
        raise ValueError(f"step must be 1..{ACCURACY_STEPS}, not {step}")
    score, problem = _accuracy(path, split)
    if problem:
        raise AssertionError(f"final part: {problem}")
    if score.steps < step:
        raise AssertionError(f"final part: {score.message} (this step needs {ACCURACY_FLOOR + step}% or more)")
