"""Rubric validation (a mistake names its file, line and question) and scoring."""

import pytest

from nndl_hw4.checks import all_checks
from nndl_hw4.rubric import RubricError, default_rubric_path, load_rubric, parse_rubric
from nndl_hw4.scoring import BY_HAND, NOT_GRADED, SCORED, accuracy_fraction, score_question

from .conftest import run_cli, write_dir

CHECKS = ["adam/public", "adam/steps", "adam/state", "rmsprop/public", "rmsprop/steps"]
GOOD = """
[[question]]
id = "adam"
title = "Adam"
points = 10
kind = "auto"
checks = ["adam/*"]

[[question]]
id = "rmsprop"
title = "RMSProp"
points = 5
kind = "auto"
credit = "all-or-nothing"
checks = ["rmsprop/*"]

[[question]]
id = "essay"
title = "Essay"
points = 10
kind = "manual"
"""


def test_a_valid_rubric_resolves_its_patterns():
    rubric = parse_rubric(GOOD, "r.toml", CHECKS)
    assert [q.checks for q in rubric.questions] == [("adam/public", "adam/steps", "adam/state"),
                                                    ("rmsprop/public", "rmsprop/steps"), ()]
    assert rubric.total == 25


@pytest.mark.parametrize(("edit", "message"), [
    pytest.param(lambda t: t.replace('kind = "manual"', 'kind = "manual"\nbonus = 3'),
                 "r.toml:22: question 'essay': unknown key 'bonus'", id="unknown-key"),
    pytest.param(lambda t: t.replace('"rmsprop/*"', '"rmsprp/*"'),
                 "r.toml:15: question 'rmsprop': pattern 'rmsprp/*' matches no check", id="pattern-matches-nothing"),
    pytest.param(lambda t: t.replace('"rmsprop/*"', '"rmsprop/*", "adam/public"'),
                 "r.toml:15: question 'rmsprop': check 'adam/public' is also in question 'adam'", id="check-in-two"),
    pytest.param(lambda t: t.replace("points = 5", "points = -5"),
                 "r.toml:12: question 'rmsprop': points must be >= 0, not -5", id="negative-points"),
    pytest.param(lambda t: t.replace('kind = "manual"', 'kind = "essay"'),
                 "r.toml:21: question 'essay': kind must be one of auto, accuracy, manual", id="bad-kind"),
    pytest.param(lambda t: t.replace('id = "essay"', 'id = "adam"'),
                 "r.toml:18: question 'adam': id used twice", id="duplicate-id"),
    pytest.param(lambda t: t + "\n[[question]\n", "r.toml: not valid TOML", id="not-toml"),
    pytest.param(lambda t: "total = 3\n" + t, "r.toml: unknown top-level key(s) total", id="top-level-key"),
    pytest.param(lambda t: t.replace('points = 10\nkind = "manual"', 'points = 10\nkind = "manual"\nchecks = ["adam/*"]'),
                 "only kind = \"auto\" questions take 'checks'", id="checks-on-manual"),
])
def test_a_bad_rubric_is_an_error_naming_line_and_question(edit, message):
    with pytest.raises(RubricError) as error:
        parse_rubric(edit(GOOD), "r.toml", CHECKS)
    assert message in error.value.message


def test_a_bad_rubric_on_the_command_line_is_error_and_tip(tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(default_rubric_path().read_text().replace('points = 10\nkind = "auto"', 'points = -1\nkind = "auto"'))
    student = write_dir(tmp_path / "student")
    result = run_cli("grade", student, "--rubric", rubric, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"ERROR: {rubric}:")
    assert "question 'adam': points must be >= 0, not -1" in result.stderr
    assert "\nTIP: " in result.stderr
    missing = run_cli("grade", student, "--rubric", tmp_path / "nope.toml")
    assert missing.exit_code == 2 and "ERROR: cannot read the rubric" in missing.stderr


def test_the_packaged_rubric_is_valid_against_the_catalogue():
    rubric = load_rubric()
    assert rubric.total == 100
    kinds = {q.id: q.kind for q in rubric.questions}
    assert kinds["accuracy"] == "accuracy" and kinds["free_response"] == "manual"
    assert {q.part for q in rubric.questions if q.points} == {"Optimizers", "Batchnorm", "Dropout", "Final part"}
    assert all(q.checks for q in rubric.questions if q.kind == "auto")
    assert set(rubric.check_ids()) == {c.id for c in all_checks()}   # every check scores a question


@pytest.mark.parametrize(("passed", "adam", "rmsprop"), [
    pytest.param((True, True, True), 10, 5, id="all-pass"),
    pytest.param((True, False, True), 6.67, 0, id="one-fails"),
    pytest.param((False, False, False), 0, 0, id="none"),
])
def test_credit_is_proportional_or_all_or_nothing(passed, adam, rmsprop):
    rubric = parse_rubric(GOOD.replace('"rmsprop/*"', '"rmsprop/*", "adam/state"').replace(
        '["adam/*"]', '["adam/public", "adam/steps", "adam/extra"]'), "r.toml", CHECKS + ["adam/extra"])
    proportional, all_or_nothing, essay = rubric.questions
    assert score_question(proportional, dict(zip(proportional.checks, [(p, 1.0) for p in passed]))).points == adam
    assert score_question(all_or_nothing, dict(zip(all_or_nothing.checks, [(p, 1.0) for p in passed]))).points == rmsprop
    assert score_question(essay, {}).status == BY_HAND and score_question(essay, {}).points is None


def test_check_weights_share_the_points():
    rubric = parse_rubric(GOOD, "r.toml", CHECKS)
    adam = rubric.questions[0]
    score = score_question(adam, {"adam/public": (True, 1.0), "adam/steps": (False, 2.0), "adam/state": (True, 1.0)})
    assert (score.points, score.status, score.passed, score.total_checks) == (5.0, SCORED, 2, 3)
    accuracy = parse_rubric('[[question]]\nid="a"\ntitle="A"\npoints=20\nkind="accuracy"\n', "r", CHECKS)
    assert score_question(accuracy.questions[0], {}).status == NOT_GRADED


@pytest.mark.parametrize(("accuracy", "fraction"), [
    pytest.param(0.60, 1.0, id="60-full"), pytest.param(0.75, 1.0, id="75-capped"),
    pytest.param(0.584, 26 / 28, id="58.4-not-58.39999"), pytest.param(0.55, 23 / 28, id="55"),
    pytest.param(0.57, 25 / 28, id="57-not-56.99999"), pytest.param(0.329, 0.0, id="32.9"),
    pytest.param(0.20, 0.0, id="20-never-negative"), pytest.param(0.33, 1 / 28, id="33"),
])
def test_the_final_part_formula_of_the_spec(accuracy, fraction):
    assert accuracy_fraction(accuracy) == pytest.approx(fraction, abs=1e-12)
