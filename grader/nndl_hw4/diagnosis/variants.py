"""The known mistakes' outputs on a check's inputs, computed in the grader's process and cached.

A mistake is a candidate for a check when it edits a function that the
check's probe runs on the reference (found once per check with a profiler:
a mistake in ``rmsprop`` cannot change what an ``adam`` check sees) and its
own outputs FAIL the check (a mistake the check cannot see explains nothing).
Each candidate is also combined with every legitimate variant of its module
that moves this check's numbers (epsilon inside the square root), so a
student who made the mistake in a legitimately different way still matches.

Everything here is deterministic or seeded, so it is computed once per
process, lazily (only for checks some student fails). Probes seed the global
``np.random``, so two threads never run them at once (LOCK); a check's
candidates are computed under that check's own lock, so other threads keep
diagnosing checks that are ready (and keep grading) meanwhile.
"""

import ast
import functools
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import mutants
from ..child.execute import ImportFailed, run_check
from .packages import LOCK, sources, package, private_random, quiet

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


def mistakes():
    return tuple(m for m in mutants.CATALOGUE if not m.legit)


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
def _reference_functions(module):
    return _functions(ast.parse(sources()[module]))


@functools.lru_cache(maxsize=None)
def touched(mutation):
    """{(module, function qualname)} whose code a mutation changes; (module, WHOLE_MODULE) when it
    changes anything outside functions (an import, a new helper, a class attribute)."""
    before = _reference_functions(mutation.module)
    after = _functions(ast.parse(mutants.apply([mutation], sources())[mutation.module]))
    if before[1] != after[1] or before[0].keys() != after[0].keys():
        return frozenset({(mutation.module, WHOLE_MODULE)})
    return frozenset((mutation.module, name) for name, dump in after[0].items() if before[0][name] != dump)


def run(check, applied, inputs):
    """run_check's result for the reference with `applied` mutations, quietly and under the lock."""
    modules = package(applied)

    def module(name):
        if name not in modules:
            raise ImportFailed(name, {"type": "ModuleNotFoundError", "message": name, "where": None})
        return modules[name]

    root = str(Path(modules["nndl.optim"].__file__).parents[1])   # errors say "nndl/layers.py:57 in ..."
    with quiet(), private_random(modules.values()):
        return run_check(check.probe, check.modules, module, inputs, root)


def called(check):
    """{(module, qualname)} of the reference functions the check's probe runs (profiled once)."""
    return _profiled(check)[0]


@functools.lru_cache(maxsize=None)
def _profiled(check):
    """(functions called, run_check result) of the reference on the check, under a profiler."""
    from ..grading import reference
    inputs = reference.inputs(check)
    seen = set()
    root = str(Path(package(())["nndl.optim"].__file__).parent)

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith(root):
            seen.add((Path(frame.f_code.co_filename).stem, frame.f_code.co_qualname))

    with LOCK:
        previous = sys.getprofile()
        sys.setprofile(profile)
        try:
            result = run(check, (), inputs)
        finally:
            sys.setprofile(previous)
    return frozenset(seen), result


def relevant(check, mutation):
    """Whether the mutation edits code this check runs (an edit outside functions: always)."""
    calls = called(check)
    return any(name == WHOLE_MODULE or (module, name) in calls for module, name in touched(mutation))


_RESULTS = {}


def outputs_of(check, applied):
    """run_check's result for the reference with `applied` mutations on this check's inputs, cached and
    shared by checks of one case (the same probe and input maker: masks, loss and grads of one network)."""
    from ..grading import reference
    key = (check.probe, check.inputs, check.modules, applied)
    with LOCK:
        if key not in _RESULTS:
            _RESULTS[key] = run(check, applied, reference.inputs(check))
        return _RESULTS[key]


@functools.lru_cache(maxsize=None)
def reference_outputs(check):
    """The reference's probe outputs on the check's inputs (None if it did not run: never expected)."""
    result = outputs_of(check, ())
    return result.get("outputs") if result["status"] == "ok" else None


