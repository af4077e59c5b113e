"""Behaviour as evidence: the same RARE wrong outputs in two submissions.

``nndl-hw4 grade`` keeps, for every failed check, a digest of what the
student's code returned on the check's inputs (``outputs_digest`` in
``DIR/<name>/grading.json``, see digest.py) beside the grader's diagnosis.
Two students whose code returns the same wrong numbers on the same hidden
inputs made the same mistake in the same way; when hardly anyone else in the
class did (at most ``RARE_SHARE`` of the graded students, and never more
than the pair when the class is small), that is strong evidence, whatever
their text looks like.

A record is used only if its ``files`` hashes are the files ``similar`` read
(a student who resubmitted after grading is not judged on stale outputs).
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from ..reports.record import load_record

RARE_SHARE = 0.05        # wrong outputs shared by more of the graded class than this are a common mistake


@dataclass
class SharedMistake:
    """A pair's identical wrong outputs on the checks of one function."""

    function: str
    checks: list             # [(check id, label)] failed with identical outputs by both
    failed: int              # checks of that function both failed
    holders: int             # students with these very outputs (the most common of the checks)
    graded: int
    diagnosis: str | None    # the grader's name for the mistake, when it knows it

    @property
    def diagnosed(self):
        return bool(self.diagnosis)

    def sentence(self):
        cases = ("on every check it failed" if len(self.checks) == self.failed
                 else f"on {len(self.checks)} of the {self.failed} checks both failed")
        text = (f"both return the same wrong {self.function} outputs {cases}; "
                f"{self.holders} of {self.graded} graded students return exactly these")
        if self.diagnosis:
            text += f" (a known mistake: {self.diagnosis})"
        return text


@dataclass
class Behaviour:
    available: bool
    note: str
    graded: int = 0
    pairs: dict = field(default_factory=dict)      # {(name a, name b): [SharedMistake]}, names sorted

    def shared(self, a, b):
        return self.pairs.get(tuple(sorted((a, b))), [])


def load_behaviour(codes, grades_dir):
    """Behaviour of the class ``codes`` (extract.Code with ``files``) from ``grades_dir/<name>/grading.json``."""
    records, stale, old = {}, [], []
    for code in codes:
        if code.error:
            continue
        record = load_record(grades_dir / code.name)
        if record is None or record.get("status") == "failed to grade":
            continue
        if record.get("files") != code.files:
            stale.append(code.name)
            continue
        checks = [c for q in record.get("questions", []) for c in q.get("checks", [])]
        if checks and not any("outputs_digest" in c for c in checks):
            old.append(code.name)
            continue
        records[code.name] = checks
    problems = []
    if stale:
        problems.append(f"{len(stale)} record(s) graded from other files than these ({', '.join(stale[:3])}"
                        + (", ..." if len(stale) > 3 else "") + "): regrade them")
    if old:
        problems.append(f"{len(old)} record(s) written by a grader without output digests: regrade with --force")
    if not records:
        note = (f"behaviour evidence not available: no usable grading.json under {grades_dir}/<name>/ "
                "(run `nndl-hw4 grade` on the same submissions first, or pass --grades DIR)")
        return Behaviour(False, "; ".join([note] + problems))
    behaviour = Behaviour(True, "; ".join([f"grading records of {len(records)} of {len(codes)} submission(s) "
                                           f"read from {grades_dir}/"] + problems), graded=len(records))
    _pair_up(behaviour, records)
    return behaviour


def _pair_up(behaviour, records):
    holders = defaultdict(list)          # (check id, digest) -> names
    info, failed = {}, defaultdict(set)  # check id -> (function, label); (name, function) -> failed check ids
    diagnosis = {}
    for name, checks in records.items():
        for check in checks:
            info[check["id"]] = (check.get("function", "?"), check.get("label", check["id"]))
            if check.get("passed"):
                continue
            failed[(name, info[check["id"]][0])].add(check["id"])
            if check.get("outputs_digest"):
                holders[(check["id"], check["outputs_digest"])].append(name)
                if check.get("diagnosis"):
                    diagnosis[(check["id"], check["outputs_digest"])] = check["diagnosis"]
    cap = max(2, math.floor(RARE_SHARE * behaviour.graded))
    found = defaultdict(lambda: defaultdict(list))        # pair -> function -> [(check, holders, key)]
    for key, names in holders.items():
        if not 2 <= len(names) <= cap:
            continue
        names = sorted(names)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                found[(a, b)][info[key[0]][0]].append((key[0], len(names), key))
    for pair, functions in found.items():
        mistakes = []
        for function, hits in sorted(functions.items()):
            both = failed[(pair[0], function)] & failed[(pair[1], function)]
            named = next((diagnosis[key] for _, _, key in hits if key in diagnosis), None)
            mistakes.append(SharedMistake(function, [(c, info[c][1]) for c, _, _ in sorted(hits)], len(both),
                                          max(n for _, n, _ in hits), behaviour.graded, named))
        behaviour.pairs[pair] = mistakes


def strong(mistakes):
    """True when shared mistakes alone justify a look: an undiagnosed one, or diagnosed ones in two functions."""
    return any(not m.diagnosed for m in mistakes) or len(mistakes) >= 2
