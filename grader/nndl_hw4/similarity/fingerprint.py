"""Fingerprints of a submission's own code: winnowed k-grams plus one per statement.

Per unit, the student's own items (extract.py) make one token stream. Two
kinds of fingerprint come out of it, both plain 64-bit ints that the index
(score.py) treats alike:

- **k-grams, winnowed** (Schleimer, Wilkerson and Aiken 2003, as MOSS, JPlag
  and Dolos do): hashes of every run of ``K`` tokens, of which each window of
  ``WINDOW`` consecutive hashes keeps its minimum. Any common run of at least
  ``K + WINDOW - 1`` tokens is guaranteed to share a fingerprint. Before the
  k-grams are cut, each block of consecutive simple statements at one depth
  is SORTED by its normalised text: independent statements written in another
  order give the same stream. (Dependent ones cannot move anyway.)
- **statements**: one hash per normalised statement, so a rare one-liner
  (most answers here are one or two lines, shorter than a k-gram) still
  counts, in any order.

Hashes are stable from run to run: tokens get their ids from blake2b (str
``hash()`` is salted per process), and a k-gram is the hash of a tuple of
ints (deterministic in CPython). The token ids live in a ``Hasher`` the caller
owns, not in a module-level cache.
"""

import hashlib
from dataclasses import dataclass, field

K = 12            # tokens per k-gram: about one statement (a one-liner is 8-30 tokens)
WINDOW = 6        # every common run of K + WINDOW - 1 = 17 tokens is caught
MIN_STATEMENT = 4  # shorter statements (``return v1``, ``else``) carry no evidence of their own
STATEMENT = 1 << 64   # folded into statement hashes so they never equal a k-gram's


class Hasher:
    """Stable 64-bit ids for tokens (memoised per instance)."""

    def __init__(self):
        self._ids = {}

    def id(self, token):
        value = self._ids.get(token)
        if value is None:
            value = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")
            self._ids[token] = value
        return value


@dataclass
class Prints:
    """A submission's fingerprints: {hash: [(unit index, item indices it covers)]}."""

    where: dict = field(default_factory=dict)

    def add(self, value, unit, items):
        self.where.setdefault(value, []).append((unit, items))


def sorted_blocks(items, indices):
    """``indices`` (of items) reordered: each run of simple statements at one depth sorted by tokens."""
    out, run = [], []

    def flush():
        out.extend(sorted(run, key=lambda i: items[i].tokens))
        run.clear()

    for i in indices:
        if items[i].simple and (not run or items[run[-1]].depth == items[i].depth):
            run.append(i)
        else:
            flush()
            (run if items[i].simple else out).append(i)
    flush()
    return out


def fingerprints(code, hasher):
    """Prints of a Code (extract.py): its own units only."""
    prints = Prints()
    for u, unit in enumerate(code.units):
        own = [i for i, mine in enumerate(unit.own) if mine]
        if not own:
            continue
        stream, origin = [], []          # token ids, and the item each token comes from
        for i in sorted_blocks(unit.items, own):
            item = unit.items[i]
            ids = [hasher.id(f"d{item.depth}")] + [hasher.id(t) for t in item.tokens]
            stream += ids
            origin += [i] * len(ids)
            if len(item.tokens) >= MIN_STATEMENT:
                prints.add(hash((STATEMENT, *ids[1:])), u, (i,))
        for start, value in winnow(stream):
            prints.add(value, u, tuple(sorted(set(origin[start:start + K]))))
    return prints


def winnow(stream):
    """[(start, hash)] of the k-grams that winnowing selects; a stream shorter than K is one k-gram."""
    if not stream:
        return []
    if len(stream) <= K:
        return [(0, hash(tuple(stream)))]
    hashes = [hash(tuple(stream[i:i + K])) for i in range(len(stream) - K + 1)]
    if len(hashes) <= WINDOW:
        best = min(range(len(hashes)), key=lambda i: (hashes[i], -i))
        return [(best, hashes[best])]
    selected, last = [], -1
    for end in range(WINDOW, len(hashes) + 1):
        window = range(end - WINDOW, end)
        best = min(window, key=lambda i: (hashes[i], -i))     # the rightmost minimum
        if best != last:
            selected.append((best, hashes[best]))
            last = best
    return selected
