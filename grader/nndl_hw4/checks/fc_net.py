"""Checks of FullyConnectedNet without dropout: initialisation, loss, gradients, scores, batchnorm.

Loss and gradient checks set every parameter explicitly (nonzero biases,
gammas and betas), so the student's network and the reference compute on
identical numbers, and compare at rtol 1e-8 (float64 summation-order noise is
~1e-15; the classic mistakes are >= 1e-3 off: a missing 0.5 factor or bias
regularisation shifts the loss by 5-30%, a missing last-layer regularisation
gradient is O(1) on W_L) with an absolute floor of 1e-10 (the pre-batchnorm
biases' true gradient is 0 and shows as roundoff, which a relative error
would blow up; the other gradients are >= 1e-3).

Initialisation is judged statistically: weight std within 6/sqrt(2n) of
weight_scale (the sample std of n normal draws has relative sd 1/sqrt(2n)),
weight mean within 6 weight_scale/sqrt(n).
"""

import numpy as np

from ..course import LAYER_MODULES, NETWORK_MODULE, PACKAGE
from .base import Check, Verdict, failure
from .common import array_problem, compare_fields, rng
from .compare import describe_type

RTOL = 1e-8      # see the module docstring
ATOL = 1e-10     # see the module docstring
FUNCTION = "FullyConnectedNet"
MODULES = tuple(f"{PACKAGE}.{m}" for m in (NETWORK_MODULE, *LAYER_MODULES))   # the network runs the layers


def param_names(num_layers, use_batchnorm):
    names = [f"{k}{i}" for i in range(1, num_layers + 1) for k in ("W", "b")]
    if use_batchnorm:
        names += [f"{k}{i}" for i in range(1, num_layers) for k in ("gamma", "beta")]
    return names


def row_as_vector(name, value, shape):
    """gamma or beta of shape (1, H) as (H,): a legitimate layout (it broadcasts like (H,) and the
    docstring asks for no shape), so it is judged as the vector it holds."""
    if name.startswith(("gamma", "beta")) and isinstance(value, np.ndarray) and value.shape == (1,) + tuple(shape):
        return value.reshape(shape)
    return value


def make_params(g, dims, use_batchnorm, weight_scale=None, zero_biases=False):
    """Parameters for layer sizes dims = [D, H1, ..., C]: nonzero biases, gammas and betas."""
    params = {}
    for i in range(1, len(dims)):
        scale = weight_scale if weight_scale is not None else np.sqrt(2.0 / dims[i - 1])
        params[f"W{i}"] = scale * g.normal(size=(dims[i - 1], dims[i]))
        params[f"b{i}"] = np.zeros(dims[i]) if zero_biases else 0.1 * g.normal(size=dims[i])
        if use_batchnorm and i < len(dims) - 1:
            params[f"gamma{i}"] = np.ones(dims[i]) if zero_biases else 1 + 0.2 * g.normal(size=dims[i])
            params[f"beta{i}"] = np.zeros(dims[i]) if zero_biases else 0.1 * g.normal(size=dims[i])
    return params


def net_case(seed, hidden, input_shape=(20,), classes=7, n=8, reg=0.0, use_batchnorm=False, dropout=None,
             calls=("train",), weight_scale=None, zero_biases=False, net_seed=None):
    """Inputs for probes.fc_net.loss: a network, its parameters and a sequence of loss calls.

    Without `dropout` the network is built WITHOUT passing it: the starter's own default means no
    dropout whichever gate the student's year had (dropout=0 with dropout > 0, or dropout=1 with
    dropout < 1); a given dropout must lie strictly inside (0, 1), where both gates switch it on.
    """
    if dropout is not None and not 0 < dropout < 1:
        raise ValueError(f"dropout={dropout}: use a value strictly inside (0, 1), where both starter gates agree")
    def make():
        g = rng(seed)
        D = int(np.prod(input_shape))
        dims = [D] + list(hidden) + [classes]
        kwargs = {"hidden_dims": list(hidden), "input_dim": D, "num_classes": classes, "reg": reg,
                  "use_batchnorm": use_batchnorm, "dtype": "float64"}
        if dropout is not None:
            kwargs["dropout"] = dropout
        if net_seed is not None:
            kwargs["seed"] = net_seed
        if weight_scale is not None:
            kwargs["weight_scale"] = weight_scale
        params = make_params(g, dims, use_batchnorm, weight_scale, zero_biases)
        call_list = []
        for mode in calls:
            X = g.normal(size=(n,) + tuple(input_shape))
            call_list.append({"X": X, "y": g.integers(classes, size=n) if mode == "train" else None})
        return {"kwargs": kwargs, "params": params, "calls": call_list}
    return make


