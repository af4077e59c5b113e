"""``utils/hints.json``: what each known mistake outputs in the notebooks' check cells.

The check cells end with a call of ``utils/hints.py`` that raises when an
output is off. To name the likely mistake there, in the student's
environment (numpy only, no grader), the helper reads this file: for each
check case, the known mistakes whose outputs on that case are NOT those of
correct code, each with the sentence the grader's feedback uses
(``diagnosis.describe``) and a compact summary of its outputs:

- ``values`` cases (deterministic outputs): a fingerprint per output (its
  shape, dtype and entries, or its norm and two fixed random projections,
  to 8 significant digits, so that another machine's BLAS writes the same file;
  a network: its loss, and per parameter the projection of its gradient and
  the slope of the loss along a fixed direction);
- ``dropout`` cases (random masks): the fraction of units kept and the
  scale of the kept ones, per mode;
- ``relations`` cases (dropout_backward): how dx relates to dout and the
  student's own mask.

Everything is computed by running the master notebooks' own check cells
(check_cells.py) on the course's reference and on the reference with each
mistake of the catalogue applied (a mistake only in the notebooks whose
check cells import its module): the file holds outputs on the notebooks'
public inputs only, never an input or expected value of the grader's checks.
A mistake is left out of a case where the check passes with it (known for
every check but a network's gradient check, whose numerical gradients the
build does not compute: check_cells.UNKNOWN), where it looks like correct
code (within EVIDENCE times the match tolerance of the reference or of a
legitimate variant), where its outputs are random (a second run disagrees),
or where another mistake has the same outputs (unless they include the
grader's TWINS, whose sentence says what such outputs show). A mistake that
makes a cell raise is not there either: the student reads its traceback.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .. import course as courses
from .. import mutants
from ..diagnosis import TWINS, describe
from ..errors import KitError
from .check_cells import GIVEN, notebook_checks, run

PATH = "utils/hints.json"
FORMAT = 1
EVIDENCE = 100     # a named mistake is this many match tolerances away from every correct output


def kit_inputs(root, course):
    """(reference module texts, given utils texts, check notebooks) for `course`: the notebooks and the
    given code of the kit at `root`, the grader's reference (which the mistakes are edits of)."""
    from .notebooks import localised_notebook

    solutions = Path(root) / "solutions"
    nndl = mutants.reference_sources(course)     # the reference the catalogue's edits are written for
    utils = {name: (solutions / "utils" / f"{name}.py").read_text(encoding="utf-8") for name in GIVEN}
    notebooks = []
    for path in sorted(solutions.glob("*.ipynb")):
        data = localised_notebook(path.read_bytes(), path.name, course)
        notebooks.append(notebook_checks(path.stem, nbformat.reads(data.decode("utf-8"), as_version=4)))
    return nndl, utils, tuple(notebooks)


def hints_file(root, course=courses.DEFAULT):
    """The bytes of utils/hints.json for the kit at `root` and `course`."""
    nndl, utils, notebooks = kit_inputs(root, course)
    digest = hashlib.sha256(repr((course, sorted(nndl.items()), sorted(utils.items()), notebooks)).encode())
    return _memoised(digest.hexdigest(), course, nndl, utils, notebooks)


_memo = {}


def _memoised(key, course, nndl, utils, notebooks):
    if key not in _memo:      # keyed on every input: repeated builds in one process compute once
        _memo[key] = dumps(hints_data(course, nndl, utils, notebooks)).encode("utf-8")
    return _memo[key]


@dataclass(frozen=True)
class Summary:
    """The helper's comparison of one case (fingerprints, rules), as the build uses it."""

    helper: object
    course: courses.Course

    def of(self, kind, observed, context, who):
        if kind == "values":
            prints = {name: self.helper.fingerprint(value) for name, value in observed.items()}
            return None if any(p is None for p in prints.values()) else prints
        if kind == "dropout":
            stats = {mode: self._snap(observed[mode], context, who) for mode in ("train", "test")}
            return None if None in stats.values() else stats
        return dict(observed)

    def _snap(self, stats, context, who):
        """The kept fraction as the probability it estimates (keep, 1 - keep, 0 or 1); the scale rounded."""
        if stats is None or stats[1] is None:
            return None
        keep, size = context["keep"], context["size"]
        fraction = min((keep, 1 - keep, 0.0, 1.0), key=lambda c: abs(c - stats[0]))
        bound = self.helper.SIGMAS * (fraction * (1 - fraction) / size) ** 0.5
        if abs(stats[0] - fraction) > bound:
            raise KitError(f"{who} keeps a fraction {stats[0]:.4f} of the units: the dropout rules know "
                           f"{keep}, {1 - keep}, 0 and 1 only")
        return [float(f"{fraction:.12g}"), float(f"{stats[1]:.12g}")]   # 1 - 0.7 is 0.30000000000000004

    def close(self, kind, a, b, factor=1):
        """Whether two summaries are the same (within `factor` match tolerances)."""
        if kind == "values":
            return self.helper.distance(a, b) <= factor * self.helper.MATCH
        return a == b


