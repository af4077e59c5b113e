"""What each student wrote: their code per function, with the starter's own text subtracted.

A submission is found and staged exactly as ``grade`` does it
(``grading/submission.py``: folders, zips, otter exports, the same vetting of
hostile zips). Each module is cut into units: one per function or method
(``layers.batchnorm_forward``, ``fc_net.FullyConnectedNet.loss``), plus the
module's (and each class's) own top-level statements. A unit's statements
are normalised (normalise.py), then the starter's are taken away:

- a statement inside a ``YOUR CODE HERE`` region (found by the build's own
  ``release/regions.py``) is set against that region of the starter (the
  ``raise NotImplementedError`` stub, or the reference when it shipped
  solved); one outside the regions against the starter function's own
  statements outside its regions;
- when a student damaged or deleted a function's banners, that function is
  set against the whole starter function instead (aligned by qualname);
- a function the starter does not have (a helper such as
  ``affine_batchnorm_relu_forward``) is all the student's.

Subtraction is by multiset of normalised statements, so a student who kept
the starter has no code of their own at all.
"""

import ast
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.submission import SubmissionError, stage
from ..release.regions import RegionError, find_regions
from .normalise import module_names, normalise

MODULE_UNIT = "<module>"
CLASS_UNIT = "<class body>"


@dataclass
class Unit:
    """One function (or top-level block) of a submission and which of its statements the student wrote."""

    module: str
    qualname: str
    items: list                  # [normalise.Item]
    own: list                    # [bool] per item: not the starter's
    where: list                  # [str | None] per item: the region it sits in ("region 1 of 2"), None outside
    first_line: int
    last_line: int
    matched_by: str              # "regions" | "function" (banners damaged) | "new" (not in the starter)

    @property
    def key(self):
        return f"{self.module}.{self.qualname}"

    @property
    def own_items(self):
        return [item for item, own in zip(self.items, self.own) if own]


@dataclass
class Code:
    """A submission's code: its module texts and units."""

    name: str
    source: str
    kind: str = "student"        # "student" | "against"
    group: str = ""              # the --against folder it came from
    texts: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)    # {"nndl/optim.py": sha256}: as grading.json records them
    units: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    error: str | None = None     # the submission could not be read at all

    @property
    def own_units(self):
        return [u for u in self.units if any(u.own)]


@dataclass(frozen=True)
class _StarterUnit:
    outside: Counter             # tokens of the statements outside every region
    regions: dict                # {region index: Counter of the region body's tokens}
    everything: Counter


