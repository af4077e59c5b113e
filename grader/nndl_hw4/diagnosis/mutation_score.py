"""The mutation score: every catalogue entry as a one-bug submission, graded, then counted.

``write_class(folder, course)`` writes one submission per entry of the course's
mutant catalogue (named by its id), the reference, and the legitimate rewrites that span two
modules (COMBINED). After grading the folder (``nndl-hw4 grade``), ``score``
reads each submission's grading.json:

- killed: a mistake fails at least one check (it loses points wherever its
  question is worth any);
- named: a killed mistake is named, alone, in the diagnosis of one of its
  failed checks;
- a legitimate variant (and the reference) must fail nothing and be named
  nowhere.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import course as courses
from .. import mutants
from . import describe

REFERENCE = "reference"

# fc_net importing the affine_batchnorm_relu helpers from layer_utils (the catalogue's
# layer-utils-affine-batchnorm-relu adds them there); alone it would not import.
_HELPER = mutants.by_id("fc-affine-batchnorm-relu-helper")
FC_USES_LAYER_UTILS_HELPERS = mutants.Mutation(
    "fc-uses-layer-utils-helpers", "fc_net",
    (("from .layer_utils import affine_relu_backward, affine_relu_forward\n",
      "from .layer_utils import (affine_batchnorm_relu_backward, affine_batchnorm_relu_forward,\n"
      "                          affine_relu_backward, affine_relu_forward)\n"),) + _HELPER.edits[1:],
    "the network calling affine_batchnorm_relu helpers from layer_utils", legit=True)
# {name: (catalogue ids, extra Mutation)}: legitimate rewrites that span two modules
COMBINED = {"helpers-in-layer-utils": (("layer-utils-affine-batchnorm-relu",), FC_USES_LAYER_UTILS_HELPERS)}


def write_class(folder, course=courses.DEFAULT):
    """Write the mutant class of `course` under `folder`; {submission name: (Mutation, ...)} (() for the
    reference)."""
    folder = Path(folder)
    sources = mutants.reference_sources(course)
    written = {REFERENCE: ()}
    for mutation in mutants.catalogue(course):
        written[mutation.id] = (mutation,)
    for name, (ids, extra) in COMBINED.items():
        written[name] = tuple(mutants.by_id(i, course) for i in ids) + (extra.rendered(course),)
    for name, applied in written.items():
        mutants.write_package(folder / name, mutants.apply(list(applied), sources))
    return written


@dataclass
class Row:
    name: str
    legit: bool
    failed: set                  # ids of the failed checks
    lost: set                    # ids of the questions that lost points
    diagnoses: dict              # {check id: diagnosis text} of failed checks
    named: bool = False


@dataclass
class Score:
    rows: list = field(default_factory=list)

    @property
    def mistakes(self):
        return [r for r in self.rows if not r.legit]

    @property
    def killed(self):
        return [r for r in self.mistakes if r.failed]

    @property
    def named(self):
        return [r for r in self.killed if r.named]

    @property
    def legit_broken(self):
        return [r for r in self.rows if r.legit and (r.failed or r.diagnoses)]

    def lines(self):
        lines = [f"mutation score: {len(self.killed)}/{len(self.mistakes)} mistakes killed, "
                 f"{len(self.named)}/{len(self.killed)} killed mistakes named; "
                 f"{sum(r.legit for r in self.rows) - len(self.legit_broken)}/{sum(r.legit for r in self.rows)} "
                 "legitimate variants (reference included) with full marks and no diagnosis"]
        survivors = [r.name for r in self.mistakes if not r.failed]
        unnamed = [r.name for r in self.killed if not r.named]
        if survivors:
            lines.append(f"  survived: {', '.join(survivors)}")
        if unnamed:
            lines.append(f"  killed, not named: {', '.join(unnamed)}")
        if self.legit_broken:
            lines.append(f"  legitimate but penalised or diagnosed: {', '.join(r.name for r in self.legit_broken)}")
        return lines


def read_row(out_dir, name, applied):
    record = json.loads((Path(out_dir) / name / "grading.json").read_text())
    checks = [c for q in record["questions"] for c in q["checks"]]
    failed = {c["id"] for c in checks if not c["passed"]}
    lost = {q["id"] for q in record["questions"] if q["status"] == "scored" and q["points"] < q["max_points"]}
    diagnoses = {c["id"]: c["diagnosis"] for c in checks if c.get("diagnosis")}
    legit = all(m.legit for m in applied)
    named = bool(applied) and not legit and describe(applied[0]) in diagnoses.values()
    return Row(name, legit, failed, lost, diagnoses, named)


def score(out_dir, written):
    """The Score of a graded mutant class (`written` from write_class)."""
    return Score([read_row(out_dir, name, applied) for name, applied in written.items()])
