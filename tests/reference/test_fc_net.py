"""The reference networks (nndl/fc_net.py): construction, architecture, modes,
loss at initialisation and L2 regularisation."""

import numpy as np
import pytest

from nndl_hw4.numerics import rel_error
from nndl_hw4.reference.nndl import layers
from nndl_hw4.reference.nndl.fc_net import FullyConnectedNet, TwoLayerNet
from nndl_hw4.reference.utils.gradient_check import eval_numerical_gradient

HIDDEN = [pytest.param([], id="1-layer"), pytest.param([20], id="2-layer"),
          pytest.param([20, 30, 25], id="4-layer")]
BATCHNORM = [pytest.param(False, id="plain"), pytest.param(True, id="batchnorm")]


def data(seed, n=6, d=15, c=10):
    rng = np.random.RandomState(seed)
    return rng.randn(n, d), rng.randint(c, size=n)


def expected_names(num_layers, use_batchnorm):
    names = {f"{kind}{i}" for kind in ("W", "b") for i in range(1, num_layers + 1)}
    if use_batchnorm:  # never on the output layer
        names |= {f"{kind}{i}" for kind in ("gamma", "beta") for i in range(1, num_layers)}
    return names


def assert_std(w, scale):
    """Sample mean and std of n normal draws: sds scale/sqrt(n) and scale/sqrt(2n); allow 6."""
    n = w.size
    assert abs(w.mean()) < 6 * scale / np.sqrt(n)
    assert abs(w.std() / scale - 1) < 6 / np.sqrt(2 * n)


# --- construction ----------------------------------------------------------------

@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("use_batchnorm", BATCHNORM)
def test_parameter_names_and_shapes(hidden, use_batchnorm):
    model = FullyConnectedNet(hidden, input_dim=15, num_classes=10, use_batchnorm=use_batchnorm)
    dims = [15] + hidden + [10]
    assert model.num_layers == 1 + len(hidden)
    assert set(model.params) == expected_names(model.num_layers, use_batchnorm)
    for i in range(1, model.num_layers + 1):
        assert model.params[f"W{i}"].shape == (dims[i - 1], dims[i])
        assert model.params[f"b{i}"].shape == (dims[i],)
        if use_batchnorm and i < model.num_layers:
            assert model.params[f"gamma{i}"].shape == (dims[i],)
            assert model.params[f"beta{i}"].shape == (dims[i],)


@pytest.mark.parametrize("kwargs, dtype", [
    pytest.param({}, np.float32, id="default-float32"),
    pytest.param({"dtype": np.float64}, np.float64, id="float64"),
])
def test_params_and_grads_follow_dtype(kwargs, dtype):
    model = FullyConnectedNet([20, 30], input_dim=15, use_batchnorm=True, dropout=0.3, seed=1,
                              reg=0.1, **kwargs)
    assert all(v.dtype == dtype for v in model.params.values())
    X, y = data(0)
    loss, grads = model.loss(X, y)
    assert np.isfinite(loss)
    assert all(grads[k].dtype == dtype for k in model.params), "gradients change the dtype"
    assert model.loss(X).dtype == dtype


@pytest.mark.parametrize("weight_scale", [pytest.param(1e-2, id="ws=1e-2"), pytest.param(0.3, id="ws=0.3")])
def test_initial_values(weight_scale):
    np.random.seed(0)
    model = FullyConnectedNet([200, 100], input_dim=3 * 32 * 32, weight_scale=weight_scale,
                              use_batchnorm=True, dtype=np.float64)
    for i in (1, 2, 3):
        assert_std(model.params[f"W{i}"], weight_scale)
        assert not model.params[f"b{i}"].any()
    for i in (1, 2):
        assert np.array_equal(model.params[f"gamma{i}"], np.ones(model.params[f"gamma{i}"].shape))
        assert not model.params[f"beta{i}"].any()


def test_one_bn_param_dict_per_layer():
    model = FullyConnectedNet([20, 30, 25], input_dim=15, use_batchnorm=True)
    assert len(model.bn_params) == 3
    assert len({id(p) for p in model.bn_params}) == 3, "layers share a bn_param dict"
    assert all(p["mode"] == "train" for p in model.bn_params)
    X, y = data(1)
    model.loss(X, y)
    for bn_param, width in zip(model.bn_params, (20, 30, 25)):
        assert bn_param["running_mean"].shape == (width,)
    assert FullyConnectedNet([20], input_dim=15).bn_params == []


