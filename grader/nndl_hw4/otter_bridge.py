"""What the otter autograder's test cases call: the native grader's checks, in process.

``otter assign`` turns the notebooks' ``# BEGIN TESTS`` cells into test files
whose every test case is one call here: ``run_check("adam/steps")`` for a check
of the catalogue, ``require_accuracy(k)`` for step k of the 28 of the final
part (one per percent of accuracy above 32%). Otter runs them INSIDE the
student's kernel once the notebook has run, in the unpacked submission: the
student's ``nndl`` modules are imported from there and each check is observed
and judged by the code the native grader runs in its sandbox
(grading.inprocess, grading.judging), so both graders share one
implementation of every check and word failures alike.

Because student code shares this process, an otter score can be forged (see
the README): ``nndl-hw4 grade`` is the grader to use when that matters.
"""

import functools
import importlib

from .errors import DataError
from .scoring import ACCURACY_FLOOR, ACCURACY_STEPS

MODEL_PATH = "model.npz"


@functools.lru_cache(maxsize=None)
def _catalogue():
    from .checks import all_checks
    return {check.id: check for check in all_checks()}


def _student_modules(names):
    """{name: module, or the exception importing it raised} for names like 'nndl.optim'."""
    found = {}
    for name in names:
        try:
            found[name] = importlib.import_module(name)
        except (Exception, SystemExit) as exc:   # a broken module is a verdict, not a crash
            found[name] = exc
    return found


def verdict(check_id):
    """The Verdict of one check of the catalogue on the modules importable from here."""
    from .grading.inprocess import observe_in_process
    from .grading.judging import judge

    try:
        check = _catalogue()[check_id]
    except KeyError:
        raise LookupError(f"no check {check_id!r} in this version of nndl_hw4: rebuild the autograder "
                          "with `nndl-hw4 build`") from None
    observation = observe_in_process([check], _student_modules(check.modules))[check.id]
    return judge(check, observation)


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
