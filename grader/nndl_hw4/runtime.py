"""The reference runtime: the trusted reference, plain or mutated, run in the grader's own process.

Every place the grader runs reference code goes through here: a check's
inputs and expected outputs (judging), the outputs of the accepted variants
(legitimate rewrites) and of the known mistakes (diagnosis), the network
rebuilt from given parameters (the training checks, the final part).

A ``Package`` is a fresh in-memory copy of the reference for one course with
some mutations applied. Its modules are executed from their texts (compiled
once per text) into private module objects whose ``np`` is numpy with a
private ``np.random`` (a RandomState of the package's own), and the probes
draw from that same generator (``Modules.random``). So reference code never
touches the global generator that other threads, numpy users or student-facing
code share, and no shared module attribute is ever swapped.

A ``Runtime`` is the context of one grading run (carried by the grading
``Setup``): the course, whether network checks run with trusted layers
(``cascade`` off) and whether diagnosis runs, every cached result (by check
and mutation) and the errors diagnosis met. Computing a result happens once
per key, under a lock of that key only, so threads grading other students go
on meanwhile.
"""

import functools
import itertools
import sys
import threading
import types
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from . import course as courses
from . import mutants
from .child.execute import ImportFailed, describe, run_check
from .child.trusted import substitute

_LOADING = threading.Lock()      # packages are in sys.modules only while they load (relative imports)
_names = itertools.count()
ROOT = "/nndl-hw4-reference"     # where a package's files seem to be: tracebacks read "nndl/layers.py:57"
# (one thread runs one package at a time, so a profiler on that thread tells its frames by this root)


@functools.lru_cache(maxsize=256)
def _compiled(text, filename):
    return compile(text, filename, "exec")


@functools.lru_cache(maxsize=None)
def solver_source():
    """The trusted utils/solver.py, its `optim` given by the package instead of `from nndl import optim`."""
    text = resources.files("nndl_hw4.reference.utils").joinpath("solver.py").read_text()
    return text.replace("from nndl import optim\n", "")


def private_numpy():
    """numpy, except that np.random is a private RandomState (the same streams as the global one)."""
    state = np.random.RandomState(0)
    random = types.ModuleType("numpy.random")
    random.__dict__.update(np.random.__dict__)
    for name in dir(state):
        if not name.startswith("_"):
            setattr(random, name, getattr(state, name))
    numpy = types.ModuleType("numpy")
    numpy.__dict__.update(np.__dict__)
    numpy.random = random
    return numpy


@dataclass(frozen=True)
class Package:
    """One private copy of a package: {'nndl.optim': module, ..., 'utils.solver': module}."""

    name: str
    modules: dict
    numpy: object          # what its code sees as np (np.random is the package's own)
    root: str              # its files' folder: a traceback under it is this package's
    failures: dict = field(default_factory=dict)   # {'nndl.layers': {"type", "message", "where"}}

    @property
    def random(self):
        return self.numpy.random

    def module(self, name):
        """The module, or ImportFailed as the sandbox reports a module that is missing or failed to import."""
        if name in self.modules:
            return self.modules[name]
        info = self.failures.get(name) or {"type": "ModuleNotFoundError", "message": f"no module {name}",
                                           "where": None}
        raise ImportFailed(name, info)


