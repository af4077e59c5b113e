"""Loading the reference with mutations applied, and running its code quietly on a private np.random.

A mistake's package is loaded once per process, in memory (no files: its file
names only label tracebacks "nndl/layers.py"), with the trusted Solver bound
to its optim. Its code runs under LOCK, without warnings (it is deliberately
wrong) and on a private np.random: another grading thread drawing from the
global generator (a judge building a network) must not change a mistake's
seeded outputs.
"""

import contextlib
import functools
import itertools
import sys
import tempfile
import threading
import types
import warnings
from importlib import resources
from pathlib import Path

import numpy as np

from .. import mutants

LOCK = threading.RLock()      # held while a mistake's code runs: it seeds np.random


@functools.lru_cache(maxsize=None)
def sources():
    return mutants.reference_sources()


def solver_module(optim_module):
    """The trusted utils/solver.py bound to `optim_module` (in the sandbox it imports nndl.optim)."""
    source = resources.files("nndl_hw4.reference.utils").joinpath("solver.py").read_text()
    module = types.ModuleType("_diagnosis_solver")
    module.optim = optim_module
    exec(compile(source.replace("from nndl import optim\n", ""), "utils/solver.py", "exec"), module.__dict__)
    return module


_packages = itertools.count()


def _load(texts):
    """Import module texts as a fresh in-memory package: {'nndl.optim': module, ...}.

    Like mutants.load_package without writing files (a mistake's package is loaded once per process
    and check group, ~80 of them): its file names exist only to label tracebacks "nndl/layers.py".
    """
    name = f"_nndl_diagnosis_{next(_packages)}"
    folder = Path(tempfile.gettempdir()) / name / "nndl"
    package = types.ModuleType(name)
    package.__path__, package.__package__ = [], name
    sys.modules[name] = package
    loaded = {}
    for module in ("layers", "layer_utils", "optim", "fc_net"):     # each after what it imports
        loaded[f"nndl.{module}"] = mod = types.ModuleType(f"{name}.{module}")
        mod.__package__, mod.__file__ = name, str(folder / f"{module}.py")
        sys.modules[mod.__name__] = mod
        exec(compile(texts[module], mod.__file__, "exec"), mod.__dict__)
        setattr(package, module, mod)
    return loaded


@functools.lru_cache(maxsize=None)
def package(applied):
    """{'nndl.optim': module, ..., 'utils.solver': module} of the reference with `applied` mutation ids."""
    modules = _load(mutants.apply([mutants.by_id(m) for m in applied], sources()))
    modules["utils.solver"] = solver_module(modules["nndl.optim"])
    return modules


class _PrivateNumpy:
    """numpy, except that np.random is a private RandomState (the same streams as the global one)."""

    def __init__(self):
        self.random = _PrivateRandom()

    def __getattr__(self, name):
        return getattr(np, name)


class _PrivateRandom:
    def __init__(self):
        self._state = np.random.RandomState(0)

    def __getattr__(self, name):       # seed, rand, randn, binomial, ...; default_rng and the rest as they are
        return getattr(self._state, name) if hasattr(self._state, name) else getattr(np.random, name)


@contextlib.contextmanager
def private_random(modules):
    """Run code of `modules` (and the probes) on a private np.random: another grading thread drawing from
    the global one (a judge building a network) must not change a mistake's seeded outputs."""
    from ..child import probes
    targets = [m for m in list(modules) + [getattr(probes, n) for n in ("fc_net", "training", "dropout")]
               if isinstance(getattr(m, "__dict__", {}).get("np"), type(np))]
    private = _PrivateNumpy()
    with LOCK:
        for m in targets:
            m.np = private
        try:
            yield
        finally:
            for m in targets:
                m.np = np


@contextlib.contextmanager
def quiet():
    """Hold the lock; no warnings from the (deliberately wrong) code run under it."""
    with LOCK, warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield
