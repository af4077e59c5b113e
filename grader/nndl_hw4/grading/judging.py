"""Turning an Observation into a Verdict, in the grader's process.

The expected outputs, the accepted variants' outputs and the known mistakes'
come from the run's reference runtime (nndl_hw4.runtime). A failed verdict
gets a diagnosis when the student's outputs (or the error their code raised)
match exactly one known mistake (nndl_hw4.diagnosis).
"""

from .. import diagnosis
from ..checks.base import Verdict


def _diagnosed(runtime, verdict, check, outputs=None, error=None):
    """The failed verdict with the named mistake (and, for instructors, how it was recognised)."""
    found = diagnosis.diagnose(runtime, check, outputs, error)
    if found is None:
        return verdict
    return diagnosis.annotate(verdict, found.text, f"{', '.join(found.ids)} ({found.how})")


def _location(error):
    where = (error or {}).get("where")
    return f" (at {where})" if where else ""


def _compared(check, outputs, runtime):
    """The verdict on outputs against the reference's, or against an accepted variant's ("passed
    (epsilon inside the square root)"); no diagnosis. May raise on outputs the judge cannot read."""
    inputs = runtime.inputs(check)
    verdict = check.judge(outputs, runtime.expected(check), inputs)
    if verdict.passed:
        return verdict
    for mutation, accepted in runtime.alternatives(check):
        if check.judge(outputs, accepted, inputs).passed:
            return Verdict.ok(f"passed ({mutation.mistake})")
    return verdict


def passes(check, observation, runtime):
    """Whether the check passes, cheaply (no diagnosis): what grading needs to plan its children."""
    try:
        return observation.status == "ok" and _compared(check, observation.outputs, runtime).passed
    except Exception:   # an output the judge cannot read fails
        return False


def judge(check, observation, runtime):
    """The verdict for one check; never raises, never reveals expected values."""
    name = check.function
    status = observation.status
    error = observation.error or {}
    if status == "ok":
        try:
            verdict = _compared(check, observation.outputs, runtime)
            if verdict.passed:
                return verdict
            return _diagnosed(runtime, verdict, check, outputs=observation.outputs)
        except Exception as exc:  # an output so odd the judge could not read it
            return Verdict.fail(f"{name}: the output could not be checked ({type(exc).__name__})",
                                detail=repr(exc)[:300])
    if status == "error":
        if error.get("type") == "NotImplementedError":
            return Verdict.fail(f"{name}: not implemented yet")
        return _diagnosed(runtime, Verdict.fail(f"{name} raised {error.get('type')}: {error.get('message')}"
                                                f"{_location(error)}"), check, error=error)
    if status == "import-error":
        return Verdict.fail(f"{name}: importing your nndl package failed with {error.get('type')}: "
                            f"{error.get('message')}{_location(error)}")
    what = {"timeout": "timed out", "crashed": "crashed", "garbage": "returned unreadable output"}
    return Verdict.fail(f"{name} {what.get(status, status)}: {observation.note}")
