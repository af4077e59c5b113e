"""The notebooks' check cells, run in the build's process on the reference or on a known mistake.

A check cell (a code cell of a master notebook whose id ends in ``-check``)
computes outputs of the student's code on the notebook's own inputs and ends
with a call of ``utils/hints.py`` (``check_close(...)`` and its siblings). To
learn what each known mistake outputs there, ``run`` executes the very same
cell sources on a private copy of the reference (``runtime.load``: the
reference, or the reference with a mistake applied), with:

- the imports of the notebook's setup cell, and every ``nndl``, ``utils`` and
  ``numpy`` import of the cells and of the given code, resolved to that copy
  (its ``numpy`` has a private ``np.random``, so ``np.random.seed(231)`` in a
  cell seeds the copy's own generator, never the process's);
- ``utils/hints.py`` whose checks RECORD what they compare instead of judging
  it (``Recorder``): {case: (kind, observed outputs, context)};
- ``eval_numerical_gradient``, the centred differences of a network's loss,
  returning zeros: a network's numerical gradient costs thousands of loss
  calls, and what is recorded of a network is its loss, its analytic
  gradients and the slopes of its loss (hints.network_outputs), so whether
  that check would fail stays UNKNOWN. Its loss calls draw no numbers the
  cell's later draws depend on (a dropout network reseeds on every call), so
  the recorded outputs are those of the real cell.

Prints are swallowed; an exception of a cell is kept as its error (a mistake
that raises shows the student a traceback, not a hint) and the next cell runs.
"""

import ast
import builtins
import functools
import types
from dataclasses import dataclass, field

import numpy as np

from .. import runtime
from ..errors import KitError

CHECK_SUFFIX = "-check"
SETUP = "setup"
OWN = ("nndl", "utils", "numpy")      # top-level names resolved to the variant's copy
GIVEN = ("hints", "numerics", "gradient_check", "hw3_tests")   # the given modules a check can import


@dataclass(frozen=True)
class Cell:
    notebook: str          # "optimization"
    id: str                # "adam-check"
    source: str


@dataclass(frozen=True)
class Notebook:
    name: str
    setup: str             # the setup cell's imports of nndl, utils and numpy, as Python source
    cells: tuple           # its check cells, in order


def notebook_checks(name, nb):
    """The Notebook of a (course-localised) master notebook."""
    setup = [c for c in nb.cells if c.get("id") == SETUP]
    if len(setup) != 1:
        raise KitError(f"{name}.ipynb: no cell with id '{SETUP}' (the imports the check cells rely on)")
    body = ast.parse("\n".join(line for line in setup[0].source.splitlines() if not line.startswith("%")))
    imports = [node for node in body.body if _resolved(node)]
    cells = tuple(Cell(name, c.id, c.source) for c in nb.cells
                  if c.cell_type == "code" and c.get("id", "").endswith(CHECK_SUFFIX))
    return Notebook(name, ast.unparse(ast.Module(body=imports, type_ignores=[])), cells)