@pytest.mark.parametrize("dropout, seed, want", [
    pytest.param(0.3, 7, {"mode": "train", "p": 0.3, "seed": 7}, id="p-and-seed"),
    pytest.param(0.6, None, {"mode": "train", "p": 0.6}, id="p-no-seed"),
])
def test_dropout_param(dropout, seed, want):
    model = FullyConnectedNet([20], input_dim=15, dropout=dropout, seed=seed)
    assert model.use_dropout
    assert model.dropout_param == want


def test_dropout_zero_means_no_dropout():
    model = FullyConnectedNet([20], input_dim=15, dropout=0, seed=3)
    assert not model.use_dropout
    X, y = data(11)
    np.random.seed(0)
    first = model.loss(X, y)[0]
    np.random.seed(1)  # no mask is drawn, so the global RNG state does not matter
    assert model.loss(X, y)[0] == first


# --- architecture: the loss equals the layers composed by hand ---------------------

def composed_loss(model, X, y):
    """{affine - [batchnorm] - relu - [dropout]} x (L-1) - affine - softmax, plus 0.5 reg sum W^2."""
    p, h = model.params, X
    dropout_param = dict(model.dropout_param, mode="train")
    for i in range(1, model.num_layers):
        h, _ = layers.affine_forward(h, p[f"W{i}"], p[f"b{i}"])
        if model.use_batchnorm:
            h, _ = layers.batchnorm_forward(h, p[f"gamma{i}"], p[f"beta{i}"], {"mode": "train"})
        h, _ = layers.relu_forward(h)
        if model.use_dropout:
            h, _ = layers.dropout_forward(h, dropout_param)
    L = model.num_layers
    scores, _ = layers.affine_forward(h, p[f"W{L}"], p[f"b{L}"])
    loss, _ = layers.softmax_loss(scores, y)
    return loss + 0.5 * model.reg * sum(np.sum(p[f"W{i}"] ** 2) for i in range(1, L + 1))


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("use_batchnorm", BATCHNORM)
@pytest.mark.parametrize("dropout", [pytest.param(0, id="no-dropout"), pytest.param(0.5, id="dropout0.5")])
def test_loss_is_the_documented_architecture(hidden, use_batchnorm, dropout):
    np.random.seed(2)
    model = FullyConnectedNet(hidden, input_dim=15, num_classes=10, use_batchnorm=use_batchnorm,
                              dropout=dropout, seed=123, reg=0.7, weight_scale=0.3, dtype=np.float64)
    X, y = data(3)
    loss, _ = model.loss(X, y)
    # Same layers, same order, same seeded masks: identical but for the order of
    # the regularisation sum (measured 0.0). Dropout on the scores moves this
    # loss by 5e-2. (Dropout before the ReLU is no mistake: masks are >= 0.)
    assert rel_error(loss, composed_loss(model, X, y)) < 1e-12


# --- modes ---------------------------------------------------------------------------

def test_scores_in_test_mode():
    np.random.seed(4)
    model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, use_batchnorm=True,
                              dropout=0.5, seed=123, dtype=np.float64)
    X, y = data(5)
    model.loss(X, y)  # one training pass sets the running statistics
    running = [{k: p[k].copy() for k in ("running_mean", "running_var")} for p in model.bn_params]
    scores = model.loss(X)
    assert scores.shape == (6, 10)
    assert model.dropout_param["mode"] == "test"
    assert all(p["mode"] == "test" for p in model.bn_params)
    for before, bn_param in zip(running, model.bn_params):  # test mode only reads them
        for key, value in before.items():
            assert np.array_equal(bn_param[key], value), key
    # Test mode: no dropout and the running statistics, computed here by hand.
    h = X
    for i, bn_param in enumerate(model.bn_params, start=1):
        h = h @ model.params[f"W{i}"] + model.params[f"b{i}"]
        h = (h - bn_param["running_mean"]) / np.sqrt(bn_param["running_var"] + 1e-5)
        h = np.maximum(model.params[f"gamma{i}"] * h + model.params[f"beta{i}"], 0)
    want = h @ model.params["W3"] + model.params["b3"]
    assert rel_error(scores, want) < 1e-12  # rounding only: measured 0.0
    model.loss(X, y)
    assert model.dropout_param["mode"] == "train"
    assert all(p["mode"] == "train" for p in model.bn_params)


# --- loss at initialisation and regularisation ----------------------------------------

