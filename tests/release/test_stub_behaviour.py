"""Generated stubs import, and every stubbed region raises NotImplementedError naming its function.

Each region is called with small valid arguments, twice: in the fully stubbed
release (the first region reached raises), and in a release where only that
region is stubbed and the rest is the reference (so region 2 of a function is
reached too and must raise its own message).
"""

import subprocess
import sys

import numpy as np
import pytest

from nndl_hw4.reference.nndl import fc_net as ref_fc_net
from nndl_hw4.reference.nndl import layer_utils as ref_layer_utils
from nndl_hw4.reference.nndl import layers as ref_layers
from nndl_hw4.release.regions import find_regions
from nndl_hw4.release.stubs import make_stub, stub_message

from .conftest import MODULES, REFERENCE_NNDL, load_nndl, unload

rng = np.random.RandomState(0)
X, W, B = rng.randn(3, 2, 2), rng.randn(4, 5), rng.randn(5)
DOUT = rng.randn(3, 5)
BN_X, GAMMA, BETA = rng.randn(6, 5), np.ones(5), np.zeros(5)


def _net(m):
    """A FullyConnectedNet of the module set ``m`` without calling its (maybe stubbed) __init__."""
    net = m["fc_net"].FullyConnectedNet.__new__(m["fc_net"].FullyConnectedNet)
    np.random.seed(0)
    reference = ref_fc_net.FullyConnectedNet([4], input_dim=3, num_classes=2, use_batchnorm=True,
                                             dropout=0.25, dtype=np.float64, seed=1)
    net.__dict__.update(reference.__dict__)
    return net


def _optim(rule):
    return lambda m: getattr(m["optim"], rule)(W.copy(), np.ones_like(W))


# One call per region (qualname, index) that reaches it with valid arguments.
CALLS = {
    ("sgd_momentum", 1): _optim("sgd_momentum"),
    ("sgd_nesterov_momentum", 1): _optim("sgd_nesterov_momentum"),
    ("rmsprop", 1): _optim("rmsprop"),
    ("adam", 1): _optim("adam"),
    ("affine_forward", 1): lambda m: m["layers"].affine_forward(X, W, B),
    ("affine_backward", 1): lambda m: m["layers"].affine_backward(DOUT, (X, W, B)),
    ("relu_forward", 1): lambda m: m["layers"].relu_forward(X),
    ("relu_backward", 1): lambda m: m["layers"].relu_backward(X, X),
    ("batchnorm_forward", 1): lambda m: m["layers"].batchnorm_forward(BN_X, GAMMA, BETA, {"mode": "train"}),
    ("batchnorm_forward", 2): lambda m: m["layers"].batchnorm_forward(BN_X, GAMMA, BETA, {"mode": "test"}),
    ("batchnorm_backward", 1): lambda m: m["layers"].batchnorm_backward(
        BN_X, ref_layers.batchnorm_forward(BN_X, GAMMA, BETA, {"mode": "train"})[1]),
    ("dropout_forward", 1): lambda m: m["layers"].dropout_forward(X, {"mode": "train", "p": 0.5, "seed": 1}),
    ("dropout_forward", 2): lambda m: m["layers"].dropout_forward(X, {"mode": "test", "p": 0.5}),
    ("dropout_backward", 1): lambda m: m["layers"].dropout_backward(
        X, ref_layers.dropout_forward(X, {"mode": "train", "p": 0.5, "seed": 1})[1]),
    ("dropout_backward", 2): lambda m: m["layers"].dropout_backward(
        X, ref_layers.dropout_forward(X, {"mode": "test", "p": 0.5})[1]),
    ("affine_relu_forward", 1): lambda m: m["layer_utils"].affine_relu_forward(X, W, B),
    ("affine_relu_backward", 1): lambda m: m["layer_utils"].affine_relu_backward(
        DOUT, ref_layer_utils.affine_relu_forward(X, W, B)[1]),
    ("FullyConnectedNet.__init__", 1): lambda m: m["fc_net"].FullyConnectedNet([4], input_dim=3, num_classes=2),
    ("FullyConnectedNet.loss", 1): lambda m: _net(m).loss(np.ones((2, 3))),
    ("FullyConnectedNet.loss", 2): lambda m: _net(m).loss(np.ones((2, 3)), np.array([0, 1])),
}


def _reference_regions():
    found = {}
    for module in MODULES:
        path = REFERENCE_NNDL / f"{module}.py"
        for region in find_regions(path.read_text(), path):
            found[region.key] = (module, region)
    return found


REGIONS = _reference_regions()
REGION_PARAMS = [pytest.param(key, id=f"{key[0]}-{key[1]}") for key in REGIONS]


def test_every_region_has_a_call():
    assert sorted(CALLS) == sorted(REGIONS)


@pytest.fixture(scope="module")
def stubbed_modules(stubbed_release):
    modules = load_nndl(stubbed_release / "nndl")
    yield modules
    unload(modules)


@pytest.fixture
def one_region_stubbed(tmp_path, request):
    """(key, nndl modules) with every region solved except region ``key`` (the param)."""
    key = request.param
    folder = tmp_path / "nndl"
    folder.mkdir()
    (folder / "__init__.py").write_bytes((REFERENCE_NNDL / "__init__.py").read_bytes())
    for module in MODULES:
        source = (REFERENCE_NNDL / f"{module}.py").read_text()
        (folder / f"{module}.py").write_text(make_stub(source, module, solved=set(REGIONS) - {key}))
    modules = load_nndl(folder)
    yield key, modules
    unload(modules)


@pytest.mark.parametrize("key", REGION_PARAMS)
def test_fully_stubbed_functions_raise_with_their_qualname(stubbed_modules, key):
    with pytest.raises(NotImplementedError) as caught:
        CALLS[key](stubbed_modules)
    assert str(caught.value).startswith(f"{key[0]}: not implemented yet")


@pytest.mark.parametrize("one_region_stubbed", REGION_PARAMS, indirect=True)
def test_each_region_raises_its_own_message(one_region_stubbed):
    key, modules = one_region_stubbed
    with pytest.raises(NotImplementedError) as caught:
        CALLS[key](modules)
    assert str(caught.value) == stub_message(REGIONS[key][1])
    assert str(caught.value).startswith(f"{key[0]}: not implemented yet")


def test_the_calls_run_on_the_reference():
    """The calls are valid arguments: against the reference none of them raises."""
    modules = load_nndl(REFERENCE_NNDL)
    try:
        for call in CALLS.values():
            call(modules)
    finally:
        unload(modules)


def test_student_imports_work_in_the_release_folder(stubbed_release):
    """The notebooks' imports (spec section 2), run where students run them."""
    script = (
        "from nndl.fc_net import *\n"
        "from nndl.layers import *\n"
        "from nndl.layer_utils import *\n"
        "from nndl import optim\n"
        "from utils.solver import Solver\n"
        "from utils.data_utils import get_CIFAR10_data\n"
        "from utils.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-W", "error", "-c", script], cwd=stubbed_release,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
