"""The given loss layers: softmax (numerically stable) and multiclass SVM."""

import numpy as np
import pytest

from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.nndl.layers import softmax_loss, svm_loss
from nndl_hw4.reference.utils.gradient_check import eval_numerical_gradient

# Loss gradients by centred differences of a smooth (softmax) or piecewise-linear
# (SVM, margins kept away from their kinks by the tiny scores) function:
# measured 8.3e-9 (softmax) and 1.4e-9 (svm); 30 other seeds at most 1.2e-8.
GRADCHECK_TOLERANCE = 1e-7


def scores(seed, n=50, c=10, scale=1e-3):
    rng = np.random.RandomState(seed)
    return scale * rng.randn(n, c), rng.randint(c, size=n)


def direct_softmax_loss(x, y):
    """The textbook formula, fine for small scores."""
    probs = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    n = x.shape[0]
    loss = -np.mean(np.log(probs[np.arange(n), y]))
    dx = probs.copy()
    dx[np.arange(n), y] -= 1
    return loss, dx / n


def test_softmax_matches_the_direct_formula():
    x, y = scores(0, scale=3.0)
    loss, dx = softmax_loss(x, y)
    want_loss, want_dx = direct_softmax_loss(x, y)
    # The shift by the row max changes only the rounding: measured 7.9e-17 (loss), 7.2e-15 (dx).
    assert rel_error(loss, want_loss) < 1e-12
    assert rel_error(dx, want_dx) < 1e-12


def test_softmax_of_tiny_scores_is_log_c():
    x, y = scores(1, scale=1e-8)
    loss, _ = softmax_loss(x, y)
    assert abs(loss - np.log(10)) < 1e-7  # |scores| ~1e-8 move the loss by ~1e-8: measured 7.6e-10


@pytest.mark.parametrize("x, y, want_loss, want_dx", [
    pytest.param([[1e4, 0.0, -1e4]], [1], 1e4, [[1.0, -1.0, 0.0]], id="huge-margin"),
    pytest.param([[1000.0, 1000.0]], [0], np.log(2), [[-0.5, 0.5]], id="huge-tie"),
    pytest.param([[-1e4, 1e4, 3.0], [710.0, 0.0, 0.0]], [1, 0], 0.0,
                 [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], id="huge-correct"),
])
def test_softmax_is_numerically_stable(x, y, want_loss, want_dx):
    """exp(1e4) overflows: the unshifted formula warns (an error under pytest) or returns nan."""
    loss, dx = softmax_loss(np.array(x), np.array(y))
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    # Exact in double precision: exp of a gap of >= 710 underflows to 0 beside 1.
    assert loss == pytest.approx(want_loss, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(dx, want_dx, rtol=0, atol=1e-12)


@pytest.mark.parametrize("loss_fn", [pytest.param(softmax_loss, id="softmax"),
                                     pytest.param(svm_loss, id="svm")])
def test_loss_gradient(loss_fn):
    x, y = scores(2)
    _, dx = loss_fn(x, y)
    dx_num = eval_numerical_gradient(lambda s: loss_fn(s, y)[0], x, verbose=False)
    assert rel_error(dx, dx_num) < GRADCHECK_TOLERANCE


def test_svm_matches_the_hinge_formula():
    x, y = scores(3, n=6, c=4, scale=1.0)
    loss, _ = svm_loss(x, y)
    want = sum(max(0.0, x[i, j] - x[i, y[i]] + 1.0)
               for i in range(6) for j in range(4) if j != y[i]) / 6
    assert rel_error(loss, want) < 1e-12  # same sum in another order: measured 1.7e-16
