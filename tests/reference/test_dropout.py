"""The reference inverted dropout, in both courses: k, the probability of KEEPING a unit, is p itself
(the default, "keep") or 1 - p ("drop"). The reference is written once (keep) and localised for the
course (nndl_hw4.course); each course's text is loaded into its own private package here."""

import numpy as np
import pytest

from nndl_hw4 import mutants, runtime
from nndl_hw4.course import Course
from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.utils.gradient_check import eval_numerical_gradient_array

PS = [pytest.param(p, id=f"p={p}") for p in (0.3, 0.6, 0.75)]
DTYPES = [pytest.param(np.float32, id="float32"), pytest.param(np.float64, id="float64")]
COURSES = [pytest.param(Course(dropout=c), id=c) for c in ("keep", "drop")]


@pytest.fixture(scope="module", params=COURSES)
def course(request):
    return request.param


@pytest.fixture(scope="module")
def layers(course):
    """The course's reference nndl/layers.py (its np.random is the package's own)."""
    return runtime.load(mutants.reference_sources(course)).modules["nndl.layers"]


@pytest.fixture(scope="module")
def x():
    """The notebook's input: randn(500, 500) + 10, never 0, so a 0 in the output is a drop."""
    return np.random.RandomState(0).randn(500, 500) + 10


@pytest.mark.parametrize("p", PS)
def test_train_drops_a_fraction_1_minus_k(layers, course, x, p):
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 1})
    n, k = out.size, course.keep_probability(p)
    # The zero count is Binomial(n, 1 - k): its fraction has sd sqrt(k(1-k)/n) <= 1e-3
    # while p read with the other convention is off by |1 - 2p| >= 0.2.
    assert abs(np.mean(out == 0) - (1 - k)) < 6 * np.sqrt(k * (1 - k) / n)


@pytest.mark.parametrize("p", PS)
def test_train_keeps_the_mean(layers, course, x, p):
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 2})
    k = course.keep_probability(p)
    # Given x, mean(out) has sd sqrt(mean(x^2) (1-k) / k / n): 0.035 at k=0.25
    # against a mean of 10. 6 sd (<= 0.21). Without the 1/k scaling the mean
    # drops to 10 k, at least 2.5 away.
    sd = np.sqrt(np.mean(x ** 2) * (1 - k) / k / x.size)
    assert abs(out.mean() - x.mean()) < 6 * sd


@pytest.mark.parametrize("p", PS)
def test_train_scales_kept_units_by_1_over_k(layers, course, x, p):
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 3})
    kept = out != 0
    # x * (1/k) against x / k: one rounding apart (measured <= 2.2e-16).
    np.testing.assert_allclose(out[kept], x[kept] / course.keep_probability(p), rtol=1e-14)


@pytest.mark.parametrize("p", PS)
def test_test_mode_returns_the_input(layers, x, p):
    out, _ = layers.dropout_forward(x, {"mode": "test", "p": p})
    assert np.array_equal(out, x)


def test_keeping_every_unit_in_train_mode_changes_nothing(layers, course, x):
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": 1.0 if course.keeps else 0.0})
    assert np.array_equal(out, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", [pytest.param("train", id="train"), pytest.param("test", id="test")])
def test_output_dtype_is_input_dtype(layers, dtype, mode):
    x = (np.random.RandomState(4).randn(20, 30) + 10).astype(dtype)
    out, cache = layers.dropout_forward(x, {"mode": mode, "p": 0.3, "seed": 5})
    assert out.dtype == dtype
    dx = layers.dropout_backward(np.ones_like(x), cache)
    assert dx.dtype == dtype


def test_same_seed_same_mask_other_seed_other_mask(layers, x):
    first, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 123})
    layers.np.random.rand(7)  # a seeded call must not depend on the generator's state
    again, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 123})
    other, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 124})
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_backward_uses_the_forward_mask(layers, x):
    rng = np.random.RandomState(6)
    dout = rng.randn(*x.shape)
    out, cache = layers.dropout_forward(x, {"mode": "train", "p": 0.6})  # unseeded: mask only in cache
    dx = layers.dropout_backward(dout, cache)
    # out / x recovers the mask up to rounding (x is never 0): measured 3.4e-16.
    np.testing.assert_allclose(dx, dout * out / x, rtol=1e-14)
    assert np.array_equal(dx == 0, out == 0)


def test_test_mode_backward_is_the_identity(layers):
    dout = np.random.RandomState(7).randn(10, 10)
    _, cache = layers.dropout_forward(np.ones((10, 10)), {"mode": "test", "p": 0.8})
    assert np.array_equal(layers.dropout_backward(dout, cache), dout)


def test_backward_gradient_check(layers):
    """The notebook's check: 10x10, p=0.8, seed=123 (the seed fixes the mask per call)."""
    rng = np.random.RandomState(8)
    x, dout = rng.randn(10, 10) + 10, rng.randn(10, 10)
    dropout_param = {"mode": "train", "p": 0.8, "seed": 123}
    _, cache = layers.dropout_forward(x, dropout_param)
    dx = layers.dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda a: layers.dropout_forward(a, dropout_param)[0], x, dout)
    # With the mask fixed dropout is linear: rounding only. The notebook shows
    # 5.4e-11, this seed 1.9e-11 (30 other seeds: at most 1.9e-11); a wrong mask gives O(1).
    assert rel_error(dx, dx_num) < 1e-8


def test_the_installed_reference_is_the_keep_course():
    # The hand-written reference (solutions/) is the SOURCE course: p keeps a unit.
    from nndl_hw4.reference.nndl import layers
    out, _ = layers.dropout_forward(np.ones((400, 400)), {"mode": "train", "p": 0.8, "seed": 9})
    assert abs(np.mean(out == 0) - 0.2) < 0.01
