"""The final part's formula (spec section 4): min(floor(X - 32) / 28, 1), never below 0, X in percent."""

import pytest

from nndl_hw4.accuracy import ModelScore
from nndl_hw4.rubric import parse_rubric
from nndl_hw4.scoring import ACCURACY_STEPS, accuracy_fraction, score_question


@pytest.mark.parametrize(("accuracy", "steps"), [
    pytest.param(0.60, 28, id="60-full"),
    pytest.param(0.75, 28, id="75-capped-at-full"),
    pytest.param(1.0, 28, id="100"),
    pytest.param(0.599, 27, id="59.9"),
    pytest.param(0.584, 26, id="58.4"),
    pytest.param(0.57, 25, id="57"),
    pytest.param(0.55, 23, id="55"),
    pytest.param(0.33, 1, id="33-first-step"),
    pytest.param(0.329, 0, id="32.9"),
    pytest.param(0.325, 0, id="32.5"),
    pytest.param(0.32, 0, id="32"),
    pytest.param(0.20, 0, id="20-never-negative"),
    pytest.param(0.0, 0, id="0"),
])
def test_the_formula_at_its_edges(accuracy, steps):
    assert accuracy_fraction(accuracy) == steps / ACCURACY_STEPS   # exact: no tolerance needed


@pytest.mark.parametrize(("accuracy", "steps"), [
    pytest.param(584 / 1000, 26, id="584-of-1000"),        # 58.4 * ... = 58.39999999999999 without care
    pytest.param(0.1 + 0.484, 26, id="0.1+0.484"),
    pytest.param(0.58 + 0.004, 26, id="0.58+0.004"),
    pytest.param(57 / 100, 25, id="57-of-100"),             # 0.57 * 100 = 56.99999999999999
    pytest.param(0.29 + 0.31, 28, id="0.29+0.31"),          # 0.6 * 100 = 60.00000000000001 is fine too
    pytest.param(0.33 - 1e-7, 0, id="just-below-33"),       # 32.99999: rounding to 6 decimals keeps it
])
def test_floating_point_fractions_count_as_the_percent_they_print(accuracy, steps):
    assert accuracy_fraction(accuracy) == steps / ACCURACY_STEPS


@pytest.mark.parametrize(("correct", "percent_text", "steps", "points"), [
    (573, "57.3", 25, "17.86"), (600, "60.0", 28, "20"), (329, "32.9", 0, "0"), (584, "58.4", 26, "18.57"),
])
def test_a_model_score_reads_as_accuracy_and_steps(correct, percent_text, steps, points):
    fraction = accuracy_fraction(correct / 1000)
    score = ModelScore(split="val", fraction=fraction, accuracy=correct / 1000, correct=correct, images=1000)
    assert score.steps == steps
    assert score.message == f"validation accuracy {percent_text}% → {steps}/28 of the points"
    question = parse_rubric('[[question]]\nid="a"\ntitle="A"\npoints=20\nkind="accuracy"\n', "r", []).questions[0]
    assert f"{score_question(question, {}, score).points:g}" == points
