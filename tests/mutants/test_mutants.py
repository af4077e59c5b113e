"""Each mistake loses points exactly where it should and is named; legitimate rewrites keep full marks.

Graded through the real pipeline (conftest.mutant_class). Which checks a
mistake fails is tests/checks/test_mutations.py's TABLE (observed in-process
there) plus EXPECTED below for the mistakes added with diagnosis; the points
lost follow from the rubric: exactly the questions worth points that hold a
failed check.
"""

import json

import pytest

from checks.test_mutations import TABLE
from nndl_hw4 import diagnosis, mutants
from nndl_hw4.diagnosis.mutation_score import COMBINED, REFERENCE, read_row

EXPECTED = {
    "adam-moments-not-stored": {"adam/defaults", "adam/float32", "adam/public", "adam/state", "adam/steps"},
    "nesterov-velocity-not-stored": {"sgd_nesterov_momentum/defaults", "sgd_nesterov_momentum/float32",
                                     "sgd_nesterov_momentum/public", "sgd_nesterov_momentum/state",
                                     "sgd_nesterov_momentum/steps", "sgd_nesterov_momentum/training"},
    "adam-t-incremented-after-use": {"adam/defaults", "adam/float32", "adam/public", "adam/steps", "adam/training"},
    "dropout-scale-by-p": {"dropout_forward/public", "dropout_forward/scaling", "fc_net_dropout/grads",
                           "fc_net_dropout/loss", "fc_net_dropout/masks", "fc_net_dropout/public_grads",
                           "fc_net_dropout/with_batchnorm"},
    "fc-reg-gradient-doubled": {"fc_net_batchnorm/grads", "fc_net_batchnorm/public_grads", "fc_net_dropout/grads",
                                "fc_net_dropout/with_batchnorm", "hw3/fc_grads", "hw3/public_fc_grads"},
    "batchnorm-test-no-eps": {"batchnorm_forward_test/after_warmup", "batchnorm_forward_test/given_stats",
                              "fc_net_batchnorm/test_scores"},
    "batchnorm-backward-dgamma-no-xhat": {"batchnorm_backward/gradients", "batchnorm_backward/public",
                                          "fc_net_batchnorm/grads", "fc_net_batchnorm/public_grads",
                                          "fc_net_dropout/with_batchnorm"},
    **{p.values[0]: set(p.values[1]) for p in TABLE},
}
# The network checks alone cannot tell these from a twin (diagnosis.TWINS); the layer's own
# checks settle which one it is, once the whole submission is judged.
TWINNED = {name for twins in diagnosis.TWINS for name in twins.ids}
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
    assert wrong == {}          # twins included: no sentence true of both is left once settled
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
    assert TWINNED <= {r.name for r in score.named}
    assert score.legit_broken == []
    assert diagnosis.errors == []         # graded in this process: nothing went wrong inside diagnosis
