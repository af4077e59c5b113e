"""The stored goldens of the public checks are what the reference computes."""

import numpy as np
import pytest

from nndl_hw4.checks import hw3
from nndl_hw4.fixtures import public_optim_fixtures
from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.nndl import layers, optim

GOLDEN_RTOL = 1e-6   # the goldens are printed to 8 decimals: the reference shows <= 1.2e-7


@pytest.mark.parametrize("rule", ["sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"])
def test_public_optim_goldens_equal_the_reference(rule):
    fx = public_optim_fixtures()[rule]
    next_w, config = getattr(optim, rule)(fx["w"], fx["dw"], fx["config"])
    for key, want in fx["expected"].items():
        got = next_w if key == "next_w" else config[key]
        if key == "t":
            assert got == want
        else:
            assert rel_error(got, want) < GOLDEN_RTOL, key


def test_public_hw3_goldens_equal_the_reference():
    x, w, b = hw3.public_affine_inputs()["args"]
    assert rel_error(layers.affine_forward(x, w, b)[0], hw3.PUBLIC_AFFINE_OUT) < hw3.PUBLIC_AFFINE_RTOL
    (x,) = hw3.public_relu_inputs()["args"]
    assert rel_error(layers.relu_forward(x)[0], hw3.PUBLIC_RELU_OUT) < hw3.PUBLIC_RELU_RTOL
    # and the goldens are the notebook's: 8 decimals
    assert np.allclose(np.round(layers.affine_forward(x=hw3.public_affine_inputs()["args"][0],
                                                      w=w, b=b)[0], 8), hw3.PUBLIC_AFFINE_OUT, rtol=0, atol=0)