def _execute(name, filename, text, numpy, package):
    module = types.ModuleType(name)
    module.__package__, module.__file__ = package, filename
    sys.modules[name] = module
    try:
        exec(_compiled(text, filename), module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    module.np = numpy        # its functions look np up here: the package's private numpy
    return module


def load(texts, trusted_texts=None):
    """A fresh Package of module texts {'layers': text, ...} (a module absent from `texts`, or whose
    code raises, is reported by Package.module as the sandbox would). With trusted_texts, the layer
    modules' own functions are replaced by those of the trusted texts (child.trusted), and a layer
    module that is missing or fails is replaced by the trusted one, as in the network checks."""
    name = f"_nndl_package_{next(_names)}"
    root = ROOT          # the same file names for every package: a text is compiled once (_compiled)
    numpy = private_numpy()
    loaded, failures = {}, {}
    with _LOADING:
        try:
            trusted = {}
            if trusted_texts:
                tname = f"{name}_trusted"
                sys.modules[tname] = types.ModuleType(tname)
                for module in courses.LAYER_MODULES:
                    trusted[module] = _execute(f"{tname}.{module}", f"{root}-trusted/nndl/{module}.py",
                                               trusted_texts[module], numpy, tname)
            sys.modules[name] = package = types.ModuleType(name)
            package.__path__, package.__package__ = [], name
            for module in courses.MODULES:        # each after what it imports
                full, mod = f"{courses.PACKAGE}.{module}", None
                if module in texts:
                    try:
                        mod = _execute(f"{name}.{module}", f"{root}/nndl/{module}.py", texts[module], numpy, name)
                    except BaseException as exc:   # a student's module may raise anything, exit included
                        failures[full] = describe(exc, root)
                if module in trusted:
                    if mod is None:                # the trusted module stands in for a broken one
                        mod = sys.modules[f"{name}.{module}"] = trusted[module]
                        failures.pop(full, None)
                    else:
                        substitute(mod, trusted[module])
                if mod is not None:
                    setattr(package, module, mod)
                    loaded[full] = mod
            optim = loaded.get(f"{courses.PACKAGE}.optim")
            if optim is not None:
                solver = types.ModuleType(f"{name}_solver")
                solver.optim = optim
                exec(_compiled(solver_source(), f"{root}/utils/solver.py"), solver.__dict__)
                solver.np = numpy
                loaded["utils.solver"] = solver
            elif f"{courses.PACKAGE}.optim" in failures:
                failures["utils.solver"] = failures[f"{courses.PACKAGE}.optim"]
        finally:
            for key in [k for k in sys.modules if k.startswith(name)]:
                del sys.modules[key]
    return Package(name, loaded, numpy, root, failures)


def network(hidden_layers, use_batchnorm, dtype=np.float64):
    """The reference FullyConnectedNet with that many hidden layers, in its own private package: the
    caller sets every parameter and running statistic (its constructor draws from the package's own
    np.random, at a toy size)."""
    fc_net = load(mutants.reference_sources()).modules[f"{courses.PACKAGE}.fc_net"]
    return fc_net.FullyConnectedNet([1] * hidden_layers, input_dim=1, num_classes=1,
                                    use_batchnorm=use_batchnorm, dtype=dtype)


class Runtime:
    """The reference runtime of one grading run (see the module docstring)."""

    def __init__(self, course=courses.DEFAULT, cascade=False, diagnose=True):
        self.course = course
        self.cascade = cascade          # network checks run the student's own layers (no trusted ones)
        self.diagnose = diagnose        # name mistakes (benchmarks switch it off to measure its cost)
        self.errors = []                # what went wrong inside diagnosis (a grader bug: tests assert none)
        self._memo, self._locks, self._guard = {}, {}, threading.Lock()

    # --- one computation per key, thread-safe
    def memo(self, key, compute):
        """compute() once per key; other keys are computed meanwhile by other threads."""
        with self._guard:
            if key in self._memo:
                return self._memo[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._memo:
                    return self._memo[key]
            value = compute()
            with self._guard:
                self._memo[key] = value
            return value

    def error(self, text):
        if len(self.errors) < 100:
            self.errors.append(text)

    # --- the reference
    def catalogue(self):
        return mutants.catalogue(self.course)

    def mutation(self, mutation_id):
        return mutants.by_id(mutation_id, self.course)

    def sources(self, applied=()):
        return mutants.apply([self.mutation(m) for m in applied], mutants.reference_sources(self.course))

    def trusted_layers(self, check):
        """Whether the check runs the network with trusted layers (one mistake, one penalty)."""
        return not self.cascade and f"{courses.PACKAGE}.{courses.NETWORK_MODULE}" in check.modules

    def package(self, applied=(), trusted=False):
        """A fresh Package of the reference with `applied` mutation ids (trusted: with plain layers)."""
        return load(self.sources(applied), mutants.reference_sources(self.course) if trusted else None)

    # --- checks
    def inputs(self, check):
        return self.memo(("inputs", check), check.inputs)

    def run(self, check, applied=(), inputs=None, profile=None):
        """run_check's result for the reference with `applied` on the check (not cached)."""
        package = self.package(applied, trusted=bool(applied) and self.trusted_layers(check))
        inputs = self.inputs(check) if inputs is None else inputs
        previous = sys.getprofile()
        if profile is not None:
            sys.setprofile(profile(package.root))
        try:
            with np.errstate(all="ignore"):     # mistakes are deliberately wrong: overflow, 0/0...
                return run_check(check.probe, check.modules, package.module, inputs, package.root,
                                 random=package.random)
        finally:
            if profile is not None:
                sys.setprofile(previous)

    def result(self, check, applied=()):
        """The cached result of the reference with `applied` on this check's inputs, shared by checks of
        one case (the same probe and input maker: masks, loss and grads of one network)."""
        trusted = bool(applied) and self.trusted_layers(check)
        key = ("result", check.probe, check.inputs, check.modules, tuple(applied), trusted)
        return self.memo(key, lambda: self.run(check, applied))

    def expected(self, check):
        """The reference's outputs for this check, or None for checks judged without them."""
        if not check.reference:
            return None
        result = self.result(check)
        if result["status"] != "ok":
            error = result.get("error") or {}
            raise RuntimeError(f"the reference failed on {check.id}: {error.get('type')}: {error.get('message')}")
        return result["outputs"]

    def exercises(self, check, mutation):
        """Whether the check's probe runs the module the mutation rewrites (the network runs the layers,
        unless they are trusted there)."""
        return (f"{courses.PACKAGE}.{mutation.module}" in check.modules
                and not (mutation.module in courses.LAYER_MODULES and self.trusted_layers(check)))

    def alternatives(self, check):
        """[(legit Mutation, its outputs)] that this check also accepts (computed on first use, once)."""
        if not check.reference:
            return ()
        return self.memo(("alternatives", check), lambda: self._alternatives(check))

    def _alternatives(self, check):
        found = []
        for mutation in self.catalogue():
            if not mutation.legit or not self.exercises(check, mutation):
                continue
            result = self.result(check, (mutation.id,))
            if result["status"] != "ok":   # a legitimate variant of the reference must run: a bug of the kit
                error = result.get("error") or {}
                raise RuntimeError(f"the legitimate variant {mutation.id} failed on {check.id}: "
                                   f"{error.get('type')}: {error.get('message')}")
            found.append((mutation, result["outputs"]))
        return tuple(found)