def _fails(check, outputs):
    from ..grading import reference
    try:
        return not check.judge(outputs, reference.expected(check), reference.inputs(check)).passed
    except Exception:   # outputs the judge cannot read fail the check
        return True


@functools.lru_cache(maxsize=None)
def _combinable(check):
    """Legit variants that move this check's numbers but keep their structure (epsilon inside the
    square root), among those rewriting a function some relevant mistake edits."""
    from ..grading import reference
    from .fingerprint import same
    found = []
    if not reproducible(check) or check.probe in SIGNED | TRAINED:
        return ()       # random draws: recognised by signatures and replays, not by exact outputs
    edited = set().union(*(touched(m) for m in mistakes() if relevant(check, m)))
    for mutation in mutants.CATALOGUE:
        if not mutation.legit or not relevant(check, mutation) or not touched(mutation) & edited:
            continue
        result = outputs_of(check, (mutation.id,))
        ref = reference_outputs(check)
        if result["status"] == "ok" and structure(result["outputs"]) == structure(ref) and not same(
                check, result["outputs"], ref, None, reference.inputs(check))[0]:
            found.append(mutation)
    return tuple(found)


@functools.lru_cache(maxsize=None)
def reproducible(check):
    """Whether the reference's outputs on this check come out the same twice (unseeded dropout does not)."""
    from .fingerprint import compare
    again = _profiled(check)[1]
    first = reference_outputs(check)
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


_CANDIDATES, _GUARD, _CHECK_LOCKS = {}, threading.Lock(), {}


def candidates(check):
    """[Candidate] for this check: relevant mistakes (and legit combinations) that fail it.

    Computed once per check, under that check's own lock: another thread meanwhile diagnoses
    checks that are ready (LOCK is held only while a probe runs), so it goes on grading.
    """
    with _GUARD:
        lock = _CHECK_LOCKS.setdefault(check, threading.Lock())
    with lock:
        if check not in _CANDIDATES:
            _CANDIDATES[check] = _candidates(check)
        return _CANDIDATES[check]


def _candidates(check):
    if check.probe in UNDIAGNOSED:
        return ()
    if not reproducible(check):
        # Random outputs: only a signature can recognise a mistake, and it checks the mistake's rule itself.
        return tuple(Candidate(m, (m.id,), None) for m in mistakes() if relevant(check, m))
    found = []
    for mistake in mistakes():
        if not relevant(check, mistake):
            continue
        # A legitimate rewrite of the very function the mistake is in (epsilon inside the square root
        # of the Adam the mistake is in): rewrites elsewhere are judged separately anyway.
        combos = [(mistake.id,)] + [(mistake.id, legit.id) for legit in _combinable(check)
                                    if touched(legit) & touched(mistake)]
        for applied in combos:
            try:
                result = outputs_of(check, applied)
            except mutants.MutationError:     # the two edit the same line: no such combination
                continue
            if result["status"] == "ok" and _fails(check, result["outputs"]):
                found.append(Candidate(mistake, applied, result["outputs"]))
            elif result["status"] == "error" and reference_outputs(check) is not None:
                found.append(Candidate(mistake, applied, None, result["error"]))
    return tuple(found)


@functools.lru_cache(maxsize=None)
def stable(check, applied):
    """Whether a candidate's training lands on the same parameters (to the match tolerance) when its
    initial parameters are nudged by STABILITY_NUDGE: only then can a student's run match it exactly."""
    from ..grading import reference
    from .fingerprint import compare
    inputs = dict(reference.inputs(check))
    inputs["params"] = {k: v * (1 + STABILITY_NUDGE) for k, v in inputs["params"].items()}
    nudged = run(check, applied, inputs)
    first = outputs_of(check, applied)
    return nudged["status"] == first["status"] == "ok" and compare(nudged["outputs"], first["outputs"], None)[0]
