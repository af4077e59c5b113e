"""The trusted side of every check: inputs and expected outputs, computed here.

Expected outputs come from running a check's probe on the reference modules
in this (the grader's) process. A check also accepts the outputs of every
LEGITIMATE variant in nndl_hw4.mutants (epsilon inside the square root, ...)
of the modules it exercises, so correct rewrites never depend on a tolerance
happening to be loose enough. Everything is deterministic, so it is computed
once per process and reused for every submission.
"""

import functools
import importlib

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


@functools.lru_cache(maxsize=None)
def _legit_packages():
    from .. import mutants
    return tuple((m, mutants.load_package(mutants.apply([m])))
                 for m in mutants.CATALOGUE if m.legit)


@functools.lru_cache(maxsize=None)
def _alternatives(check):
    found = []
    for mutation, modules in _legit_packages():
        if f"nndl.{mutation.module}" not in check.modules and not (
                mutation.module in ("layers", "layer_utils") and "nndl.fc_net" in check.modules):
            continue
        mods = _Modules({name.rsplit(".", 1)[-1]: modules[name] for name in check.modules})
        found.append((mutation, PROBES[check.probe](mods, check.inputs())))
    return tuple(found)


def alternatives(check):
    """[(legit Mutation, its outputs)] that this check also accepts."""
    return _alternatives(check) if check.reference else ()