def hints_data(course, nndl, utils, notebooks):
    """The contents of hints.json (see the module docstring)."""
    reference = run(nndl, notebooks, utils)
    if reference.errors:
        raise KitError("the reference fails in check cells: " + "; ".join(
            f"{nb}.ipynb {cell}: {error}" for (nb, cell), error in reference.errors.items()))
    summary = Summary(reference.helper, course)
    catalogue = mutants.catalogue(course)
    seen = {nb: {name.split(".")[1] for name in courses.needs(found)} for nb, found in reference.imports.items()}
    runs = {m.id: run(mutants.apply([m], nndl), [nb for nb in notebooks if m.module in seen[nb.name]], utils)
            for m in catalogue}      # a notebook whose check cells never import the module cannot see it
    for m in catalogue:
        if m.legit and runs[m.id].errors:
            raise KitError(f"the legitimate variant {m.id} fails in check cells: {runs[m.id].errors}")
    notebook_of = {nb.name: nb for nb in notebooks}
    reruns = {}

    def again(m, case):
        """The mistake's record of `case` in a second run of its notebook (random outputs differ)."""
        key = (m.id, reference.cells[case][0])
        if key not in reruns:
            reruns[key] = run(mutants.apply([m], nndl), [notebook_of[key[1]]], utils)
        return reruns[key].records.get(case)

    cases, texts = {}, {}
    for case, (kind, observed, context) in reference.records.items():
        accepted = [summary.of(kind, observed, context, "the reference")]
        accepted += [summary.of(*runs[m.id].records[case], m.id) for m in catalogue
                     if m.legit and case in runs[m.id].records]
        found = []
        for m in catalogue:
            record = runs[m.id].records.get(case)
            if m.legit or record is None or runs[m.id].problems[case] is None:   # passes: no hint needed
                continue
            mine = summary.of(*record, m.id)
            if mine is not None and not any(summary.close(kind, mine, a, EVIDENCE) for a in accepted):
                found.append((m, mine))
        entries = []
        for group in _groups(summary, kind, found):
            entry = _entry(group, texts)
            stable = entry is not None and all(
                (record := again(m, case)) is not None and summary.close(kind, summary.of(*record, m.id), mine)
                for m, mine in group)
            if stable:
                entries.append(entry)
        notebook, cell = reference.cells[case]
        cases[case] = {"notebook": notebook, "cell": cell, "kind": kind, "mistakes": entries}
    return {"format": FORMAT, "course": course.as_dict(), "cases": cases, "texts": texts}


def dumps(data):
    """hints.json's text: one line per case and per mistake text, sorted keys (a stable, readable diff)."""
    def block(name, items, last=False):
        lines = [f' "{name}": {{']
        lines += [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True, separators=(',', ':'))},"
                  for k, v in sorted(items.items())]
        lines[-1] = lines[-1].rstrip(",") if items else lines[-1]
        return lines + [" }" + ("" if last else ",")]
    head = {k: v for k, v in data.items() if k not in ("cases", "texts")}
    lines = ["{"] + [f" {json.dumps(k)}: {json.dumps(v, sort_keys=True)}," for k, v in sorted(head.items())]
    return "\n".join(lines + block("cases", data["cases"]) + block("texts", data["texts"], last=True) + ["}"]) + "\n"


def _groups(summary, kind, found):
    """`found` [(mistake, summary)] in groups of mistakes with the same outputs."""
    groups = []
    for m, mine in found:
        for group in groups:
            if summary.close(kind, mine, group[0][1]) and summary.close(kind, group[0][1], mine):
                group.append((m, mine))
                break
        else:
            groups.append([(m, mine)])
    return groups


def _entry(group, texts):
    """The file's entry of one group of mistakes (its sentence goes to `texts`), else None."""
    ids = sorted(m.id for m, _ in group)
    twins = next((t for t in TWINS if t.ids <= set(ids)), None)
    if len(group) == 1:
        text = describe(group[0][0])
    elif twins is not None:
        # The twins' sentence says what their outputs show (the network's gradients ignore its masks),
        # so it is true of every mistake with those outputs.
        text = twins.text
    else:
        return None          # mistakes the case cannot tell apart: never guess between them
    texts["+".join(ids)] = text
    return {"ids": ids, "outputs": group[0][1]}


@dataclass(frozen=True)
class HintsFile:
    """``utils/hints.json``: the known mistakes' outputs in the check cells, for the course."""

    name: str = "hints"

    def produce(self, context):
        data = hints_file(context.root, context.config.course)
        named = {i for case in json.loads(data)["cases"].values() for e in case["mistakes"] for i in e["ids"]}
        context.notes.append(f"{PATH}: {len(named)} known mistake(s) named in the check cells "
                             f"({len(data) // 1024} KiB)")
        yield PATH, data

