"""A mistake is named even when written differently from the catalogue; with cascading, twins get one
sentence until the layer's own checks settle which one it is.

Signatures recognise dropout mistakes whatever random numbers the student's
mask uses; a legitimate rewrite in the same function (epsilon inside the
square root) does not hide the mistake; the verdict carries the diagnosis.
"""

import pytest

from nndl_hw4 import diagnosis, mutants
from nndl_hw4.checks.base import Verdict
from nndl_hw4.grading.judging import judge
from nndl_hw4.runtime import Runtime

DRAW = "mask = ((np.random.rand(*x.shape) < p) / p)"     # the reference's, in the default (keep) course


def _rewrite(mutation_id, module, old, new):
    return mutants.Mutation(f"{mutation_id}-rewritten", module, ((old, new),), "rewritten")


REWRITTEN = [
    # (the mistake it is, another way of writing it, the checks that must name it)
    pytest.param("dropout-other-convention",
                 _rewrite("dropout-other-convention", "layers", DRAW,
                          "mask = (np.random.binomial(1, 1 - p, size=x.shape) / (1 - p))"),
                 {"dropout_forward/public", "dropout_forward/drop_fraction", "dropout_forward/scaling"},
                 id="other-convention-with-binomial"),
    pytest.param("dropout-no-inverted-scaling",
                 _rewrite("dropout-no-inverted-scaling", "layers", DRAW, "mask = (np.random.uniform(size=x.shape) < p)"),
                 {"dropout_forward/public", "dropout_forward/scaling"},
                 id="no-scaling-with-uniform"),
    pytest.param("dropout-mask-at-test",
                 _rewrite("dropout-mask-at-test", "layers", "        out = x\n",
                          "        out = x * np.random.binomial(1, p, size=x.shape) / p\n"),
                 {"dropout_forward/test_identity"}, id="mask-at-test-with-binomial"),
    pytest.param("batchnorm-variance-ddof1",
                 _rewrite("batchnorm-variance-ddof1", "layers", "var = x.var(axis=0)",
                          "var = ((x - x.mean(axis=0))**2).sum(axis=0) / (x.shape[0] - 1)"),
                 {"batchnorm_forward_train/output", "batchnorm_backward/gradients"}, id="ddof1-by-hand"),
    pytest.param("fc-reg-no-half",
                 _rewrite("fc-reg-no-half", "fc_net",
                          "            loss += 0.5 * self.reg * sum(np.sum(W * W) for W in weights)\n",
                          "            for W in weights:\n                loss += self.reg * np.sum(W ** 2)\n"),
                 {"hw3/fc_loss", "fc_net_batchnorm/loss"}, id="no-half-in-a-loop"),
]


@pytest.mark.parametrize("mistake_id, rewritten, must_name", REWRITTEN)
def test_a_mistake_written_differently_is_named(mistake_id, rewritten, must_name, observed, runtime):
    observations, checks = observed(rewritten)
    want = diagnosis.describe(mutants.by_id(mistake_id))
    verdicts = {cid: judge(checks[cid], o, runtime) for cid, o in observations.items()}
    named = {cid for cid, v in verdicts.items() if v.diagnosis == want}
    assert must_name <= named, sorted(must_name - named)
    others = {cid: v.diagnosis for cid, v in verdicts.items() if v.diagnosis and v.diagnosis != want}
    assert others == {}


@pytest.mark.parametrize("mistake_id, legit_id", [
    ("adam-no-bias-correction", "adam-epsilon-inside-sqrt"),
    ("rmsprop-decay-swapped", "rmsprop-epsilon-inside-sqrt"),
    ("adam-only-first-moment-corrected", "adam-epsilon-inside-sqrt"),
])
def test_a_legitimate_rewrite_of_the_same_function_does_not_hide_the_mistake(mistake_id, legit_id, observed,
                                                                              runtime):
    mistake = mutants.by_id(mistake_id)
    observations, checks = observed(mistake, mutants.by_id(legit_id))
    verdicts = {cid: judge(checks[cid], o, runtime) for cid, o in observations.items()}
    failed = {cid for cid, v in verdicts.items() if not v.passed}
    named = {cid for cid, v in verdicts.items() if v.diagnosis == diagnosis.describe(mistake)}
    assert failed and named, failed
    assert all(v.diagnosis in (None, diagnosis.describe(mistake)) for v in verdicts.values())


def test_network_checks_do_not_see_a_layers_mistake_so_no_twins_arise(observed, runtime):
    # One mistake, one penalty: the network runs trusted layers, so only the network's own mistake shows.
    observations, checks = observed(mutants.by_id("fc-dropout-no-backward"))
    verdict = judge(checks["fc_net_dropout/grads"], observations["fc_net_dropout/grads"], runtime)
    assert verdict.diagnosis == diagnosis.describe(mutants.by_id("fc-dropout-no-backward"))
    observations, checks = observed(mutants.by_id("dropout-backward-ignores-mask"))
    assert not any(cid.startswith("fc_net") for cid in observations)


