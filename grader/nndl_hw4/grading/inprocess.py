"""Observing checks on modules loaded in THIS process (no sandbox).

For the kit's own tests (mutants, legitimate variants) and for the otter
bridge, where otter already runs student code inside the student's kernel.
Never use it for scores that must resist forgery: the native grader runs
student code only in sandboxed children (grading.engine).
"""

from ..child.execute import ImportFailed, run_check
from .engine import Observation
from . import reference


def observe_in_process(checks, modules):
    """{check id: Observation}; `modules` maps 'nndl.optim' etc. to module objects (or exceptions)."""

    def module(name):
        found = modules.get(name)
        if found is None:
            raise ImportFailed(name, {"type": "ModuleNotFoundError", "message": f"no module {name}",
                                      "where": None})
        if isinstance(found, BaseException):
            raise ImportFailed(name, {"type": type(found).__name__, "message": str(found), "where": None})
        return found

    observations = {}
    for check in checks:
        result = run_check(check.probe, check.modules, module, reference.inputs(check))
        observations[check.id] = Observation(
            status=result["status"], outputs=result.get("outputs"), error=result.get("error"),
            seconds=result["seconds"])
    return observations
