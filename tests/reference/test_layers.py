"""The HW3 layers of the reference: affine, relu and the affine-relu sandwich."""

import numpy as np
import pytest

from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.nndl.layer_utils import affine_relu_backward, affine_relu_forward
from nndl_hw4.reference.nndl.layers import (
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
)
from nndl_hw4.reference.utils.gradient_check import eval_numerical_gradient_array

# Affine maps and ReLUs away from their kink are linear, so a centred difference
# is exact but for rounding: the notebooks show 1e-12..1e-9; the seeded checks
# below measure 3e-12..1.5e-9 and 30 other seeds at most 2.3e-8. A wrong
# backward pass is off by O(1).
GRADCHECK_TOLERANCE = 1e-7


def numerical_grads(forward, inputs, dout):
    """Numerical gradient of sum(forward(*inputs) * dout) with respect to each input."""
    grads = []
    for i, arr in enumerate(inputs):
        def f(a, i=i):
            args = list(inputs)
            args[i] = a
            return forward(*args)[0]
        grads.append(eval_numerical_gradient_array(f, arr, dout))
    return grads


def affine_inputs(seed, x_shape=(10, 2, 3), m=5):
    rng = np.random.RandomState(seed)
    d = int(np.prod(x_shape[1:]))
    return rng.randn(*x_shape), rng.randn(d, m), rng.randn(m), rng.randn(x_shape[0], m)


def test_affine_forward_matches_a_loop():
    x, w, b, _ = affine_inputs(0)
    out, _ = affine_forward(x, w, b)
    want = np.array([[sum(xi.ravel()[k] * w[k, j] for k in range(w.shape[0])) + b[j]
                      for j in range(w.shape[1])] for xi in x])
    assert out.shape == (10, 5)
    assert rel_error(out, want) < 1e-12  # two summation orders of 6 terms: measured 7e-16


@pytest.mark.parametrize("x_shape", [pytest.param((10, 2, 3), id="x-3d"),
                                     pytest.param((4, 2, 3, 2), id="x-4d"),
                                     pytest.param((7, 6), id="x-2d")])
def test_affine_backward(x_shape):
    x, w, b, dout = affine_inputs(1, x_shape)
    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    dx_num, dw_num, db_num = numerical_grads(affine_forward, (x, w, b), dout)
    assert rel_error(dx, dx_num) < GRADCHECK_TOLERANCE
    assert rel_error(dw, dw_num) < GRADCHECK_TOLERANCE
    assert rel_error(db, db_num) < GRADCHECK_TOLERANCE


def kink_free(rng, shape, margin=1e-2):
    """randn values pushed at least `margin` away from the ReLU kink at 0."""
    x = rng.randn(*shape)
    return np.sign(x) * (np.abs(x) + margin)


def test_relu_forward():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    before = x.copy()
    out, cache = relu_forward(x)
    assert np.array_equal(out, np.where(x > 0, x, 0.0))
    assert np.array_equal(x, before)


def test_relu_backward():
    rng = np.random.RandomState(2)
    x, dout = kink_free(rng, (10, 10)), rng.randn(10, 10)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    (dx_num,) = numerical_grads(relu_forward, (x,), dout)
    assert rel_error(dx, dx_num) < GRADCHECK_TOLERANCE
    assert np.array_equal(dx, np.where(x > 0, dout, 0.0))


def test_relu_backward_does_not_mutate_its_cache():
    rng = np.random.RandomState(3)
    x, dout = rng.randn(6, 7), rng.randn(6, 7)
    _, cache = relu_forward(x)
    cached = np.array(cache, copy=True)
    dout_before = dout.copy()
    relu_backward(dout, cache)
    relu_backward(dout, cache)
    assert np.array_equal(np.asarray(cache), cached)
    assert np.array_equal(dout, dout_before)


def test_affine_relu_forward_is_relu_of_affine():
    x, w, b, _ = affine_inputs(4, (2, 3, 4), 10)
    out, _ = affine_relu_forward(x, w, b)
    assert np.array_equal(out, np.maximum(affine_forward(x, w, b)[0], 0))


def test_affine_relu_backward():
    x, w, b, dout = affine_inputs(5, (2, 3, 4), 10)
    pre = affine_forward(x, w, b)[0]
    # A pre-activation within ~h of 0 puts a finite difference across the kink
    # and spoils the check of correct code: the seed is chosen kink-free.
    assert np.abs(pre).min() > 1e-3, "seed puts a pre-activation on the ReLU kink"
    _, cache = affine_relu_forward(x, w, b)
    dx, dw, db = affine_relu_backward(dout, cache)
    assert dx.shape == x.shape
    dx_num, dw_num, db_num = numerical_grads(affine_relu_forward, (x, w, b), dout)
    assert rel_error(dx, dx_num) < GRADCHECK_TOLERANCE
    assert rel_error(dw, dw_num) < GRADCHECK_TOLERANCE
    assert rel_error(db, db_num) < GRADCHECK_TOLERANCE
