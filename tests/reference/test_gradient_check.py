"""The reference numerical gradients (utils/gradient_check.py) on functions whose
gradient is known in closed form."""

import numpy as np
import pytest

from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.utils.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
)


def cube_sum(x):
    return np.sum(x ** 3)


@pytest.mark.parametrize("h", [pytest.param(1e-2, id="h=1e-2"), pytest.param(1e-3, id="h=1e-3")])
def test_centred_difference_of_a_cubic(h):
    """((x+h)^3 - (x-h)^3) / 2h = 3x^2 + h^2 exactly: a centred difference is off by h^2,
    a forward one by 3xh + h^2 (~3e-2 here), so this pins both h and the centring."""
    x = np.random.RandomState(0).randn(3, 4)
    grad = eval_numerical_gradient(cube_sum, x, verbose=False, h=h)
    # Rounding of (x+-h)^3 divided by 2h, ~1e-15 / h: measured 1.7e-13 (h=1e-2), 2.8e-12 (h=1e-3).
    np.testing.assert_allclose(grad - 3 * x ** 2, h ** 2, rtol=0, atol=1e-10)


def test_default_step_matches_the_gradient():
    x = np.random.RandomState(1).randn(5)
    grad = eval_numerical_gradient(cube_sum, x, verbose=False)
    # h = 1e-5: truncation h^2 = 1e-10 against entries of order 1; measured 5.7e-11.
    assert rel_error(grad, 3 * x ** 2) < 1e-8


def test_restores_x_and_evaluates_perturbed_copies_in_place():
    x = np.random.RandomState(2).randn(2, 3)
    before = x.copy()
    seen = []

    def f(arr):
        seen.append(arr is x)
        return float(np.sum(arr))

    eval_numerical_gradient(f, x, verbose=False)
    assert np.array_equal(x, before)
    assert len(seen) == 2 * x.size and all(seen)


@pytest.mark.parametrize("verbose, lines", [pytest.param(False, 0, id="quiet"),
                                            pytest.param(True, 6, id="verbose")])
def test_verbose_prints_one_line_per_entry(verbose, lines, capsys):
    eval_numerical_gradient(cube_sum, np.ones((2, 3)), verbose=verbose)
    assert len(capsys.readouterr().out.splitlines()) == lines


def test_array_version_is_the_gradient_of_sum_f_times_df():
    rng = np.random.RandomState(3)
    x, w, df = rng.randn(4, 3), rng.randn(3, 5), rng.randn(4, 5)
    before = x.copy()
    grad = eval_numerical_gradient_array(lambda a: a @ w, x, df)
    assert np.array_equal(x, before)
    # A linear map: the centred difference is exact up to rounding (measured 1.6e-10).
    assert rel_error(grad, df @ w.T) < 1e-8


def test_array_version_copies_the_outputs():
    """f returning the same buffer every call must still give the right gradient."""
    rng = np.random.RandomState(4)
    x, df = rng.randn(6), rng.randn(6)
    buffer = np.empty(6)

    def square_into_buffer(a):
        np.multiply(a, a, out=buffer)
        return buffer

    grad = eval_numerical_gradient_array(square_into_buffer, x, df)
    # d/dx of sum(x^2 * df) is 2 x df; x^2 has zero third derivative: rounding only (measured 2.7e-12).
    assert rel_error(grad, 2 * x * df) < 1e-8