def test_twins_get_one_sentence_true_of_both(observed, runtimes):
    observations, checks = observed(mutants.by_id("fc-dropout-no-backward"), cascade=True)
    verdict = judge(checks["fc_net_dropout/grads"], observations["fc_net_dropout/grads"], runtimes[True])
    assert not verdict.passed
    assert "either dropout_backward passes dout through unchanged or the network never calls" in verdict.diagnosis
    assert "fc-dropout-no-backward" in verdict.detail and "dropout-backward-ignores-mask" in verdict.detail


def _judged(observed, runtime, *applied):
    """{check id: Verdict} of every check the mutations touch (with cascading), plus the reference's
    verdicts on the dropout layer's own checks (the witnesses) when the mutations leave that layer alone."""
    observations, checks = observed(*applied, cascade=True)
    verdicts = {cid: judge(checks[cid], o, runtime) for cid, o in observations.items()}
    ref_observations, ref_checks = observed(cascade=True)
    for twins in diagnosis.TWINS:
        for cid in twins.witnesses:
            verdicts.setdefault(cid, judge(ref_checks[cid], ref_observations[cid], runtime))
    return verdicts


@pytest.mark.parametrize("mistake_id, check_id", [
    ("fc-dropout-no-backward", "fc_net_dropout/grads"),
    ("dropout-backward-ignores-mask", "fc_net_dropout/grads"),
    ("fc-dropout-always-train", "fc_net_dropout/test_scores"),
    ("dropout-mask-at-test", "fc_net_dropout/test_scores"),
])
def test_with_cascading_the_layers_own_checks_settle_which_twin_it_is(mistake_id, check_id, observed, runtimes):
    runtime = runtimes[True]
    mistake = mutants.by_id(mistake_id)
    verdicts = _judged(observed, runtime, mistake)
    twins = next(t for t in diagnosis.TWINS if mistake_id in t.ids)
    assert verdicts[check_id].diagnosis == twins.text       # the network check alone cannot tell
    settled = diagnosis.settle(runtime, verdicts)
    assert settled[check_id].diagnosis == diagnosis.describe(mistake)
    assert settled[check_id].passed is False and settled[check_id].message == verdicts[check_id].message
    assert settled[check_id].detail.endswith(f"diagnosis: {mistake_id} (twins, settled by {', '.join(twins.witnesses)})")
    assert runtime.errors == []


def test_twins_stay_unsettled_when_the_witnesses_are_absent_or_fail_for_another_reason(observed, runtimes):
    runtime = runtimes[True]
    twins = next(t for t in diagnosis.TWINS if "fc-dropout-no-backward" in t.ids)
    verdicts = _judged(observed, runtime, mutants.by_id("fc-dropout-no-backward"))
    without = {cid: v for cid, v in verdicts.items() if cid not in twins.witnesses}
    assert diagnosis.settle(runtime, without)["fc_net_dropout/grads"].diagnosis == twins.text
    other = dict(verdicts, **{twins.witnesses[0]: Verdict.fail("dropout_backward: wrong dx")})
    assert diagnosis.settle(runtime, other)["fc_net_dropout/grads"].diagnosis == twins.text


def test_settle_never_raises(observed):
    runtime = Runtime(cascade=True)       # its own error sink
    verdicts = _judged(observed, runtime, mutants.by_id("fc-dropout-no-backward"))
    broken = dict(verdicts, **{"dropout_backward/mask": None})   # what a grader bug could hand it
    assert diagnosis.settle(runtime, broken) is broken
    assert runtime.errors and runtime.errors[-1].startswith("settle: AttributeError")


def test_an_error_is_fingerprinted_by_type_message_and_function(observed, runtime):
    mistake = mutants.by_id("affine-forward-no-reshape")
    observations, checks = observed(mistake)
    observation = observations["hw3/affine_forward"]
    assert observation.status == "error"
    assert judge(checks["hw3/affine_forward"], observation, runtime).diagnosis == diagnosis.describe(mistake)
    other = dict(observation.error, where="nndl/layers.py:12 in relu_forward")
    assert diagnosis.diagnose(runtime, checks["hw3/affine_forward"], error=other) is None


def test_the_verdict_tells_instructors_how_the_mistake_was_recognised(observed, runtime):
    observations, checks = observed(mutants.by_id("dropout-other-convention"))
    verdict = judge(checks["dropout_forward/drop_fraction"], observations["dropout_forward/drop_fraction"], runtime)
    assert verdict.detail == "diagnosis: dropout-other-convention (signature)"


def test_diagnosis_can_be_switched_off(observed):
    observations, checks = observed(mutants.by_id("adam-no-bias-correction"))
    verdict = judge(checks["adam/steps"], observations["adam/steps"], Runtime(diagnose=False))
    assert not verdict.passed and verdict.diagnosis is None
