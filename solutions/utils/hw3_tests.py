"""Checks of the HW3 layers that HW4 builds on (affine, ReLU, the fully connected net).

Run them from the optimization notebook after copying your HW3 code into
nndl/layers.py, nndl/layer_utils.py and nndl/fc_net.py. Each check prints its
errors and raises AssertionError when an error is above its tolerance, naming
the likely mistake when it is a known one (utils/hints.py). Every case is
seeded, so the numbers are the same on every run; each tolerance says why it
is what it is.
"""

import numpy as np

from nndl import fc_net, layer_utils, layers

from .gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from .hints import check_close, check_gradients, check_network_gradients
from .numerics import rel_error

# The expected outputs of affine_forward_test and relu_forward_test are printed
# to 8 decimals: a correct affine_forward shows ~1e-9 against them, a correct
# relu_forward ~5e-8 (0.04545455 is rounded by 5e-9).
AFFINE_FORWARD_TOL = 1e-8
RELU_FORWARD_TOL = 1e-6
# Centred differences (h = 1e-5) of these piecewise-linear layers are exact up
# to float64 rounding: correct code shows 1e-12..1e-9; a wrong gradient shows > 1e-2.
LAYER_GRAD_TOL = 1e-7
# The network's loss is curved (softmax), so centred differences carry an
# O(h^2) error: correct code shows at most ~1e-6 here; a missing term shows > 1e-2
# (no regularisation gradient on the last layer gives exactly 1.0).
NET_GRAD_TOL = 1e-5


def _report(name, yours, expected, tol):
    if np.shape(yours) != np.shape(expected):
        print('%s: shape %s, expected %s' % (name, np.shape(yours), np.shape(expected)))
    else:
        print('%s: %.3e (tolerance %.0e)' % (name, rel_error(yours, expected), tol))


def affine_forward_test():
    """affine_forward on a fixed input, against the output printed to 8 decimals."""
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)   # (2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)   # (120, 3)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = layers.affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.51413270, 3.77273342]])
    print('affine_forward:')
    _report('  out error', out, correct_out, AFFINE_FORWARD_TOL)
    check_close('hw3 affine_forward', AFFINE_FORWARD_TOL, out=(out, correct_out))


def affine_backward_test():
    """affine_backward against centred differences of affine_forward."""
    rng = np.random.RandomState(231)
    x = rng.randn(10, 2, 3)   # (N, d1, d2): D = 6
    w = rng.randn(6, 5)
    b = rng.randn(5)
    dout = rng.randn(10, 5)
    dx_num = eval_numerical_gradient_array(lambda x: layers.affine_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: layers.affine_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: layers.affine_forward(x, w, b)[0], b, dout)
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    print('affine_backward:')
    _report('  dx error', dx, dx_num, LAYER_GRAD_TOL)
    _report('  dw error', dw, dw_num, LAYER_GRAD_TOL)
    _report('  db error', db, db_num, LAYER_GRAD_TOL)
    check_gradients('hw3 affine_backward', LAYER_GRAD_TOL,
                    dx=(dx, dx_num), dw=(dw, dw_num), db=(db, db_num))


def relu_forward_test():
    """relu_forward on a fixed input, against the output printed to 8 decimals."""
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = layers.relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    print('relu_forward:')
    _report('  out error', out, correct_out, RELU_FORWARD_TOL)
    check_close('hw3 relu_forward', RELU_FORWARD_TOL, out=(out, correct_out))


def _away_from_zero(x, margin=1e-2):
    # The ReLU has a kink at 0: keep inputs farther than h from it.
    return x + np.sign(x) * margin


def relu_backward_test():
    """relu_backward against centred differences of relu_forward."""
    rng = np.random.RandomState(232)
    x = _away_from_zero(rng.randn(10, 10))
    dout = rng.randn(*x.shape)
    dx_num = eval_numerical_gradient_array(lambda x: layers.relu_forward(x)[0], x, dout)
    _, cache = layers.relu_forward(x)
    dx = layers.relu_backward(dout, cache)
    print('relu_backward:')
    _report('  dx error', dx, dx_num, LAYER_GRAD_TOL)
    check_gradients('hw3 relu_backward', LAYER_GRAD_TOL, dx=(dx, dx_num))


def affine_relu_test():
    """affine_relu_forward / affine_relu_backward against centred differences."""
    rng = np.random.RandomState(233)
    x = rng.randn(2, 3, 4)   # (N, d1, d2): D = 12
    w = rng.randn(12, 10)
    b = rng.randn(10)
    dout = rng.randn(2, 10)
    out, cache = layer_utils.affine_relu_forward(x, w, b)
    dx, dw, db = layer_utils.affine_relu_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda x: layer_utils.affine_relu_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: layer_utils.affine_relu_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: layer_utils.affine_relu_forward(x, w, b)[0], b, dout)
    print('affine_relu_forward and affine_relu_backward:')
    _report('  dx error', dx, dx_num, LAYER_GRAD_TOL)
    _report('  dw error', dw, dw_num, LAYER_GRAD_TOL)
    _report('  db error', db, db_num, LAYER_GRAD_TOL)
    check_gradients('hw3 affine_relu', LAYER_GRAD_TOL,
                    dx=(dx, dx_num), dw=(dw, dw_num), db=(db, db_num))


def fc_net_test():
    """FullyConnectedNet's gradients (two hidden layers) against centred differences, reg 0 and 3.14."""
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    rng = np.random.RandomState(234)
    X = rng.randn(N, D)
    y = rng.randint(C, size=(N,))
    for reg in [0, 3.14]:
        print('Running check with reg = %s' % reg)
        np.random.seed(234)   # FullyConnectedNet draws its weights from np.random
        model = fc_net.FullyConnectedNet([H1, H2], input_dim=D, num_classes=C, reg=reg,
                                         weight_scale=5e-2, dtype=np.float64)
        loss, grads = model.loss(X, y)
        print('  initial loss: %f' % loss)
        grads_num = {}
        for name in sorted(grads):
            f = lambda _: model.loss(X, y)[0]
            grads_num[name] = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-5)
            _report('  %s relative error' % name, grads[name], grads_num[name], NET_GRAD_TOL)
        check_network_gradients('hw3 fc_net reg=%s' % reg, model, X, y, grads, grads_num, NET_GRAD_TOL)
