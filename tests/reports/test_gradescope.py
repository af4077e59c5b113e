"""results.json follows Gradescope's schema (spec section 8): one test per rubric question."""

import json

import pytest

from gradescope.schema import validate_results


def _results(graded, name):
    out, _, _ = graded
    return json.loads((out / name / "results.json").read_text())


@pytest.mark.parametrize("name", ["reference", "starter-code", "adam-no-bias-correction", "missing-optim", "corrupt"])
def test_results_json_fits_the_gradescope_schema(graded, name):
    validate_results(_results(graded, name))


def test_one_test_per_question_and_the_score_is_their_sum(graded):
    _, rubric, _ = graded
    results = _results(graded, "adam-no-bias-correction")
    assert [t["name"] for t in results["tests"]] == [q.title for q in rubric.questions]
    assert results["score"] == round(sum(t["score"] for t in results["tests"]), 2)
    adam = next(t for t in results["tests"] if "adam" in t["tags"])
    assert adam["status"] == "failed" and 0 < adam["score"] < adam["max_score"] == 10
    checks = len(rubric.questions[[q.id for q in rubric.questions].index("adam")].checks)
    check_lines = [line for line in adam["output"].splitlines() if line.startswith("- ")]
    assert len(check_lines) == checks and "✗ `adam`" in adam["output"]   # a line per check


def test_questions_not_scored_here_are_informational_rows(graded):
    results = _results(graded, "reference")
    by_tag = {t["tags"][-1]: t for t in results["tests"]}
    free = by_tag["free_response"]
    assert free["max_score"] == 0 == free["score"] and "status" not in free
    assert free["output"].startswith("Graded by hand (10 points")
    assert "graded by hand" in results["output"]
    # The final part is scored here: this reference hands in no model.npz, so 0 of 20, saying why.
    accuracy = by_tag["accuracy"]
    assert (accuracy["score"], accuracy["max_score"], accuracy["status"]) == (0, 20, "failed")
    assert "no model.npz" in accuracy["output"]


def test_a_submission_that_failed_to_grade_scores_0_with_the_reason(graded):
    results = _results(graded, "corrupt")
    assert results["score"] == 0 and results["tests"] == []
    assert "could not be graded: corrupt.zip is not a readable zip file" in results["output"]
