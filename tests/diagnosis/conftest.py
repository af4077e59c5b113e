"""Shared machinery for the diagnosis tests: observe variants in-process, then ask what matches.

Variants are loaded in this process (grading.inprocess) and observed only on
the checks whose code they change (diagnosis.variants.relevant); each
variant's observations are cached for the session.
"""

import warnings

import pytest

from nndl_hw4 import mutants
from nndl_hw4.checks import all_checks
from nndl_hw4.diagnosis import packages, variants
from nndl_hw4.grading.inprocess import observe_in_process


def load(texts):
    """{'nndl.optim': module, ..., 'utils.solver': module} for module texts."""
    modules = mutants.load_package(texts)
    modules["utils.solver"] = packages.solver_module(modules["nndl.optim"])
    return modules


def observe(texts, checks):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return observe_in_process(checks, load(texts))


@pytest.fixture(scope="session")
def checks():
    return all_checks()


@pytest.fixture(scope="session")
def observed(checks):
    """observed(*mutations) -> {check id: Observation} on the checks those mutations can change (cached)."""
    cache = {}

    def get(*applied):
        key = tuple(m.id for m in applied)
        if key not in cache:
            touched = [c for c in checks if not applied or any(variants.relevant(c, m) for m in applied)]
            cache[key] = (observe(mutants.apply(list(applied)), touched), {c.id: c for c in touched})
        return cache[key]
    return get
