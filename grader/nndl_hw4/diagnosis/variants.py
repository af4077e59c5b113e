"""The known mistakes' outputs on a check's inputs, computed by the reference runtime and cached there.

A mistake is a candidate for a check when it edits a function that the
check's probe runs on the reference (found once per check with a profiler:
a mistake in ``rmsprop`` cannot change what an ``adam`` check sees) and its
own outputs FAIL the check (a mistake the check cannot see explains nothing).
Each candidate is also combined with every legitimate variant of its module
that moves this check's numbers (epsilon inside the square root), so a
student who made the mistake in a legitimately different way still matches.

Everything here is deterministic or seeded (every run is a fresh private
package of the reference, see nndl_hw4.runtime), so it is computed once per
grading run, lazily (only for checks some student fails), and kept in the
run's Runtime.
"""

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import mutants

# Probes too costly to fingerprint: training the batchnorm network once per candidate mistake (34 of them)
# costs ~6 s per process, and every mistake that fails that check also fails (and is named on) one of
# the network's other checks.
UNDIAGNOSED = {"training.fc_net_sgd"}
# Probes whose mistakes signatures.py recognises whatever the student's random draws: no combinations
# with the legitimate ways of drawing a mask are tried there.
SIGNED = {"dropout.forward", "dropout.backward", "fc_net.dropout_loss"}
# Training runs: each candidate costs a training, so no combinations with epsilon inside the square root
# (such a student is named on the rule's step checks); and a wrong rule may amplify roundoff into other
# parameters, so a match counts only if stable().
TRAINED = {"training.update_rule"}
STABILITY_NUDGE = 1e-12   # relative change of the initial parameters that a stable run must shrug off
WHOLE_MODULE = "<module>"     # an edit outside any function: it may change anything in its module


@dataclass(frozen=True)
class Candidate:
    mistake: mutants.Mutation   # the mistake named on a match
    applied: tuple              # ids of every mutation applied: the mistake, maybe one legit variant
    outputs: object             # its probe outputs on the check's inputs (None: it raised, or they are random)
    error: dict | None = None   # {"type", "message", "where"} when the probe raised


def mistakes(runtime):
    return tuple(m for m in runtime.catalogue() if not m.legit)


def _functions(tree):
    """{qualname: ast dump} of every function in a module, and the dump of the module without them."""
    found = {}

    class Strip(ast.NodeTransformer):
        prefix = []

        def visit_FunctionDef(self, node):
            found[".".join(self.prefix + [node.name])] = ast.dump(node)
            node.body, node.decorator_list = [ast.Pass()], []
            return node

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_ClassDef(self, node):
            self.prefix.append(node.name)
            self.generic_visit(node)
            self.prefix.pop()
            return node

    skeleton = ast.dump(Strip().visit(tree))
    return found, skeleton


@functools.lru_cache(maxsize=None)
def _functions_of(text):
    return _functions(ast.parse(text))


def touched(runtime, mutation):
    """{(module, function qualname)} whose code a mutation changes; (module, WHOLE_MODULE) when it
    changes anything outside functions (an import, a new helper, a class attribute)."""
    return runtime.memo(("touched", mutation), lambda: _touched(runtime, mutation))


def _touched(runtime, mutation):
    before = _functions_of(runtime.sources()[mutation.module])
    after = _functions_of(mutants.apply([mutation], runtime.sources())[mutation.module])
    if before[1] != after[1] or before[0].keys() != after[0].keys():
        return frozenset({(mutation.module, WHOLE_MODULE)})
    return frozenset((mutation.module, name) for name, dump in after[0].items() if before[0][name] != dump)


def called(runtime, check):
    """{(module, qualname)} of the reference functions the check's probe runs (profiled once)."""
    return _profiled(runtime, check)[0]


def _profiled(runtime, check):
    """(functions called, run_check result) of the reference on the check, under a profiler."""
    return runtime.memo(("profiled", check), lambda: _profile(runtime, check))


def _profile(runtime, check):
    seen = set()

    def profiler(root):
        def profile(frame, event, arg):
            if event == "call" and frame.f_code.co_filename.startswith(root + "/"):
                seen.add((Path(frame.f_code.co_filename).stem, frame.f_code.co_qualname))
        return profile

    result = runtime.run(check, profile=profiler)
    return frozenset(seen), result


def relevant(runtime, check, mutation):
    """Whether the mutation edits code this check runs (an edit outside functions: always)."""
    if not runtime.exercises(check, mutation):
        return False
    calls = called(runtime, check)
    return any(name == WHOLE_MODULE or (module, name) in calls for module, name in touched(runtime, mutation))


def reference_outputs(runtime, check):
    """The reference's probe outputs on the check's inputs (None if it did not run: never expected)."""
    result = runtime.result(check)
    return result.get("outputs") if result["status"] == "ok" else None


