"""Shared machinery for the check tests: load a variant, observe every check on it, judge.

Variants are observed in-process (grading.inprocess: the network checks with
trusted layers, as the sandbox runs them), which is what the catalogue tests
need; one test runs the reference through the real sandbox. Observations are
cached per variant for the whole session.
"""

import warnings
from pathlib import Path

import pytest

from nndl_hw4 import mutants
from nndl_hw4.checks import all_checks
from nndl_hw4.grading.inprocess import observe_in_process
from nndl_hw4.grading.judging import judge
from nndl_hw4.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
STUBS = REPO / "assignment" / "nndl"


def run(texts, checks, runtime):
    """{check id: (Observation, Verdict)}, warnings of student-like code ignored as in the sandbox."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observations = observe_in_process(checks, texts, runtime)
        return {c.id: (observations[c.id], judge(c, observations[c.id], runtime)) for c in checks}


@pytest.fixture(scope="session")
def runtime():
    return Runtime()


@pytest.fixture(scope="session")
def checks():
    return all_checks()


@pytest.fixture(scope="session")
def verdicts_of(checks, runtime):
    """verdicts_of(mutation_id or None) -> {check id: (Observation, Verdict)} (cached).

    For a mutation only the checks that run the module it edits are observed (Runtime.exercises:
    not the network checks for a layer's mutation, since they run trusted layers).
    """
    cache = {}

    def get(mutation_id=None):
        if mutation_id not in cache:
            if mutation_id is None:
                cache[None] = run(mutants.apply([]), checks, runtime)
            else:
                mutation = mutants.by_id(mutation_id)
                cache[mutation_id] = run(mutants.apply([mutation]),
                                         [c for c in checks if runtime.exercises(c, mutation)], runtime)
        return cache[mutation_id]
    return get


def failing(verdicts):
    return {cid for cid, (_, verdict) in verdicts.items() if not verdict.passed}
