"""Turning an Observation into a Verdict, in the grader's process.

A failed verdict gets a diagnosis when the student's outputs (or the error
their code raised) match exactly one known mistake (nndl_hw4.diagnosis).
"""

from .. import diagnosis
from ..checks.base import Verdict
from . import reference


def _diagnosed(verdict, check, outputs=None, error=None):
    """The failed verdict with the named mistake (and, for instructors, how it was recognised)."""
    found = diagnosis.diagnose(check, outputs, error)
    if found is None:
        return verdict
    return diagnosis.annotate(verdict, found.text, f"{', '.join(found.ids)} ({found.how})")


def _location(error):
    where = (error or {}).get("where")
    return f" (at {where})" if where else ""


def judge(check, observation):
    """The verdict for one check; never raises, never reveals expected values."""
    name = check.function
    status = observation.status
    error = observation.error or {}
    if status == "ok":
        try:
            verdict = check.judge(observation.outputs, reference.expected(check), reference.inputs(check))
            if verdict.passed:
                return verdict
            for mutation, outputs in reference.alternatives(check):
                if check.judge(observation.outputs, outputs, reference.inputs(check)).passed:
                    return Verdict.ok(f"passed ({mutation.mistake})")
            return _diagnosed(verdict, check, outputs=observation.outputs)
        except Exception as exc:  # an output so odd the judge could not read it
            return Verdict.fail(f"{name}: the output could not be checked ({type(exc).__name__})",
                                detail=repr(exc)[:300])
    if status == "error":
        if error.get("type") == "NotImplementedError":
            return Verdict.fail(f"{name}: not implemented yet")
        return _diagnosed(Verdict.fail(f"{name} raised {error.get('type')}: {error.get('message')}{_location(error)}"),
                          check, error=error)
    if status == "import-error":
        return Verdict.fail(f"{name}: importing your nndl package failed with {error.get('type')}: "
                            f"{error.get('message')}{_location(error)}")
    what = {"timeout": "timed out", "crashed": "crashed", "garbage": "returned unreadable output"}
    return Verdict.fail(f"{name} {what.get(status, status)}: {observation.note}")