class StarterIndex:
    """The starter's units, normalised once, to subtract from every submission."""

    def __init__(self, starter):
        trees = {module: ast.parse(text) for module, text in starter.texts.items()}
        # Top-level functions and classes: names any module may import and call, never renamed.
        self.names = {node.name for tree in trees.values() for node in tree.body
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        # Every function, class and method the starter defines: what is not a student's helper.
        self.defined = {name for tree in trees.values() for name in _defined(tree)}
        self.units = {}
        for module, tree in trees.items():
            regions = find_regions(starter.texts[module], f"nndl/{module}.py")
            known = module_names(tree) | self.names
            for qualname, node, statements in _blocks(tree):
                items = normalise(statements, known)
                spans = _spans(regions, qualname)
                where = [_region_of(spans, item.line) for item in items]
                outside = Counter(i.tokens for i, w in zip(items, where) if w is None)
                inside = {index: Counter(i.tokens for i, w in zip(items, where) if w == index) for index in spans}
                self.units[(module, qualname)] = _StarterUnit(outside, inside, Counter(i.tokens for i in items))


def read_submission(submission, starter_index, kind="student", group=""):
    """Code of one submission (a grading.submission.Submission); never raises for a bad one."""
    code = Code(submission.name, str(submission.path), kind, group)
    scratch = Path(tempfile.mkdtemp(prefix="nndl-hw4-similar-"))
    try:
        staged = stage(submission, scratch / "copy")
        code.notes += staged.notes
        code.files = staged.files
        for path in sorted(staged.nndl.glob("*.py")):
            code.texts[path.stem] = path.read_bytes().decode("utf-8", errors="replace")
    except SubmissionError as error:
        code.error = error.message
        return code
    except OSError as error:            # unreadable files: this submission is not compared, the others are
        code.error = f"could not be read ({error})"
        return code
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    code.units = units_of(code.texts, starter_index, code.notes)
    return code


def units_of(texts, starter_index, notes):
    """[Unit] of a submission's {module: text}; problems go to ``notes``."""
    trees = {}
    for module, text in texts.items():
        try:
            trees[module] = ast.parse(text)
        except (SyntaxError, ValueError) as error:
            where = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
            notes.append(f"nndl/{module}.py is not valid Python{where}: not compared")
        except (RecursionError, MemoryError):
            notes.append(f"nndl/{module}.py is nested too deeply to parse: not compared")
    helpers = frozenset(name for tree in trees.values() for name in _defined(tree)) - starter_index.defined
    units = []
    for module, tree in trees.items():
        try:
            regions = find_regions(texts[module], f"nndl/{module}.py")
        except RegionError as error:
            regions = None
            notes.append(f"nndl/{module}.py: YOUR CODE HERE banners damaged ({error.message}): "
                         "its functions are compared with the starter's function by function")
        known = (module_names(tree) | starter_index.names) - helpers
        found = []
        try:
            for qualname, node, statements in _blocks(tree):
                items = normalise(statements, known, helpers)
                found.append(_unit(module, qualname, node, statements, items, regions, starter_index))
        except RecursionError:      # an expression nested hundreds deep: hostile or generated, not written
            notes.append(f"nndl/{module}.py holds code nested too deeply to compare: not compared")
            continue
        units += found
    return units


def _unit(module, qualname, node, statements, items, regions, starter_index):
    first = node.lineno if node is not None else min((s.lineno for s in statements), default=1)
    last = node.end_lineno if node is not None else max((s.end_lineno for s in statements), default=1)
    if node is not None and node.decorator_list:
        first = min(d.lineno for d in node.decorator_list)
    starter = starter_index.units.get((module, qualname))
    if starter is None:
        return Unit(module, qualname, items, [True] * len(items), [None] * len(items), first, last, "new")
    spans = _spans(regions or [], qualname)
    by_regions = regions is not None and set(starter.regions) <= set(spans)
    where = [_region_of(spans, item.line) for item in items] if by_regions else [None] * len(items)
    pools = {None: Counter(starter.outside), **{i: Counter(c) for i, c in starter.regions.items()}} \
        if by_regions else {None: Counter(starter.everything)}
    own = []
    for item, region in zip(items, where):
        pool = pools.get(region if region in pools else None)
        if pool[item.tokens] > 0:
            pool[item.tokens] -= 1
            own.append(False)
        else:
            own.append(True)
    count = {i: s.count for i, s in spans.items()} if spans else {}
    labels = [None if r is None else (f"region {r} of {count[r]}" if count[r] > 1 else "region") for r in where]
    return Unit(module, qualname, items, own, labels, first, last, "regions" if by_regions else "function")


def _defined(tree):
    """Names of a module's functions, classes and methods (a def nested in a function is a local)."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        if isinstance(node, ast.ClassDef):
            yield from (n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _blocks(tree):
    """(qualname, def node or None, statements) of every unit of a module, in file order."""
    top = [s for s in tree.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    if top:
        yield MODULE_UNIT, None, top
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node, node.body
        elif isinstance(node, ast.ClassDef):
            body = [s for s in node.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
            if body:
                yield f"{node.name}.{CLASS_UNIT}", None, body
            for method in node.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{method.name}", method, method.body


def _spans(regions, qualname):
    """{region index: Region} of one function's regions."""
    return {r.index: r for r in regions if r.qualname == qualname}


def _region_of(spans, line):
    """The index of the region whose body holds 1-based ``line``, or None."""
    for index, region in spans.items():
        if region.body_start < line <= region.body_end:
            return index
    return None