def loss_fields(inputs_make, call=0, loss=True, grads=True):
    """[(path, label)] of the loss and every gradient of one call."""
    inputs = inputs_make()
    k = inputs["kwargs"]
    names = param_names(len(k["hidden_dims"]) + 1, k["use_batchnorm"])
    fields = [(("results", call, "loss"), "the loss")] if loss else []
    if grads:
        fields += [(("results", call, "grads", name), f"grads[{name!r}]") for name in sorted(names)]
    return fields


def results_judge(title, fields, extra=None):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        for k, result in enumerate(student["results"]):
            want = "scores" if inputs["calls"][k]["y"] is None else "grads"
            if want == "grads" and not isinstance(result.get("grads"), dict):
                return fail(f"loss(X, y) returned {describe_type(result.get('grads'))} as grads, expected a dict")
        found = compare_fields(student, expected, fields, RTOL, ATOL)
        if found:
            return fail(found)
        return extra(student, expected, inputs, fail) if extra else Verdict.ok()
    return judge


def _running_fields(layers):
    return [(("bn_params", i, key), f"bn_params[{i}][{key!r}]")
            for i in range(layers) for key in ("running_mean", "running_var")]


def _judge_running(title, layers):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        bn = student["bn_params"]
        if not isinstance(bn, list) or len(bn) != layers:
            what = f"a list of length {len(bn)}" if isinstance(bn, list) else describe_type(bn)
            return fail(f"self.bn_params is {what}, expected one dict per hidden layer ({layers})")
        for i, d in enumerate(bn):
            for key in ("running_mean", "running_var"):
                if not isinstance(d, dict) or key not in d:
                    return fail(f"bn_params[{i}] has no {key!r} after training steps: pass "
                                f"self.bn_params[{i}] to layer {i + 1}'s batchnorm_forward")
        found = compare_fields(student, expected, _running_fields(layers), RTOL, ATOL)
        return fail(found) if found else Verdict.ok()
    return judge


# --- initialisation -----------------------------------------------------------------

INIT_DIMS = {"input_dim": 100, "hidden_dims": [80, 60], "num_classes": 10}


def _init_inputs(seed, **kwargs):
    return lambda: {"kwargs": dict(INIT_DIMS, weight_scale=5e-2, **kwargs), "seed": seed}


def _judge_init(title):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        kwargs = inputs["kwargs"]
        params, want = student["params"], expected["params"]
        if not isinstance(params, dict):
            return fail(f"self.params is {describe_type(params)}, expected a dict")
        missing = sorted(set(want) - set(params))
        extra = sorted(set(params) - set(want))
        if missing:
            return fail(f"self.params has no {missing[0]!r}")
        if extra:
            hint = " (no batchnorm on the output layer)" if extra[0].startswith(("gamma", "beta")) else ""
            return fail(f"self.params has an unexpected {extra[0]!r}{hint}")
        dtype = kwargs.get("dtype", "float32")
        ws = kwargs["weight_scale"]
        for name in sorted(want):
            value = row_as_vector(name, params[name], want[name].shape)
            problem = array_problem(f"params[{name!r}]", value, want[name].shape)
            if problem:
                return fail(problem)
            if value.dtype != np.dtype(dtype):
                return fail(f"params[{name!r}] has dtype {value.dtype}, expected {dtype} "
                            f"(cast every parameter to the dtype argument)")
            value = value.astype(np.float64)
            if name.startswith("W"):
                std_tol, mean_tol = 6 / np.sqrt(2 * value.size), 6 * ws / np.sqrt(value.size)
                if abs(value.std() / ws - 1) > std_tol:
                    return fail(f"params[{name!r}] has std {value.std():.3g}, expected weight_scale = {ws} "
                                f"(relative tolerance {std_tol:.2f})")
                if abs(value.mean()) > mean_tol:
                    return fail(f"params[{name!r}] has mean {value.mean():.3g}, expected 0 "
                                f"(tolerance {mean_tol:.2g}): draw weights with np.random.randn")
            else:
                fill = 1.0 if name.startswith("gamma") else 0.0
                if np.any(value != fill):
                    return fail(f"params[{name!r}] should be initialised to {fill:g}")
        if kwargs.get("use_batchnorm"):
            layers = len(kwargs["hidden_dims"])
            bn = student["bn_params"]
            if not isinstance(bn, list) or len(bn) != layers:
                return fail(f"self.bn_params should hold one dict per hidden layer ({layers})")
            if student["bn_param_objects"] != layers:
                return fail("self.bn_params holds the same dict more than once: each layer needs its own")
            if not all(isinstance(d, dict) and "mode" in d for d in bn):
                return fail("every dict in self.bn_params needs a 'mode'")
        return Verdict.ok()
    return judge


