"""Scoring pairs: an inverted index from fingerprints to submissions, weighted by rarity.

A fingerprint's weight says how unexpected it is to see it in two
submissions. With N submissions (the class plus any ``--against`` folders) and
df of them holding it:

    weight = exp(-(df - 2) / max(1, SPREAD * N))

1 for a fingerprint only two submissions share, divided by e for every
further 5% of the class (SPREAD) that holds it: N = 300, df 4 -> 0.88,
10 -> 0.59, 30 -> 0.15, 60 -> 0.02. What a tenth of a class writes the same
way (the one-line momentum update) counts for little, what a quarter writes
for nothing, whatever the class size; a group of copiers keeps most of its
weight unless it is a sizeable part of the class. Fingerprints lighter than
``MIN_WEIGHT`` are not scored at all.

Only pairs that share a scored fingerprint are ever looked at: for each such
fingerprint the index lists its submissions, and each pair among them gains
its weight. No pair-by-pair comparison of the whole class is made.

A pair's score is the weight it shares over the smaller of the two
submissions' own weight (how much of the smaller one's unexpected code the
other also has), with a floor of ``FLOOR`` so that a student who wrote two
rare lines cannot reach 1 with one coincidence:

    score = shared / max(min(total_a, total_b), FLOOR)
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

SPREAD = 0.05
MIN_WEIGHT = 0.05
FLOOR = 30.0        # the shared weight a score of 1 needs at least: about ten rare statements
THRESHOLD = 0.5     # default: half of the smaller submission's unexpected code is shared


def weight(df, n):
    """Rarity weight of a fingerprint held by ``df`` of ``n`` submissions."""
    if df < 2:
        return 0.0
    return math.exp(-(df - 2) / max(1.0, SPREAD * n))


@dataclass
class Index:
    """Which submissions hold each fingerprint, and each submission's total weight."""

    holders: dict                       # {hash: [doc index, ...]}, ascending, no repeats
    n: int
    totals: list = field(default_factory=list)

    def weight(self, value):
        return weight(len(self.holders.get(value, ())), self.n)


def build_index(prints):
    """Index of [Prints], one per submission (class first, then --against)."""
    holders = defaultdict(list)
    for doc, p in enumerate(prints):
        for value in p.where:
            holders[value].append(doc)
    index = Index(dict(holders), len(prints))
    # Only what is scored counts in a total, so two identical submissions score exactly 1.
    index.totals = [sum(w for w in map(index.weight, p.where) if w >= MIN_WEIGHT) for p in prints]
    return index


def shared_weights(index, students):
    """{(a, b): shared weight} for every pair sharing a scored fingerprint; ``a < b``.

    ``students``: how many of the first documents are the class; pairs of two
    ``--against`` submissions are not scored.
    """
    shared = defaultdict(float)
    for docs in index.holders.values():
        if len(docs) < 2:
            continue
        w = weight(len(docs), index.n)
        if w < MIN_WEIGHT:
            continue
        for i, a in enumerate(docs):
            if a >= students:
                break
            for b in docs[i + 1:]:
                shared[(a, b)] += w
    return shared


def score(index, a, b, shared):
    return shared / max(min(index.totals[a], index.totals[b]), FLOOR)


@dataclass
class Breakdown:
    """What one pair shares, for the report."""

    units: dict                 # {(unit a, unit b): shared weight}, the per-function breakdown
    marks_a: dict               # {(unit, item index): (strongest weight, {fragment id})} on a's side
    marks_b: dict
    common: list                # the shared scored fingerprints; a fragment id is a position in it


def breakdown(index, prints_a, prints_b, marks=True):
    """What a pair shares; ``marks=False`` leaves out the line marks (for pairs the HTML does not show)."""
    units, marks_a, marks_b = defaultdict(float), {}, {}
    small, large = (prints_a, prints_b) if len(prints_a.where) <= len(prints_b.where) else (prints_b, prints_a)
    common = sorted(v for v in small.where if v in large.where and index.weight(v) >= MIN_WEIGHT)
    for fragment, value in enumerate(common):
        w = index.weight(value)
        where_a, where_b = prints_a.where[value], prints_b.where[value]
        units[(where_a[0][0], where_b[0][0])] += w
        if not marks:
            continue
        for marks_of, where in ((marks_a, where_a), (marks_b, where_b)):
            for unit, items in where:
                for item in items:
                    strongest, ids = marks_of.get((unit, item), (0.0, set()))
                    ids.add(fragment)
                    marks_of[(unit, item)] = (max(strongest, w), ids)
    return Breakdown(dict(units), marks_a, marks_b, common)


def public_source(index, common, against, shared):
    """(doc index, share) of the --against submission holding most of a pair's shared weight, or None."""
    by_doc = defaultdict(float)
    for value in common:
        w = index.weight(value)
        for doc in index.holders[value]:
            if doc in against:
                by_doc[doc] += w
    if not by_doc or not shared:
        return None
    doc = max(sorted(by_doc), key=by_doc.get)
    return doc, by_doc[doc] / shared
