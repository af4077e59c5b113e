"""Each mistake loses points exactly where it should and is named; legitimate rewrites keep full marks.

Graded through the real pipeline (conftest.mutant_class). Which checks a
mistake fails is tests/checks/test_mutations.py's TABLE (observed in-process
there: a layer's mistake fails only its layer's checks, the network checks run
trusted layers); the points lost follow from the rubric: exactly the questions
worth points that hold a failed check.
"""

import json

import pytest

from checks.test_mutations import TABLE
from nndl_hw4 import diagnosis, mutants
from nndl_hw4.diagnosis.mutation_score import COMBINED, REFERENCE, read_row

EXPECTED = {p.values[0]: set(p.values[1]) for p in TABLE}
MISTAKES = [m.id for m in mutants.CATALOGUE if not m.legit]
LEGIT = [REFERENCE] + [m.id for m in mutants.CATALOGUE if m.legit] + list(COMBINED)


def _record_questions(out, name):
    return json.loads((out / name / "grading.json").read_text())["questions"]


def _auto(questions):
    """Ids of the questions scored from checks (the final part's accuracy and free response are not)."""
    return {q["id"] for q in questions if q["kind"] == "auto"}


@pytest.mark.parametrize("name", MISTAKES)
def test_a_mistake_loses_points_exactly_where_it_should(name, mutant_class):
    out, written, _, result = mutant_class
    assert result.exit_code == 0, result.output
    row = read_row(out, name, written[name])
    assert row.failed, f"{name} survived"
    if name in EXPECTED:
        assert row.failed == EXPECTED[name]
    questions = _record_questions(out, name)
    should_lose = {q["id"] for q in questions if q["kind"] == "auto" and q["max_points"] > 0
                   and any(c["id"] in row.failed for c in q["checks"])}
    assert row.lost & _auto(questions) == should_lose       # full marks on every other automatic question


@pytest.mark.parametrize("name", MISTAKES)
def test_a_mistake_is_named_and_nothing_else_is(name, mutant_class):
    out, written, _, _ = mutant_class
    row = read_row(out, name, written[name])
    mine = diagnosis.describe(written[name][0])
    wrong = {cid: text for cid, text in row.diagnoses.items() if text != mine}
    assert wrong == {}
    assert row.named, f"{name} is not named on any of {sorted(row.failed)}"


@pytest.mark.parametrize("name", LEGIT)
def test_a_legitimate_rewrite_keeps_full_marks_and_no_diagnosis(name, mutant_class):
    out, written, _, _ = mutant_class
    row = read_row(out, name, written[name])
    assert row.failed == set() and row.diagnoses == {}
    assert row.lost & _auto(_record_questions(out, name)) == set()


def test_the_mutation_score(mutant_class):
    _, _, score, _ = mutant_class
    assert len(score.killed) == len(score.mistakes) >= 30
    assert [r.name for r in score.killed if not r.named] == []
    assert score.legit_broken == []


def test_nothing_went_wrong_inside_diagnosis(mutant_class):
    _, _, _, result = mutant_class
    assert "inside diagnosis" not in result.output      # the grade command warns when it did
