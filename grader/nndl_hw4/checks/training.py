"""Short training runs: each update rule on a trusted tiny net, and the batchnorm network with SGD.

The data is a 4-class problem no linear model solves (class = XOR of the
signs of two features, plus twice the sign of a third; 8 features, 256
points). The child returns the trained parameters; the grader computes the
training accuracy here, with trusted code (probes.training.TinyNet, or the
reference FullyConnectedNet given the student's running statistics).

Bars, measured with the reference (5 seeds each): TinyNet reaches 0.95-0.996
with every rule at the learning rates below in 15 epochs (plain SGD: ~0.75,
a linear model ~0.5); the batchnorm net with SGD reaches 0.89-0.96.
Ascending the gradient, a first step divided by sqrt(0) + eps, or NaN from a
wrong Adam lands near chance (0.25-0.5).
"""

import numpy as np

from .. import runtime
from ..child.probes.training import TinyNet
from .base import Check, Verdict, failure
from .common import array_problem, rng
from .fc_net import MODULES as FC_MODULES
from .fc_net import row_as_vector

RULE_BAR = 0.85        # see the module docstring
FC_BAR = 0.80          # see the module docstring
RULES = {
    # rule: learning rate (measured, see the module docstring)
    "sgd_momentum": 0.1,
    "sgd_nesterov_momentum": 0.1,
    "rmsprop": 1e-2,
    "adam": 2e-2,
}
SOLVER = {"num_epochs": 15, "batch_size": 32}
DIMS = {"D": 8, "H": 32, "C": 4, "N": 256}


def dataset(seed):
    g = rng(seed)
    X = g.normal(size=(DIMS["N"], DIMS["D"]))
    y = ((X[:, 0] > 0).astype(np.int64) ^ (X[:, 1] > 0).astype(np.int64)) + 2 * (X[:, 2] > 0)
    return {"X_train": X, "y_train": y, "X_val": X, "y_val": y}


def _rule_inputs(rule, seed):
    def make():
        g = rng(seed + 1)
        D, H, C = DIMS["D"], DIMS["H"], DIMS["C"]
        params = {"W1": g.normal(size=(D, H)) * np.sqrt(2 / D), "b1": np.zeros(H),
                  "W2": g.normal(size=(H, C)) * np.sqrt(1 / H), "b2": np.zeros(C)}
        return {"rule": rule, "params": params, "data": dataset(seed), "optim_config": {"learning_rate": RULES[rule]},
                "solver": dict(SOLVER), "seed": seed}
    return make


def _fc_inputs(seed):
    def make():
        kwargs = {"hidden_dims": [32, 32], "input_dim": DIMS["D"], "num_classes": DIMS["C"],
                  "use_batchnorm": True, "weight_scale": 0.1, "dtype": "float64"}
        return {"kwargs": kwargs, "data": dataset(seed), "optim_config": {"learning_rate": 0.2},
                "solver": dict(SOLVER), "seed": seed}
    return make


def _accuracy(scores, y):
    return float(np.mean(np.argmax(scores, axis=1) == y))


def _params_problem(params, shapes):
    if not isinstance(params, dict):
        return f"the trained model.params is {type(params).__name__}, expected a dict"
    for name, shape in shapes.items():
        problem = array_problem(f"the trained params[{name!r}]", row_as_vector(name, params.get(name), shape),
                                shape)
        if problem:
            return problem + " (did the updates diverge?)" if "NaN" in problem else problem
    return None


def _judge_rule(rule, title):
    fail = failure(rule, title)

    def judge(student, expected, inputs):
        shapes = {k: v.shape for k, v in inputs["params"].items()}
        problem = _params_problem(student["params"], shapes)
        if problem:
            return fail(problem)
        net = TinyNet({k: student["params"][k].astype(np.float64) for k in shapes})
        data = inputs["data"]
        acc = _accuracy(net.scores(data["X_train"]), data["y_train"])
        if acc < RULE_BAR:
            return fail(f"the trained net reaches {acc:.1%} training accuracy, expected at least {RULE_BAR:.0%}")
        return Verdict.ok()
    return judge


def _param_shapes(kwargs):
    """{name: shape} of the network's parameters, in the order the reference creates them."""
    dims = [kwargs["input_dim"], *kwargs["hidden_dims"], kwargs["num_classes"]]
    shapes = {}
    for i in range(1, len(dims)):
        shapes[f"W{i}"], shapes[f"b{i}"] = (dims[i - 1], dims[i]), (dims[i],)
        if kwargs["use_batchnorm"] and i < len(dims) - 1:
            shapes[f"gamma{i}"], shapes[f"beta{i}"] = (dims[i],), (dims[i],)
    return shapes


def _judge_fc(title):
    fail = failure("FullyConnectedNet", title)

    def judge(student, expected, inputs):
        kwargs = dict(inputs["kwargs"], dtype=np.float64)
        net = runtime.network(len(kwargs["hidden_dims"]), kwargs["use_batchnorm"])
        problem = _params_problem(student["params"], _param_shapes(kwargs))
        if problem:
            return fail(problem)
        net.params = {k: row_as_vector(k, student["params"][k], shape).astype(np.float64)
                      for k, shape in _param_shapes(kwargs).items()}
        bn = student["bn_params"]
        if not isinstance(bn, list) or len(bn) != len(net.bn_params):
            return fail("after training, bn_params should hold one dict per hidden layer")
        for i, theirs in enumerate(bn):
            if not isinstance(theirs, dict):
                return fail(f"after training, bn_params[{i}] is {type(theirs).__name__}, expected a dict")
            for key in ("running_mean", "running_var"):
                value = theirs.get(key)
                problem = array_problem(f"bn_params[{i}][{key!r}]", value, (kwargs["hidden_dims"][i],))
                if problem:
                    return fail(problem + " after training")
                net.bn_params[i][key] = value.astype(np.float64)
        data = inputs["data"]
        acc = _accuracy(net.loss(data["X_train"]), data["y_train"])
        if acc < FC_BAR:
            return fail(f"the trained network reaches {acc:.1%} training accuracy (scored with its running "
                        f"statistics), expected at least {FC_BAR:.0%}")
        return Verdict.ok()
    return judge


def checks(course):
    out = []
    title = f"training a small two-layer net with Solver ({SOLVER['num_epochs']} epochs)"
    for seed, rule in enumerate(RULES, start=81):
        out.append(Check(id=f"{rule}/training", question=rule, function=rule, title=title,
                         probe="training.update_rule", modules=("nndl.optim", "utils.solver"),
                         inputs=_rule_inputs(rule, seed), judge=_judge_rule(rule, title), group="training",
                         reference=False))
    fc_title = f"training a batchnorm network with Solver and SGD ({SOLVER['num_epochs']} epochs)"
    out.append(Check(id="fc_net_batchnorm/training", question="fc_net_batchnorm", function="FullyConnectedNet",
                     title=fc_title, probe="training.fc_net_sgd",
                     modules=(*FC_MODULES, "utils.solver"),
                     inputs=_fc_inputs(89), judge=_judge_fc(fc_title), group="training", reference=False))
    return out
