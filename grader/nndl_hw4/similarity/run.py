"""One similarity run: read the class, fingerprint it, score the pairs, gather the evidence.

The pipeline, one module per step: ``extract`` (what each student wrote,
starter subtracted) -> ``normalise`` (tokens that survive disguises) ->
``fingerprint`` (winnowed k-grams and statements) -> ``score`` (inverted
index, rarity weights, pair scores) -> ``behaviour`` (shared rare wrong
outputs from the grading records) -> ``report`` (HTML and CSV).
"""

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from ..errors import UsageError
from ..grading.submission import discover
from . import score as scoring
from .behaviour import Behaviour, load_behaviour, strong
from .extract import StarterIndex, read_submission
from .fingerprint import Hasher, fingerprints
from .starter import generated_starter

TOP = 30            # pairs under the threshold still shown in the HTML, to show the margin
DEFAULT_JOBS = max(1, min(4, os.cpu_count() or 1))
PARALLEL_FROM = 40  # submissions it takes to read them in worker processes (starting them costs ~0.3 s)
CSV_MIN = 0.1       # pairs scoring less are left out of similarity.csv (unless flagged)
PUBLIC_SHARE = 0.5  # a pair "shares a public solution" when that one holds this much of what they share
COPIED, MISTAKES = "copied code", "shared rare mistakes"


@dataclass
class Pair:
    a: int                       # document indices (class first, then --against)
    b: int
    score: float
    shared: float
    mistakes: list = field(default_factory=list)     # [behaviour.SharedMistake]
    flags: list = field(default_factory=list)        # [COPIED, MISTAKES]
    public: tuple | None = None                      # (against doc index, share of the shared weight)
    detail: object = None                            # score.Breakdown, for pairs the report details


@dataclass
class Result:
    codes: list                  # [extract.Code]: the class, then the --against submissions
    students: int                # how many of codes are the class
    prints: list
    index: object
    pairs: list                  # every pair worth a row, best first
    threshold: float
    behaviour: Behaviour
    starter: str                 # where the starter came from
    seconds: float = 0.0
    shown: list = field(default_factory=list)        # the pairs the HTML details
    scores: list = field(default_factory=list)       # the score of every pair sharing a weighted fingerprint

    def name(self, doc):
        return self.codes[doc].name

    @property
    def flagged(self):
        return [p for p in self.pairs if p.flags]


def unit_pairs(result, pair, limit=None):
    """[(unit a, unit b, shared weight)] of a pair, most shared first: its per-function breakdown."""
    ranked = sorted(pair.detail.units.items(), key=lambda item: -item[1])[:limit]
    return [(result.codes[pair.a].units[ua], result.codes[pair.b].units[ub], w) for (ua, ub), w in ranked]


def _against(folders, exclude):
    found = []
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise UsageError(f"--against {folder}: no such folder",
                             hint="pass a folder of earlier submissions or public solutions (each holding nndl/)")
        group = folder.name
        found += [(group, s) for s in discover([folder], exclude=exclude)]
    return found


def _read_chunk(starter, chunk):
    """Codes of [(submission, kind, group)]: one worker's share (the starter indexed once per chunk)."""
    index = StarterIndex(starter)
    return [read_submission(submission, index, kind, group) for submission, kind, group in chunk]


def read_all(starter, entries, jobs):
    """Codes of [(submission, kind, group)], in order.

    Parsing and normalising is CPU-bound Python, so a large class is read by ``jobs`` forked worker
    processes (fork: no re-import of the caller's main module, as spawn and forkserver need). Only
    from a single-threaded process: forking one with other threads running can deadlock.
    """
    if jobs <= 1 or len(entries) < PARALLEL_FROM or threading.active_count() > 1:
        return _read_chunk(starter, entries)
    size = -(-len(entries) // (4 * jobs))
    chunks = [entries[i:i + size] for i in range(0, len(entries), size)]
    with ProcessPoolExecutor(jobs, mp_context=get_context("fork")) as pool:
        return [code for codes in pool.map(_read_chunk, [starter] * len(chunks), chunks) for code in codes]


def run(submissions, out, against=(), grades=None, starter=None, threshold=scoring.THRESHOLD, top=TOP,
        jobs=DEFAULT_JOBS):
    """Result of comparing ``submissions`` ([grading.submission.Submission], found by ``discover`` as
    ``grade`` finds them) with each other and with the submissions in the ``against`` folders."""
    started = time.perf_counter()
    out = Path(out)
    if not 0 < threshold <= 1:
        raise UsageError(f"--threshold must be in (0, 1], not {threshold:g}")
    extra = _against(against, exclude=[out])
    starter = starter or generated_starter()
    codes = read_all(starter, [(s, "student", "") for s in submissions] + [(s, "against", g) for g, s in extra], jobs)
    for code in codes[len(submissions):]:
        code.name = f"{code.group}/{code.name}"
    hasher = Hasher()
    prints = [fingerprints(code, hasher) for code in codes]
    index = scoring.build_index(prints)
    shared = scoring.shared_weights(index, len(submissions))
    behaviour = load_behaviour(codes[:len(submissions)], Path(grades) if grades else out)
    result = Result(codes, len(submissions), prints, index, [], threshold, behaviour, starter.origin)
    result.pairs = _pairs(result, shared, top)
    result.seconds = time.perf_counter() - started
    return result


def _pairs(result, shared, top):
    index, by_name = result.index, {c.name: i for i, c in enumerate(result.codes)}
    pairs = {}
    for (a, b), weight in shared.items():
        pairs[(a, b)] = Pair(a, b, scoring.score(index, a, b, weight), weight)
    for (name_a, name_b), mistakes in result.behaviour.pairs.items():
        a, b = sorted((by_name[name_a], by_name[name_b]))
        pairs.setdefault((a, b), Pair(a, b, 0.0, 0.0)).mistakes = mistakes
    for pair in pairs.values():
        if pair.score >= result.threshold:
            pair.flags.append(COPIED)
        if pair.mistakes and strong(pair.mistakes):
            pair.flags.append(MISTAKES)
    result.scores = [p.score for p in pairs.values() if p.shared]
    ranked = sorted(pairs.values(), key=lambda p: (-p.score, -len(p.mistakes), result.name(p.a), result.name(p.b)))
    kept = [p for p in ranked if p.flags or p.score >= CSV_MIN or p.mistakes]
    against = set(range(result.students, len(result.codes)))
    unflagged = 0
    for pair in kept:
        unflagged += not pair.flags
        shown = bool(pair.flags) or unflagged <= top
        pair.detail = scoring.breakdown(index, result.prints[pair.a], result.prints[pair.b], marks=shown)
        if shown:
            result.shown.append(pair)
        if pair.b < result.students and against:
            found = scoring.public_source(index, pair.detail.common, against, pair.shared)
            pair.public = found if found and found[1] >= PUBLIC_SHARE else None
    return kept
