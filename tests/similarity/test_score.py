"""Rarity weights, the inverted index and the pair score, on hand-made fingerprints."""

import math
import subprocess
import sys

import pytest

from nndl_hw4 import mutants
from nndl_hw4.similarity.extract import Code, StarterIndex, units_of
from nndl_hw4.similarity.fingerprint import Hasher, Prints, fingerprints
from nndl_hw4.similarity.score import (FLOOR, MIN_WEIGHT, breakdown, build_index, public_source, score,
                                       shared_weights, weight)
from nndl_hw4.similarity.starter import generated_starter


def prints(*values):
    p = Prints()
    for v in values:
        p.add(v, 0, (0,))
    return p


def test_weights_fall_with_the_share_of_the_class():
    assert weight(1, 300) == 0.0                      # nobody to share it with
    assert weight(2, 300) == 1.0
    assert [round(weight(d, 300), 2) for d in (4, 10, 30, 60)] == [0.88, 0.59, 0.15, 0.02]
    assert weight(75, 300) < MIN_WEIGHT               # a quarter of the class: counts for nothing
    assert weight(3, 10) == pytest.approx(math.exp(-1))     # small classes: at least one student per e
    assert all(weight(d, 50) > weight(d + 1, 50) for d in range(2, 49))


def test_only_pairs_sharing_a_scored_fingerprint_are_scored():
    common = list(range(1000, 1040))            # held by all 40: weight ~0, never paired
    docs = [prints(*common, 10 * i) for i in range(40)]
    docs[3] = prints(*common, 7, 8, 9)
    docs[5] = prints(*common, 7, 8, 9)
    index = build_index(docs)
    shared = shared_weights(index, students=40)
    assert set(shared) == {(3, 5)} and shared[(3, 5)] == pytest.approx(3.0)


def test_identical_submissions_score_1_and_small_ones_are_floored():
    many = list(range(100))
    docs = [prints(*many), prints(*many), prints(1, 2, 3), prints(1, 2, 3)] + [prints(500 + i) for i in range(20)]
    index = build_index(docs)
    shared = shared_weights(index, students=len(docs))
    assert score(index, 0, 1, shared[(0, 1)]) == pytest.approx(1.0)
    # Three shared fingerprints are not a copy, whatever their rarity: the floor.
    assert score(index, 2, 3, shared[(2, 3)]) == pytest.approx(shared[(2, 3)] / FLOOR) and shared[(2, 3)] < FLOOR


def test_against_documents_are_never_paired_with_each_other():
    docs = [prints(1, 2), prints(3, 4), prints(1, 2, 3, 4), prints(1, 2, 3, 4)]
    shared = shared_weights(build_index(docs), students=2)
    assert set(shared) == {(0, 2), (0, 3), (1, 2), (1, 3)}


def test_a_pair_that_shares_what_a_public_solution_has_is_attributed_to_it():
    index = build_index([prints(1, 2, 3, 9), prints(1, 2, 3, 8), prints(1, 2, 3), prints(5)])
    detail = breakdown(index, prints(1, 2, 3, 9), prints(1, 2, 3, 8))
    doc, share = public_source(index, detail.common, against={2, 3}, shared=sum(map(index.weight, detail.common)))
    assert doc == 2 and share == pytest.approx(1.0)


def test_fingerprints_are_the_same_in_every_process():
    """blake2b token ids and int-tuple hashes: str hashing is salted per process, these are not."""
    script = ("from nndl_hw4 import mutants\nfrom nndl_hw4.similarity.extract import Code, StarterIndex, units_of\n"
              "from nndl_hw4.similarity.fingerprint import Hasher, fingerprints\n"
              "from nndl_hw4.similarity.starter import generated_starter\n"
              "code = Code('x', '')\ncode.texts = mutants.reference_sources()\n"
              "code.units = units_of(code.texts, StarterIndex(generated_starter()), [])\n"
              "print(sorted(fingerprints(code, Hasher()).where)[:20])\n")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2)}
    code = Code("x", "")
    code.texts = mutants.reference_sources()
    code.units = units_of(code.texts, StarterIndex(generated_starter()), [])
    assert runs == {f"{sorted(fingerprints(code, Hasher()).where)[:20]}\n"}
