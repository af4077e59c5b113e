"""The trusted side of every check: inputs and expected outputs, computed here.

Expected outputs come from running a check's probe on the reference modules
in this (the grader's) process. Both are deterministic, so they are computed
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
