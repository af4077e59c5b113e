"""Shared machinery for the diagnosis tests: observe variants in-process, then ask what matches.

Variants are loaded in this process (grading.inprocess, the network checks with
trusted layers as in the sandbox, or the student's own layers with the rubric's
cascade switch) and observed only on the checks whose code they change
(diagnosis.variants.relevant); each variant's observations are cached for the
session, as are the two runtimes.
"""

import warnings

import pytest

from nndl_hw4 import mutants
from nndl_hw4.checks import all_checks
from nndl_hw4.diagnosis import variants
from nndl_hw4.grading.inprocess import observe_in_process
from nndl_hw4.runtime import Runtime


def observe(texts, checks, runtime):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return observe_in_process(checks, texts, runtime)


@pytest.fixture(scope="session")
def checks():
    return all_checks()


@pytest.fixture(scope="session")
def runtimes():
    """{cascade: Runtime}: trusted layers in the network checks (False, the default) or not (True)."""
    return {False: Runtime(), True: Runtime(cascade=True)}


@pytest.fixture(scope="session")
def runtime(runtimes):
    return runtimes[False]


@pytest.fixture(scope="session")
def observed(checks, runtimes):
    """observed(*mutations, cascade=False) -> ({check id: Observation}, {check id: Check}) on the checks
    those mutations can change (cached)."""
    cache = {}

    def get(*applied, cascade=False):
        runtime = runtimes[cascade]
        key = (tuple(m.id for m in applied), cascade)
        if key not in cache:
            touched = [c for c in checks if not applied or any(variants.relevant(runtime, c, m) for m in applied)]
            cache[key] = (observe(mutants.apply(list(applied)), touched, runtime), {c.id: c for c in touched})
        return cache[key]
    return get