def _resolved(node):
    """Whether an import of the setup cell is one `run` resolves (numpy, nndl, the given checks)."""
    if isinstance(node, ast.Import):
        return all(alias.name == "numpy" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return module.split(".")[0] == "nndl" or module in {f"utils.{name}" for name in GIVEN}
    return False


@dataclass
class Run:
    """What the check cells recorded on one variant."""

    records: dict = field(default_factory=dict)     # case -> (kind, observed, context)
    cells: dict = field(default_factory=dict)       # case -> (notebook, cell id)
    errors: dict = field(default_factory=dict)      # (notebook, cell id) -> "Type: message"
    problems: dict = field(default_factory=dict)    # case -> what the check found off, None or UNKNOWN
    imports: dict = field(default_factory=dict)     # notebook -> the nndl modules its cells import
    helper: object = None                           # the variant's utils/hints.py module


@functools.lru_cache(maxsize=64)
def _compiled(source, filename):
    return compile(source, filename, "exec")


UNKNOWN = "unknown"    # Run.problems of a check whose numerical gradients were not computed


class _Variant:
    """The modules one run resolves nndl, utils and numpy to."""

    def __init__(self, texts, utils, run):
        self.package = runtime.load(texts)
        self.utils, self.run = utils, run
        self.builtins = dict(vars(builtins), __import__=self.importer, print=lambda *a, **k: None)
        self.loaded = {"numpy": self.package.numpy}
        self.current, self.stubbed = None, False

    def module(self, name):
        if name in self.loaded:
            return self.loaded[name]
        top, _, rest = name.partition(".")
        if top == "nndl" and not rest:
            module = types.ModuleType("nndl")
            for full, mod in self.package.modules.items():
                if full.startswith("nndl."):
                    setattr(module, full.split(".")[1], mod)
        elif top == "nndl":
            module = self.package.module(name)
        elif top == "utils" and not rest:
            module = types.ModuleType("utils")
            module.__path__ = []
        elif top == "utils" and rest in GIVEN:
            module = self._given(rest)
            setattr(self.module("utils"), rest, module)
        else:
            raise ImportError(f"the check cells may import {', '.join(f'utils.{g}' for g in GIVEN)} "
                              f"and nndl, not {name}")
        self.loaded[name] = module
        return module

    def _given(self, name):
        module = types.ModuleType(f"utils.{name}")
        module.__package__, module.__file__ = "utils", f"utils/{name}.py"
        module.__dict__["__builtins__"] = self.builtins
        exec(_compiled(self.utils[name], f"utils/{name}.py"), module.__dict__)
        if name == "gradient_check":
            module.eval_numerical_gradient = self._zeros
        if name == "hints":
            module._checks = lambda: self.recorder
            self.recorder = _recorder(module.Checks, self)
        return module

    def _zeros(self, f, x, verbose=True, h=0.00001):
        self.stubbed = True          # the check that follows cannot tell whether it would fail
        return np.zeros_like(x)

    def importer(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level:
            base = (globals or {}).get("__package__") or ""
            name = f"{base}.{name}" if name else base
        top = name.split(".")[0]
        if name == "numpy":
            return self.loaded["numpy"]
        if top not in ("nndl", "utils"):       # numpy's own lazy imports come here too
            return builtins.__import__(name, globals, locals, fromlist, 0)
        module = self.module(name)
        for item in fromlist or ():
            if item != "*" and not hasattr(module, item):
                self.module(f"{name}.{item}")
        if top == "nndl":
            imported = self.run.imports.setdefault(self.current[0], set())
            imported.update(n for n in [name] + [f"{name}.{item}" for item in fromlist or ()]
                            if n in self.package.modules)
        return module if fromlist else self.module(top)

    def execute(self, source, namespace, where):
        exec(_compiled(source, where), namespace)


def _recorder(checks, variant):
    class Recorder(checks):
        def conclude(self, case, kind, observed, problem, otherwise=None, **context):
            if case in variant.run.records:
                raise KitError(f"{variant.current[0]}.ipynb, cell {variant.current[1]}: the check case "
                               f"{case!r} is checked twice", hint="give every check call its own case name")
            observed = observed() if callable(observed) else observed
            variant.run.records[case] = (kind, observed, context)
            variant.run.cells[case] = variant.current
            variant.run.problems[case] = UNKNOWN if variant.stubbed else problem
            variant.stubbed = False
    return Recorder()


def run(texts, notebooks, utils):
    """The Run of the check cells of `notebooks` on the package of module `texts` ({'layers': text, ...})
    with the given code `utils` ({'hints': text, ...})."""
    result = Run()
    variant = _Variant(texts, utils, result)
    result.helper = variant.module("utils.hints")   # the recorder, before any cell imports the checks
    for notebook in notebooks:
        setup = {"__builtins__": variant.builtins, "__name__": "__main__"}
        variant.current = (notebook.name, SETUP)
        variant.execute(notebook.setup, setup, f"{notebook.name}.ipynb:{SETUP}")
        for cell in notebook.cells:
            variant.current = (notebook.name, cell.id)
            try:
                with np.errstate(all="ignore"):     # mistakes overflow, divide by zero...
                    variant.execute(cell.source, dict(setup), f"{notebook.name}.ipynb:{cell.id}")
            except KitError:
                raise
            except Exception as exc:              # the mistake raised: the student sees a traceback
                result.errors[notebook.name, cell.id] = f"{type(exc).__name__}: {exc}"
    return result