def checks(course):
    def check(question, name, title, probe, inputs, judge, group="fc_net", **kw):
        return Check(id=f"{question}/{name}", question=question, function=FUNCTION, title=title,
                     probe=probe, modules=MODULES, inputs=inputs, judge=judge, group=group, **kw)

    hw3, bn = "hw3", "fc_net_batchnorm"
    t_init = "init with weight_scale=5e-2 and the default dtype (float32)"
    t_init64 = "init with dtype=np.float64"
    t_loss = "loss with reg=0.7 and nonzero biases, X of shape (8, 3, 4, 4), hidden [20, 15]"
    t_grads = "gradients with reg=0.7 and nonzero biases, three hidden layers"
    t_scores = "loss(X) without y returns the scores (N, C)"
    t_public = "the notebook's gradient-check case (N=2, D=15, hidden [20, 30], C=10, reg=3.14)"
    t_bn_init = "init with use_batchnorm=True"
    t_bn_public = "the notebook's batchnorm gradient-check case (N=2, D=15, hidden [20, 30], reg=3.14)"
    t_bn_loss = "loss with batchnorm, reg=0.5, nonzero biases, gammas and betas"
    t_bn_grads = "gradients with batchnorm, reg=0.5, nonzero biases, gammas and betas"
    t_bn_running = "running statistics of every layer after three training steps"
    t_bn_scores = "test-mode scores after three training steps (running statistics)"

    loss_case = net_case(51, [20, 15], input_shape=(3, 4, 4), reg=0.7)
    grads_case = net_case(52, [12, 10, 9], reg=0.7, n=10)
    scores_case = net_case(53, [20, 15], input_shape=(3, 4, 4), calls=("test",))
    public_case = net_case(54, [20, 30], input_shape=(15,), classes=10, n=2, reg=3.14, weight_scale=5e-2,
                           zero_biases=True)
    bn_public = net_case(55, [20, 30], input_shape=(15,), classes=10, n=2, reg=3.14, weight_scale=5e-2,
                         zero_biases=True, use_batchnorm=True)
    bn_loss = net_case(56, [16, 12], reg=0.5, use_batchnorm=True, n=10)
    bn_grads = net_case(57, [16, 12], reg=0.5, use_batchnorm=True, n=10)
    bn_steps = net_case(58, [16, 12], use_batchnorm=True, n=10, calls=("train", "train", "train", "test"))
    return [
        check(hw3, "fc_init", t_init, "fc_net.init", _init_inputs(61), _judge_init(t_init)),
        check(hw3, "fc_init_float64", t_init64, "fc_net.init", _init_inputs(62, dtype="float64"),
              _judge_init(t_init64)),
        check(hw3, "fc_loss", t_loss, "fc_net.loss", loss_case,
              results_judge(t_loss, loss_fields(loss_case, grads=False))),
        check(hw3, "fc_grads", t_grads, "fc_net.loss", grads_case,
              results_judge(t_grads, loss_fields(grads_case, loss=False))),
        check(hw3, "fc_scores", t_scores, "fc_net.loss", scores_case,
              results_judge(t_scores, [(("results", 0, "scores"), "the scores")])),
        check(hw3, "public_fc_grads", t_public, "fc_net.loss", public_case,
              results_judge(t_public, loss_fields(public_case)), public=True),
        check(bn, "init", t_bn_init, "fc_net.init", _init_inputs(63, use_batchnorm=True), _judge_init(t_bn_init)),
        check(bn, "public_grads", t_bn_public, "fc_net.loss", bn_public,
              results_judge(t_bn_public, loss_fields(bn_public)), public=True),
        check(bn, "loss", t_bn_loss, "fc_net.loss", bn_loss, results_judge(t_bn_loss, loss_fields(bn_loss, grads=False))),
        check(bn, "grads", t_bn_grads, "fc_net.loss", bn_grads,
              results_judge(t_bn_grads, loss_fields(bn_grads, loss=False))),
        check(bn, "running_stats", t_bn_running, "fc_net.loss", bn_steps, _judge_running(t_bn_running, 2)),
        check(bn, "test_scores", t_bn_scores, "fc_net.loss", bn_steps,
              results_judge(t_bn_scores, [(("results", 3, "scores"), "the test-mode scores")])),
    ]
