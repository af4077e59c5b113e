"""The reference update rules (nndl/optim.py) against the public fixtures and a
plain-Python oracle of the formulas in spec section 2."""

import math

import numpy as np
import pytest

from nndl_hw4.fixtures import PUBLIC_TOLERANCE, public_optim_fixtures
from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.nndl import optim

# The oracle below evaluates the same IEEE-754 double formulas one element at a
# time; only rounding can separate it from the vectorised reference (measured
# over 3 steps: 0.0 for every rule but rmsprop, 6.3e-17). 1e-12 leaves room for
# another evaluation order and is 8 orders of magnitude below the smallest
# mistake of spec section 5 (RMSProp with the old `a`: 2.2e-4).
ORACLE_TOLERANCE = 1e-12

RULES = ("sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam")
STATEFUL = ("sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam")

DEFAULTS = {
    "sgd": {"learning_rate": 1e-2},
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "sgd_nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
# State kept in config between steps, and its value before the first step.
STATE = {
    "sgd": {},
    "sgd_momentum": {"velocity": 0.0},
    "sgd_nesterov_momentum": {"velocity": 0.0},
    "rmsprop": {"a": 0.0},
    "adam": {"v": 0.0, "a": 0.0, "t": 0},
}


# --- the oracle: spec section 2, one scalar at a time ---------------------------

def _sgd(w, dw, s, hp):
    return w - hp["learning_rate"] * dw, {}


def _momentum(w, dw, s, hp):
    v = hp["momentum"] * s["velocity"] - hp["learning_rate"] * dw
    return w + v, {"velocity": v}


def _nesterov(w, dw, s, hp):
    v_old = s["velocity"]
    v = hp["momentum"] * v_old - hp["learning_rate"] * dw
    return w + v + hp["momentum"] * (v - v_old), {"velocity": v}


def _rmsprop(w, dw, s, hp):
    d = hp["decay_rate"]
    a = d * s["a"] + (1 - d) * dw * dw
    return w - hp["learning_rate"] * dw / (math.sqrt(a) + hp["epsilon"]), {"a": a}


def _adam(w, dw, s, hp):
    b1, b2 = hp["beta1"], hp["beta2"]
    t = s["t"] + 1
    v = b1 * s["v"] + (1 - b1) * dw
    a = b2 * s["a"] + (1 - b2) * dw * dw
    v_hat, a_hat = v / (1 - b1 ** t), a / (1 - b2 ** t)
    return w - hp["learning_rate"] * v_hat / (math.sqrt(a_hat) + hp["epsilon"]), {"v": v, "a": a, "t": t}


SCALAR_RULES = {
    "sgd": _sgd,
    "sgd_momentum": _momentum,
    "sgd_nesterov_momentum": _nesterov,
    "rmsprop": _rmsprop,
    "adam": _adam,
}


def oracle_step(rule, w, dw, state, hp):
    """One update of every element with Python floats: (next_w, new state)."""
    next_w = np.empty(w.shape)
    new_state = {k: (np.empty(w.shape) if k != "t" else None) for k in STATE[rule]}
    for ix in np.ndindex(w.shape):
        s = {k: (v if k == "t" else float(v[ix])) for k, v in state.items()}
        next_w[ix], out = SCALAR_RULES[rule](float(w[ix]), float(dw[ix]), s, hp)
        for k, v in out.items():
            if k == "t":
                new_state["t"] = v
            else:
                new_state[k][ix] = v
    return next_w, new_state


def zero_state(rule, shape):
    return {k: (v if k == "t" else np.full(shape, v)) for k, v in STATE[rule].items()}


def gradients(steps, shape=(4, 5)):
    rng = np.random.RandomState(0)
    return [rng.randn(*shape) for _ in range(steps)]


# --- 1. the printed public fixtures (spec section 3) ----------------------------

@pytest.mark.parametrize("rule", [pytest.param(r, id=r) for r in STATEFUL])
def test_public_fixture(rule):
    fixture = public_optim_fixtures()[rule]
    next_w, config = getattr(optim, rule)(fixture["w"], fixture["dw"], fixture["config"])
    expected = dict(fixture["expected"])
    t = expected.pop("t", None)
    assert rel_error(next_w, expected.pop("next_w")) < PUBLIC_TOLERANCE
    for key, value in expected.items():
        assert rel_error(config[key], value) < PUBLIC_TOLERANCE, key
    if rule == "adam":
        assert t == 6 and config["t"] == 6


def test_public_tolerance_is_needed_and_enough():
    """The printed arrays are rounded to 8 decimals: the correct Adam sits between 1e-7 and 1e-6."""
    fixture = public_optim_fixtures()["adam"]
    next_w, _ = optim.adam(fixture["w"], fixture["dw"], fixture["config"])
    assert 1e-7 < rel_error(next_w, fixture["expected"]["next_w"]) < PUBLIC_TOLERANCE


# --- 2. defaults, carried state, float32 against the oracle ---------------------

@pytest.mark.parametrize("rule", [pytest.param(r, id=r) for r in RULES])
def test_config_none_applies_documented_defaults(rule):
    w, dw = np.linspace(-0.4, 0.6, 20).reshape(4, 5), np.linspace(-0.6, 0.4, 20).reshape(4, 5)
    next_w, config = getattr(optim, rule)(w.copy(), dw, None)
    for key, value in DEFAULTS[rule].items():
        assert config[key] == value, key
    want_w, want_state = oracle_step(rule, w, dw, zero_state(rule, w.shape), DEFAULTS[rule])
    assert rel_error(next_w, want_w) < ORACLE_TOLERANCE
    for key, value in want_state.items():
        assert rel_error(config[key], value) < ORACLE_TOLERANCE, key


def _start(rule):
    """The public fixture's config when there is one (adam starts at t=5), else the defaults."""
    if rule in STATEFUL:
        fixture = public_optim_fixtures()[rule]
        return fixture["w"], fixture["config"]
    return np.linspace(-0.4, 0.6, 20).reshape(4, 5), {}


@pytest.mark.parametrize("rule", [pytest.param(r, id=r) for r in RULES])
def test_three_steps_carry_the_state(rule):
    w, config = _start(rule)
    hp = dict(DEFAULTS[rule], **{k: v for k, v in config.items() if k in DEFAULTS[rule]})
    state = dict(zero_state(rule, w.shape), **{k: v.copy() if hasattr(v, "copy") else v
                                                for k, v in config.items() if k in STATE[rule]})
    want_w = w.copy()
    for step, dw in enumerate(gradients(3), start=1):
        w, config = getattr(optim, rule)(w, dw, config)
        want_w, state = oracle_step(rule, want_w, dw, state, hp)
        assert rel_error(w, want_w) < ORACLE_TOLERANCE, f"next_w after step {step}"
        for key, value in state.items():
            if key == "t":
                assert config["t"] == value, f"t after step {step}"
            else:
                assert rel_error(config[key], value) < ORACLE_TOLERANCE, f"{key} after step {step}"
    if rule == "adam":
        assert config["t"] == 5 + 3


@pytest.mark.parametrize("rule", [pytest.param(r, id=r) for r in RULES])
def test_float32_inputs(rule):
    """float32 weights stay float32; values agree with the float64 oracle to float32 precision."""
    w64 = np.linspace(-0.4, 0.6, 20).reshape(4, 5)
    w, config = w64.astype(np.float32), None
    state, want_w = zero_state(rule, w.shape), w64
    for dw in gradients(3):
        w, config = getattr(optim, rule)(w, dw.astype(np.float32), config)
        want_w, state = oracle_step(rule, want_w, dw.astype(np.float32).astype(np.float64),
                                    state, DEFAULTS[rule])
        assert w.dtype == np.float32
        for key in STATE[rule]:
            if key != "t":
                assert config[key].dtype == np.float32, key
        # float32 rounds at ~6e-8 per operation; over 3 steps the measured worst
        # case is 2.7e-7 (nesterov, step 2), so 1e-5 keeps a 35x margin.
        assert rel_error(w, want_w) < 1e-5


# --- the public tolerance separates the spec section 5 mistakes -----------------

def _rmsprop_old_a(w, dw, s, hp):
    return w - hp["learning_rate"] * dw / (math.sqrt(s["a"]) + hp["epsilon"]), {}


def _adam_no_increment(w, dw, s, hp):
    return _adam(w, dw, dict(s, t=s["t"] - 1), hp)


def _adam_no_bias_correction(w, dw, s, hp):
    b1, b2 = hp["beta1"], hp["beta2"]
    v = b1 * s["v"] + (1 - b1) * dw
    a = b2 * s["a"] + (1 - b2) * dw * dw
    return w - hp["learning_rate"] * v / (math.sqrt(a) + hp["epsilon"]), {}


def _nesterov_as_momentum(w, dw, s, hp):
    return _momentum(w, dw, s, hp)


MISTAKES = [
    # (rule, wrong scalar rule, smallest rel_error it shows against the printed next_w)
    pytest.param("rmsprop", _rmsprop_old_a, 2e-4, id="rmsprop-old-a"),
    pytest.param("adam", _adam_no_increment, 1e-3, id="adam-no-t-increment"),
    pytest.param("adam", _adam_no_bias_correction, 1e-3, id="adam-no-bias-correction"),
    pytest.param("sgd_nesterov_momentum", _nesterov_as_momentum, 1e-2, id="nesterov-as-momentum"),
]


@pytest.mark.parametrize("rule, wrong, gap", MISTAKES)
def test_public_fixture_rejects_spec_mistake(rule, wrong, gap, monkeypatch):
    """Spec section 3 names the gaps (RMSProp old a: 2.2e-4, Adam without t++: 1.5e-3):
    the printed fixtures must reject these mistakes at PUBLIC_TOLERANCE."""
    fixture = public_optim_fixtures()[rule]
    hp = dict(DEFAULTS[rule], **{k: v for k, v in fixture["config"].items() if k in DEFAULTS[rule]})
    state = {k: v for k, v in fixture["config"].items() if k in STATE[rule]}
    monkeypatch.setitem(SCALAR_RULES, rule, wrong)
    wrong_w, _ = oracle_step(rule, fixture["w"], fixture["dw"], state, hp)
    assert rel_error(wrong_w, fixture["expected"]["next_w"]) > gap > PUBLIC_TOLERANCE
