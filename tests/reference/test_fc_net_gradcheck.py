"""Numerical gradient checks of the reference FullyConnectedNet: the notebooks'
set-up (N, D, H1, H2, C = 2, 15, 20, 30, 10; weight_scale 5e-2; float64; h 1e-5)."""

import numpy as np
import pytest

from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.nndl.fc_net import FullyConnectedNet
from nndl_hw4.reference.nndl.layers import affine_forward, dropout_forward
from nndl_hw4.reference.utils.gradient_check import eval_numerical_gradient

N, D, H1, H2, C = 2, 15, 20, 30, 10
# In the keep course, dropout=0.25 keeps a quarter of the units: a layer whose inputs are all
# dropped for an example puts the next bias exactly on a ReLU kink (seed 3 does, at b2). Of seeds
# 0..14, 1, 11 and 14 keep every ReLU input off the kink (with the seeded masks); 1 keeps it
# >= 1.5e-4 away, where h = 1e-5 cannot cross it.
SEED = 1

# Relative error, every parameter but the pre-batchnorm biases. The centred
# difference of a loss of ~2-6 carries ~3e-11 of rounding (measured max
# absolute error without batchnorm: 1.4e-10 over 20 seeds), which is a large
# RELATIVE error on the smallest gradient entries (|g| ~ 1e-7): 20 seeds
# measure up to 4.0e-4 without batchnorm; SEED measures at most 4.4e-6 over
# the cases below. A wrong gradient is off by far more (no reg on the last
# layer: 1.0, see test_fc_net.py; a missing 0.5: 0.33).
TOLERANCE = 1e-3
# With batchnorm, W1 and W2 sit below a normalisation over a batch of N=2: its
# curvature makes the centred difference's truncation error h^2 f''' large
# (the notebook says W1 is "on the order of 1e-4"). 20 seeds measure up to
# 2.5e-3 on W1 and 1.4e-4 on W2; SEED measures at most 1.9e-5.
BATCHNORM_W_TOLERANCE = 1e-2
# b1, b2 feed a batchnorm, which subtracts the batch mean: their true gradient
# is exactly 0, so the relative error compares rounding with rounding (the
# notebook shows 2.2e-3 on b1). Check the absolute error instead: the
# rounding floor is ~3e-11 (SEED: 2.2e-11; 20 seeds: at most 4.4e-11).
PRE_BATCHNORM_BIAS_ATOL = 1e-9

CASES = [
    pytest.param(0.0, False, 0, id="reg0"),
    pytest.param(3.14, False, 0, id="reg3.14"),
    pytest.param(0.0, True, 0, id="batchnorm-reg0"),
    pytest.param(3.14, True, 0, id="batchnorm-reg3.14"),
    pytest.param(0.0, False, 0.25, id="dropout0.25"),
    pytest.param(0.0, False, 0.5, id="dropout0.5"),
    pytest.param(3.14, True, 0.5, id="batchnorm-dropout0.5-reg3.14"),
]


def seeded_model(reg, use_batchnorm, dropout, seed=SEED):
    np.random.seed(seed)
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    model = FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg, weight_scale=5e-2,
                              dtype=np.float64, use_batchnorm=use_batchnorm, dropout=dropout,
                              seed=123)
    return model, X, y


def closest_to_a_kink(model, X):
    """min |pre-activation| over the ReLUs that do not follow a batchnorm, with the network's own seeded
    dropout masks (a layer whose inputs are all dropped sits exactly at the kink of its bias)."""
    if model.use_batchnorm:
        return np.inf  # batchnorm outputs over N=2 rows are +-gamma: far from 0
    h, closest = X, np.inf
    for i in range(1, model.num_layers):
        a, _ = affine_forward(h, model.params[f"W{i}"], model.params[f"b{i}"])
        closest = min(closest, np.abs(a).min())
        h = np.maximum(a, 0)
        if model.use_dropout:
            h, _ = dropout_forward(h, dict(model.dropout_param, mode="train"))
    return closest


def gradient_errors(model, X, y):
    """{name: (relative error, absolute error, analytic gradient)} for every parameter."""
    _, grads = model.loss(X, y)
    assert sorted(grads) == sorted(model.params)
    out = {}
    for name in sorted(grads):
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name],
                                      verbose=False, h=1e-5)
        out[name] = (rel_error(num, grads[name]), float(np.abs(num - grads[name]).max()), grads[name])
    return out


@pytest.mark.parametrize("reg, use_batchnorm, dropout", CASES)
def test_fc_net_gradients(reg, use_batchnorm, dropout):
    model, X, y = seeded_model(reg, use_batchnorm, dropout)
    # A pre-activation within ~h |x| of 0 puts a finite difference across the
    # ReLU kink and fails correct code: the seed must keep clear of it.
    assert closest_to_a_kink(model, X) > 1e-4, "seed puts a pre-activation on a ReLU kink"
    errors = gradient_errors(model, X, y)
    for name, (rel, abs_err, grad) in errors.items():
        if use_batchnorm and name in ("b1", "b2"):
            assert abs_err < PRE_BATCHNORM_BIAS_ATOL, f"{name}: absolute error {abs_err:.2e}"
            # and the analytic gradient is 0 but for rounding (measured <= 2.1e-14)
            assert np.abs(grad).max() < 1e-12, name
        elif use_batchnorm and name in ("W1", "W2"):
            assert rel < BATCHNORM_W_TOLERANCE, f"{name}: relative error {rel:.2e}"
        else:
            assert rel < TOLERANCE, f"{name}: relative error {rel:.2e}"
