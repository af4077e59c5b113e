"""Shared machinery for the check tests: load a variant, observe every check on it, judge.

Variants are observed in-process (grading.inprocess), which is what the
catalogue tests need; one test runs the reference through the real sandbox.
Observations are cached per variant for the whole session.
"""

import types
import warnings
from importlib import resources
from pathlib import Path

import pytest

from nndl_hw4 import mutants
from nndl_hw4.checks import all_checks
from nndl_hw4.grading.inprocess import observe_in_process
from nndl_hw4.grading.judging import judge

REPO = Path(__file__).resolve().parents[2]
STUBS = REPO / "assignment" / "nndl"


def solver_module(optim_module):
    """The trusted utils/solver.py bound to `optim_module` (in the sandbox it imports nndl.optim)."""
    source = resources.files("nndl_hw4.reference.utils").joinpath("solver.py").read_text()
    module = types.ModuleType("_trusted_solver")
    module.optim = optim_module
    exec(compile(source.replace("from nndl import optim\n", ""), "utils/solver.py", "exec"), module.__dict__)
    return module


def load(texts):
    """{'nndl.optim': module, ..., 'utils.solver': module} for module texts."""
    modules = mutants.load_package(texts)
    modules["utils.solver"] = solver_module(modules["nndl.optim"])
    return modules


def affected(check, mutation):
    """Whether a mutation of `mutation.module` can change what `check` observes."""
    return f"nndl.{mutation.module}" in check.modules


def run(modules, checks):
    """{check id: (Observation, Verdict)}, warnings of student-like code ignored as in the sandbox."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observations = observe_in_process(checks, modules)
        return {c.id: (observations[c.id], judge(c, observations[c.id])) for c in checks}


@pytest.fixture(scope="session")
def checks():
    return all_checks()


@pytest.fixture(scope="session")
def verdicts_of(checks):
    """verdicts_of(mutation_id or None) -> {check id: (Observation, Verdict)} (cached).

    For a mutation only the checks it can affect are observed.
    """
    cache = {}

    def get(mutation_id=None):
        if mutation_id not in cache:
            if mutation_id is None:
                cache[None] = run(load(mutants.apply([])), checks)
            else:
                mutation = mutants.by_id(mutation_id)
                cache[mutation_id] = run(load(mutants.apply([mutation])),
                                         [c for c in checks if affected(c, mutation)])
        return cache[mutation_id]
    return get


def failing(verdicts):
    return {cid for cid, (_, verdict) in verdicts.items() if not verdict.passed}
