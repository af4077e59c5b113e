"""What the otter autograder's test cases call: the native grader's checks, in process.

``otter assign`` turns the notebooks' ``# BEGIN TESTS`` cells into test files
whose every test case is one call here: ``run_check("adam/steps")`` for a check
of the catalogue, ``require_accuracy(k)`` for step k of the final part. Otter
runs them INSIDE the student's kernel once the notebook has run, in the
unpacked submission: the student's ``nndl`` modules are imported from there and
each check is observed and judged by the code the native grader runs in its
sandbox (grading.inprocess, grading.judging), so both graders share one
implementation of every check and word failures alike.

Because student code shares this process, an otter score can be forged (see
the README): ``nndl-hw4 grade`` is the grader to use when that matters.
"""

import functools
import importlib

# Spec section 4: min(floor(X - 32) / 28, 1) of the final part's points, X the
# validation accuracy in percent: 28 equal steps, one test case per step.
ACCURACY_STEPS = 28
ACCURACY_FLOOR = 32   # percent; step k needs at least ACCURACY_FLOOR + k percent
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


def _accuracy(path):
    """(score, None) or (None, problem) for the model saved at path, computed once per path."""
    if path not in _scores:
        try:
            from .accuracy import score_saved_model
        except ImportError as exc:
            _scores[path] = (None, f"this autograder has no final-part scorer ({exc}); tell your instructor")
        else:
            try:
                _scores[path] = (score_saved_model(path, split="val"), None)
            except Exception as exc:   # a missing or malformed model.npz
                _scores[path] = (None, f"{path} could not be scored: {exc}")
    return _scores[path]


def require_accuracy(step, path=MODEL_PATH):
    """Test case `step` (1..ACCURACY_STEPS) of the final part.

    It passes when the saved model earns at least step / ACCURACY_STEPS of the
    final part's points, that is a validation accuracy of at least
    ACCURACY_FLOOR + step percent, measured by the trusted scorer on the
    held-out split (nothing printed in the notebook is trusted).
    """
    score, problem = _accuracy(path)
    if problem:
        raise AssertionError(f"final part: {problem}")
    earned = round(score.fraction * ACCURACY_STEPS)
    if earned < step:
        raise AssertionError(f"final part: {score.message} ({earned}/{ACCURACY_STEPS} of its points; "
                             f"this step needs {ACCURACY_FLOOR + step}% or more)")
