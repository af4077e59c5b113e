"""The matching rules themselves: tight matches, evidence, signatures of dropout masks."""

import numpy as np
import pytest

from nndl_hw4.diagnosis.fingerprint import MATCH_RTOL, compare
from nndl_hw4.diagnosis.signatures import inverted, scaled

REF = np.array([1.0, 2.0, 3.0])
MISTAKE = np.array([1.0, 2.5, 3.0])


@pytest.mark.parametrize("student, want", [
    pytest.param(MISTAKE.copy(), (True, True), id="equal-to-the-mistake"),
    pytest.param(MISTAKE * (1 + 0.1 * MATCH_RTOL), (True, True), id="within-the-match-tolerance"),
    pytest.param(MISTAKE * (1 + 100 * MATCH_RTOL), (False, False), id="beyond-the-match-tolerance"),
    pytest.param(MISTAKE.astype(np.float32), (True, True), id="float32-twin"),
    pytest.param(MISTAKE[:2], (False, False), id="another-shape"),
    pytest.param(REF.copy(), (False, False), id="the-reference"),
])
def test_an_array_matches_tightly(student, want):
    assert compare(student, MISTAKE, REF) == want


def test_no_evidence_when_the_mistake_equals_the_reference():
    assert compare(REF.copy(), REF.copy(), REF) == (True, False)


def test_nan_agreeing_with_nan_is_never_evidence():
    nan = np.full(3, np.nan)
    assert compare(nan.copy(), nan, REF) == (True, False)
    assert compare(np.array([np.nan, 2.5, 3.0]), np.array([np.nan, 2.5, 3.0]), REF) == (True, True)
    assert compare(np.array([1.0, np.nan, 3.0]), np.array([np.nan, 2.5, 3.0]), REF) == (False, False)


def test_extra_student_keys_are_ignored_but_a_key_the_mistake_never_writes_must_be_missing():
    mistake, reference = {"a": MISTAKE}, {"a": REF, "running_mean": REF}
    assert compare({"a": MISTAKE, "eps": 1e-5}, mistake, reference) == (True, True)
    assert compare({"a": MISTAKE, "running_mean": REF}, mistake, reference) == (False, False)
    assert compare({"a": REF}, {"a": REF}, reference) == (True, True)     # the missing key is the evidence


def test_integers_strings_and_none_must_be_equal():
    assert compare({"t": 0}, {"t": 0}, {"t": 3}) == (True, True)
    assert compare({"t": 1}, {"t": 0}, {"t": 3}) == (False, False)
    assert compare({"raised": None}, {"raised": None}, {"raised": "ValueError"}) == (True, True)
    assert compare("test", "test", "train") == (True, False)          # a string is never evidence


def test_a_mistakes_dtype_is_its_fingerprint():
    mistake, reference = REF.astype(np.float64), REF.astype(np.float32)
    assert compare(REF.astype(np.float64), mistake, reference) == (True, True)
    assert compare(REF.astype(np.float32), mistake, reference) == (False, False)


@pytest.fixture
def x():
    return np.random.default_rng(1).normal(size=(200, 150)) + 10


def _dropout(x, keep, scale, seed=2):
    return x * (np.random.default_rng(seed).random(x.shape) < keep) * scale


def test_the_inverted_rule_holds_for_any_draw_within_binomial_bounds(x):
    p = 0.3
    for seed in range(5):
        assert inverted(p, 1 / (1 - p))(x, _dropout(x, 1 - p, 1 / (1 - p), seed))
    assert not inverted(p, 1 / (1 - p))(x, _dropout(x, p, 1 / p))           # p read as the keep probability
    assert inverted(1 - p, 1 / p)(x, _dropout(x, p, 1 / p))
    assert not inverted(p, 1 / (1 - p))(x, _dropout(x, 1 - p, 1.0))         # no inverted scaling
    assert not inverted(p, 1 / (1 - p))(x, _dropout(x, 1 - p - 0.05, 1 / (1 - p)))   # drops too many


def test_the_scaled_rule_is_exact(x):
    assert scaled(0.7)(x, x * 0.7)
    assert not scaled(0.7)(x, x * 0.7000001)
    assert scaled(1.0)(x, x.copy())
