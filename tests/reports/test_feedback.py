"""feedback.md: points per question, each check with ✓/✗, never a hidden expected value."""

import numpy as np

from nndl_hw4.grading.batch import make_setup
from nndl_hw4.reports.feedback import points


def _feedback(graded, name):
    out, _, _ = graded
    return (out / name / "feedback.md").read_text()


def test_feedback_lists_points_and_every_check(graded):
    _, _, outcomes = graded
    record = outcomes["adam-no-bias-correction"].record
    adam = next(q for q in record["questions"] if q["id"] == "adam")
    text = _feedback(graded, "adam-no-bias-correction")
    assert text.startswith("# HW4 feedback: adam-no-bias-correction\n\n"
                           f"**Automatic score: {points(record['total'])} / {points(record['max'])} points.**")
    assert f"### Adam (optim.adam): {points(adam['points'])} / 10\n" in text
    assert text.count("- ✓ `adam`") + text.count("- ✗ `adam`") == adam["total_checks"]
    assert "### SGD with momentum (optim.sgd_momentum): 5 / 5" in text
    assert "- ✗ `adam` (hidden check: three steps carrying the config): the step taken at step 1: " \
           "max relative error" in text
    assert "- ✓ `rmsprop` (public check: the notebook's fixture)" in text
    assert "### Free-response questions: graded by hand (10 points)" in text


def test_a_stub_reads_not_implemented_yet_once_per_question(graded):
    _, _, outcomes = graded
    scored = [q for q in outcomes["starter-code"].record["questions"]
              if q["status"] == "scored" and q["kind"] == "auto"]
    text = _feedback(graded, "starter-code")
    assert text.count("✗ Not implemented yet.") == len(scored) > 0
    assert "NotImplementedError" not in text and "Traceback" not in text


def test_a_missing_module_is_named(graded):
    text = _feedback(graded, "missing-optim")
    assert "**Missing from your submission:** `nndl/optim.py`." in text
    assert "- ✗ `adam` (public check: the notebook's fixture): nndl/optim.py is missing from your submission" in text


def test_no_expected_value_of_a_failed_hidden_check_is_shown(graded):
    out, rubric, outcomes = graded
    text = _feedback(graded, "adam-no-bias-correction")
    record = outcomes["adam-no-bias-correction"].record
    setup = make_setup(rubric, None, out)
    checks = setup.checks
    failed = [c["id"] for q in record["questions"] for c in q["checks"] if not c["passed"]]
    assert failed
    for check_id in failed:
        expected = setup.runtime.expected(checks[check_id])
        if expected is None:
            continue
        values = np.concatenate([np.ravel(w) for w in expected["next_w"]])
        leaked = [f"{v:.4f}" for v in values if f"{v:.4f}" in text]
        assert not leaked, (check_id, leaked)


def test_instructor_details_stay_in_the_record(graded):
    _, _, outcomes = graded
    for outcome in outcomes.values():
        for question in outcome.record["questions"]:
            for check in question["checks"]:
                assert {"id", "passed", "message", "diagnosis", "detail", "outcome"} <= set(check)
