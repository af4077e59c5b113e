"""Observing checks on a student's code loaded in THIS process (no sandbox).

For the kit's own tests (mutants, legitimate variants) and for the otter
bridge, where otter already runs student code inside the student's kernel.
Never use it for scores that must resist forgery: the native grader runs
student code only in sandboxed children (grading.engine).

The student's modules are loaded from their texts into private packages
(runtime.load): one as handed in, and one with trusted layers for the network
checks (unless the runtime cascades), exactly as the sandbox runs them.
"""

from .. import runtime as runtimes
from ..child.execute import run_check
from .engine import Observation


def observe_in_process(checks, texts, runtime):
    """{check id: Observation}; `texts` maps module names ('optim', 'layers', ...) to the student's source
    (a module missing from it is reported as not handed in)."""
    packages = {}

    def package(trusted):
        if trusted not in packages:
            packages[trusted] = runtimes.load(texts, runtime.sources() if trusted else None)
        return packages[trusted]

    observations = {}
    for check in checks:
        loaded = package(runtime.trusted_layers(check))
        result = run_check(check.probe, check.modules, loaded.module, runtime.inputs(check), loaded.root,
                           random=loaded.random)
        observations[check.id] = Observation(
            status=result["status"], outputs=result.get("outputs"), error=result.get("error"),
            seconds=result["seconds"], module=result.get("module"))
    return observations
