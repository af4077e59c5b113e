"""A diagnosis never names a mistake the student did not make.

The reference, every legitimate variant and code that is wrong in ways the
catalogue does not know (random outputs, other bugs) match no mistake on any
check, passing or failing.
"""

import numpy as np
import pytest

from nndl_hw4 import diagnosis, mutants

LEGIT = [m for m in mutants.CATALOGUE if m.legit]


def _matches(observations, checks, runtime):
    found = {}
    for check_id, observation in observations.items():
        if observation.status in ("ok", "error"):
            error = observation.error if observation.status == "error" else None
            hits = diagnosis.matching(runtime, checks[check_id], observation.outputs, error)
            if hits:
                found[check_id] = sorted(hits)
    return found


def test_the_reference_matches_no_mistake_on_any_check(observed, runtime):
    observations, checks = observed()
    assert all(o.status == "ok" for o in observations.values())
    assert _matches(observations, checks, runtime) == {}


@pytest.mark.parametrize("mutation", LEGIT, ids=lambda m: m.id)
def test_a_legitimate_variant_matches_no_mistake(mutation, observed, runtime):
    observations, checks = observed(mutation)
    assert observations, f"{mutation.id} changes no check"
    assert _matches(observations, checks, runtime) == {}


def _garbage(value, g):
    """The same tree with every float replaced by random numbers of the same shape and dtype."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return g.normal(size=value.shape).astype(value.dtype)
    if isinstance(value, dict):
        return {k: _garbage(v, g) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_garbage(v, g) for v in value)
    if isinstance(value, float):
        return float(g.normal())
    return value


def test_random_outputs_of_the_right_shape_match_no_mistake(observed, runtime):
    observations, checks = observed()
    g = np.random.default_rng(0)
    found = {}
    for check_id, observation in observations.items():
        hits = diagnosis.matching(runtime, checks[check_id], _garbage(observation.outputs, g))
        if hits:
            found[check_id] = sorted(hits)
    assert found == {}


# Wrong code the catalogue does not know: each fails checks, none may be named.
UNKNOWN_BUGS = [
    mutants.Mutation("adam-lr-doubled", "optim",
                     (("    next_w = w - config['learning_rate'] * v_hat",
                       "    next_w = w - 2 * config['learning_rate'] * v_hat"),), "Adam steps twice as far"),
    mutants.Mutation("momentum-half-gradient", "optim",
                     (("    v = config['momentum'] * v - config['learning_rate'] * dw\n    next_w = w + v\n",
                       "    v = config['momentum'] * v - 0.5 * config['learning_rate'] * dw\n    next_w = w + v\n"),),
                     "momentum with half the gradient"),
    mutants.Mutation("batchnorm-gamma-squared", "layers",
                     (("        out = gamma * x_hat + beta\n", "        out = gamma**2 * x_hat + beta\n"),),
                     "batchnorm scales by gamma squared"),
    mutants.Mutation("dropout-drops-too-many", "layers",
                     (("mask = ((np.random.rand(*x.shape) < p) / p)",
                       "mask = ((np.random.rand(*x.shape) < p - 0.1) / p)"),), "dropout keeps p - 0.1"),
    mutants.Mutation("fc-reg-tripled-in-loss", "fc_net",
                     (("            loss += 0.5 * self.reg * sum(np.sum(W * W) for W in weights)\n",
                       "            loss += 1.5 * self.reg * sum(np.sum(W * W) for W in weights)\n"),), "L2 term x3"),
    mutants.Mutation("relu-leaky", "layers",
                     (("    out = np.maximum(x, 0)\n", "    out = np.maximum(x, 0.01 * x)\n"),), "a leaky ReLU"),
]


@pytest.mark.parametrize("mutation", UNKNOWN_BUGS, ids=lambda m: m.id)
def test_an_unknown_bug_fails_checks_but_is_never_named(mutation, observed, runtime):
    from nndl_hw4.grading.judging import judge
    observations, checks = observed(mutation)
    verdicts = {cid: judge(checks[cid], o, runtime) for cid, o in observations.items()}
    failed = [cid for cid, v in verdicts.items() if not v.passed]
    assert failed, f"{mutation.id} fails no check"
    assert {cid: v.diagnosis for cid, v in verdicts.items() if v.diagnosis} == {}
