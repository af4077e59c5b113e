"""The trusted side of every check: inputs and expected outputs, computed here.

Expected outputs come from running a check's probe on the reference modules
in this (the grader's) process. A check also accepts the outputs of every
LEGITIMATE variant in nndl_hw4.mutants (epsilon inside the square root, ...)
of the modules it exercises, so correct rewrites never depend on a tolerance
happening to be loose enough. Everything is deterministic, so it is computed
once per process and reused for every submission.

Inputs and expected outputs are computed before grading starts (grading.batch
warms them up: ~0.1 s). The variants' outputs are needed only when a student's
outputs differ from the reference's, so they are computed on the first such
check (~0.4 s for all of them, which a class of correct submissions never
pays), in whichever grading thread gets there first: under the diagnosis lock
and on a private np.random, like the mistakes' outputs they share a cache with
(diagnosis.variants.outputs_of), so the global generator other threads may
draw from never changes them.
"""

import functools
import importlib
import threading

from ..child.probes import PROBES

REFERENCE_PACKAGE = "nndl_hw4.reference"


class _Modules:
    def __init__(self, mapping):
        self.__dict__.update(mapping)


def reference_modules(names):
    """The reference modules for student module names like 'nndl.optim'."""
    return _Modules({name.rsplit(".", 1)[-1]: importlib.import_module(f"{REFERENCE_PACKAGE}.{name}")
                     for name in names})


@functools.lru_cache(maxsize=None)
def _inputs(check):
    return check.inputs()


def inputs(check):
    return _inputs(check)


@functools.lru_cache(maxsize=None)
def _expected(check):
    return PROBES[check.probe](reference_modules(check.modules), check.inputs())


def expected(check):
    """The reference's outputs for this check, or None for checks judged without them."""
    return _expected(check) if check.reference else None


_ALTERNATIVES, _GUARD, _CHECK_LOCKS = {}, threading.Lock(), {}


def _exercises(check, mutation):
    """Whether the check's probe runs the module the variant rewrites (the network runs the layers)."""
    return f"nndl.{mutation.module}" in check.modules or (
        mutation.module in ("layers", "layer_utils") and "nndl.fc_net" in check.modules)


def _alternatives(check):
    from .. import mutants
    from ..diagnosis.variants import outputs_of
    found = []
    for mutation in mutants.CATALOGUE:
        if not mutation.legit or not _exercises(check, mutation):
            continue
        result = outputs_of(check, (mutation.id,))
        if result["status"] != "ok":   # a legitimate variant of the reference must run: a bug of the kit
            error = result.get("error") or {}
            raise RuntimeError(f"the legitimate variant {mutation.id} failed on {check.id}: "
                               f"{error.get('type')}: {error.get('message')}")
        found.append((mutation, result["outputs"]))
    return tuple(found)


def alternatives(check):
    """[(legit Mutation, its outputs)] that this check also accepts (computed on first use, once)."""
    if not check.reference:
        return ()
    with _GUARD:
        lock = _CHECK_LOCKS.setdefault(check, threading.Lock())
    with lock:
        if check not in _ALTERNATIVES:
            _ALTERNATIVES[check] = _alternatives(check)
        return _ALTERNATIVES[check]