@pytest.mark.parametrize("use_batchnorm, tolerance", [
    # Scores ~1e-5 (three layers of 1e-3 weights): loss is log 10 to ~1e-6
    # (measured 9.2e-7; float32 rounds at ~2e-7).
    pytest.param(False, 1e-4, id="plain"),
    # Batchnorm restores unit-variance hidden units, so scores have sd
    # ~1e-3 sqrt(50) = 7e-3 and the mean true-class score over 20 samples moves
    # the loss by ~7e-3 / sqrt(20) = 1.6e-3 (1 sd); measured 8.3e-4.
    pytest.param(True, 1e-2, id="batchnorm"),
])
def test_initial_loss_is_log_c(use_batchnorm, tolerance):
    np.random.seed(6)
    X, y = np.random.randn(20, 3, 32, 32), np.random.randint(10, size=20)
    model = FullyConnectedNet([100, 50], weight_scale=1e-3, use_batchnorm=use_batchnorm)
    loss, _ = model.loss(X, y)
    assert abs(loss - np.log(10)) < tolerance


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("use_batchnorm", BATCHNORM)
def test_regularisation_adds_half_reg_w_squared(hidden, use_batchnorm):
    np.random.seed(7)
    model = FullyConnectedNet(hidden, input_dim=15, num_classes=10, use_batchnorm=use_batchnorm,
                              dropout=0.25, seed=123, weight_scale=0.1, dtype=np.float64)
    X, y = data(8)
    model.reg = 0.0
    loss0, grads0 = model.loss(X, y)
    model.reg = 3.14
    loss1, grads1 = model.loss(X, y)
    weights = [model.params[f"W{i}"] for i in range(1, model.num_layers + 1)]
    # Same forward pass both times (seeded dropout, batch statistics): the terms
    # differ by rounding only (measured <= 2.2e-16). A missing 0.5 gives 0.33.
    assert rel_error(loss1 - loss0, 0.5 * 3.14 * sum(np.sum(w * w) for w in weights)) < 1e-12
    for name in model.params:
        if name.startswith("W"):
            # reg * W on EVERY weight matrix, the last one included (spec section 5).
            np.testing.assert_allclose(grads1[name], grads0[name] + 3.14 * model.params[name],
                                       rtol=1e-12, atol=0, err_msg=name)
        else:
            # biases, gammas and betas are not regularised
            assert np.array_equal(grads1[name], grads0[name]), name


def test_last_layer_regularisation_is_what_the_gradient_check_sees():
    """Spec section 5: dropping reg * W on the last layer shows relative error 1.0 on W3."""
    np.random.seed(0)
    X, y = np.random.randn(2, 15), np.random.randint(10, size=(2,))
    model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=3.14,
                              weight_scale=5e-2, dtype=np.float64)
    _, grads = model.loss(X, y)
    num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params["W3"], verbose=False)
    assert rel_error(num, grads["W3"]) < 1e-5  # measured 3e-6 (see test_fc_net_gradcheck.py)
    assert rel_error(num, grads["W3"] - 3.14 * model.params["W3"]) > 0.99  # measured 1.0


# --- TwoLayerNet ----------------------------------------------------------------------

def test_two_layer_net_shapes_and_initialisation():
    np.random.seed(9)
    model = TwoLayerNet(input_dim=3 * 32 * 32, hidden_dims=100, num_classes=10, weight_scale=1e-3)
    assert set(model.params) == {"W1", "b1", "W2", "b2"}
    assert model.params["W1"].shape == (3072, 100) and model.params["b1"].shape == (100,)
    assert model.params["W2"].shape == (100, 10) and model.params["b2"].shape == (10,)
    assert_std(model.params["W1"], 1e-3)
    assert_std(model.params["W2"], 1e-3)
    assert not model.params["b1"].any() and not model.params["b2"].any()
    X = np.random.randn(4, 3, 32, 32)
    assert model.loss(X).shape == (4, 10)


@pytest.mark.parametrize("reg", [pytest.param(0.0, id="reg0"), pytest.param(0.7, id="reg0.7")])
def test_two_layer_net_gradients(reg):
    np.random.seed(10)
    N, D, H, C = 3, 5, 50, 7
    X, y = np.random.randn(N, D), np.random.randint(C, size=N)
    model = TwoLayerNet(input_dim=D, hidden_dims=H, num_classes=C, weight_scale=1e-1, reg=reg)
    pre = X @ model.params["W1"] + model.params["b1"]
    assert np.abs(pre).min() > 1e-4, "seed puts a pre-activation on the ReLU kink"
    loss, grads = model.loss(X, y)
    for name in sorted(model.params):
        num = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], verbose=False)
        # The centred difference's rounding floor (~3e-11 absolute, measured
        # <= 6.6e-11) is a large relative error on entries of |g| ~ 1e-6: this
        # seed measures 1.6e-5 on W1 at reg 0, 29 other kink-free seeds up to
        # 1.6e-4. A wrong gradient is off by >= 1e-2.
        assert rel_error(num, grads[name]) < 1e-3, name