def _fails(runtime, check, outputs):
    """Whether the grader fails these outputs: against the reference and every accepted variant (a
    mistake that a legitimate rewrite hides, like a train-mode edit beside a test-mode rewrite on a
    test-mode check, is no candidate)."""
    inputs = runtime.inputs(check)
    try:
        wanted = [runtime.expected(check)] + [accepted for _, accepted in runtime.alternatives(check)]
        return not any(check.judge(outputs, want, inputs).passed for want in wanted)
    except Exception:   # outputs the judge cannot read fail the check
        return True


def _combinable(runtime, check):
    """Legit variants that move this check's numbers but keep their structure (epsilon inside the
    square root), among those rewriting a function some relevant mistake edits."""
    return runtime.memo(("combinable", check), lambda: _find_combinable(runtime, check))


def _find_combinable(runtime, check):
    from .fingerprint import same
    found = []
    if not reproducible(runtime, check) or check.probe in SIGNED | TRAINED:
        return ()       # random draws: recognised by signatures and replays, not by exact outputs
    edited = set().union(*(touched(runtime, m) for m in mistakes(runtime) if relevant(runtime, check, m)))
    for mutation in runtime.catalogue():
        if not mutation.legit or not relevant(runtime, check, mutation) or not touched(runtime, mutation) & edited:
            continue
        result = runtime.result(check, (mutation.id,))
        ref = reference_outputs(runtime, check)
        if result["status"] == "ok" and structure(result["outputs"]) == structure(ref) and not same(
                check, result["outputs"], ref, None, runtime.inputs(check))[0]:
            found.append(mutation)
    return tuple(found)


def reproducible(runtime, check):
    """Whether the reference's outputs on this check come out the same twice (unseeded dropout does not)."""
    from .fingerprint import compare
    again = _profiled(runtime, check)[1]
    first = reference_outputs(runtime, check)
    return again["status"] == "ok" and first is not None and compare(again["outputs"], first, None)[0]


def structure(tree):
    """The shape of an output tree: keys, lengths, array shapes and dtypes, non-numeric leaves."""
    if isinstance(tree, np.ndarray):
        return ("array", tree.shape, str(tree.dtype))
    if isinstance(tree, dict):
        return {k: structure(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [structure(v) for v in tree]
    return "number" if isinstance(tree, (int, float, np.number)) and not isinstance(tree, bool) else tree


def candidates(runtime, check):
    """[Candidate] for this check: relevant mistakes (and legit combinations) that fail it (computed once
    per check and run, under that check's own lock: other threads go on grading meanwhile)."""
    return runtime.memo(("candidates", check), lambda: _candidates(runtime, check))


def _candidates(runtime, check):
    if check.probe in UNDIAGNOSED:
        return ()
    if not reproducible(runtime, check):
        # Random outputs: only a signature can recognise a mistake, and it checks the mistake's rule itself.
        return tuple(Candidate(m, (m.id,), None) for m in mistakes(runtime) if relevant(runtime, check, m))
    found = []
    for mistake in mistakes(runtime):
        if not relevant(runtime, check, mistake):
            continue
        # A legitimate rewrite of the very function the mistake is in (epsilon inside the square root
        # of the Adam the mistake is in): rewrites elsewhere are judged separately anyway.
        combos = [(mistake.id,)] + [(mistake.id, legit.id) for legit in _combinable(runtime, check)
                                    if touched(runtime, legit) & touched(runtime, mistake)]
        for applied in combos:
            try:
                result = runtime.result(check, applied)
            except mutants.MutationError:     # the two edit the same line: no such combination
                continue
            if result["status"] == "ok" and _fails(runtime, check, result["outputs"]):
                found.append(Candidate(mistake, applied, result["outputs"]))
            elif result["status"] == "error" and reference_outputs(runtime, check) is not None:
                found.append(Candidate(mistake, applied, None, result["error"]))
    return tuple(found)


def stable(runtime, check, applied):
    """Whether a candidate's training lands on the same parameters (to the match tolerance) when its
    initial parameters are nudged by STABILITY_NUDGE: only then can a student's run match it exactly."""
    return runtime.memo(("stable", check, applied), lambda: _stable(runtime, check, applied))


def _stable(runtime, check, applied):
    from .fingerprint import compare
    inputs = dict(runtime.inputs(check))
    inputs["params"] = {k: v * (1 + STABILITY_NUDGE) for k, v in inputs["params"].items()}
    nudged = runtime.run(check, applied, inputs)
    first = runtime.result(check, applied)
    return nudged["status"] == first["status"] == "ok" and compare(nudged["outputs"], first["outputs"], None)[0]
