"""Short training runs with the trusted utils.solver.Solver.

The child never reports an accuracy (student code could tamper with anything
in this process): it returns the trained parameters and the grader scores
them in its own process on the same data.
"""

import numpy as np

from .common import fresh, snapshot
from .fc_net import layer_params, with_modes

__all__ = ["update_rule", "fc_net_sgd"]


class TinyNet:
    """A trusted two-layer ReLU net with softmax loss: only the update rule is the student's."""

    def __init__(self, params):
        self.params = params

    def scores(self, X):
        h = np.maximum(X @ self.params["W1"] + self.params["b1"], 0)   # (N, H)
        return h @ self.params["W2"] + self.params["b2"]                 # (N, C)

    def loss(self, X, y=None):
        W1, b1, W2, b2 = (self.params[k] for k in ("W1", "b1", "W2", "b2"))
        a = X @ W1 + b1
        h = np.maximum(a, 0)
        scores = h @ W2 + b2
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        n = len(y)
        loss = -np.mean(np.log(probs[np.arange(n), y]))
        dscores = probs
        dscores[np.arange(n), y] -= 1
        dscores /= n
        dh = (dscores @ W2.T) * (a > 0)
        grads = {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
        return loss, grads


def sgd(w, dw, config=None):
    """Plain SGD owned by the probe, so a network run exercises only the network."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w - config["learning_rate"] * dw, config


def _train(mods, model, inputs, rule):
    mods.random.seed(inputs["seed"])
    data = {k: fresh(inputs["data"][k]) for k in ("X_train", "y_train", "X_val", "y_val")}
    solver = mods.solver.Solver(model, data, update_rule="sgd", optim_config=fresh(inputs["optim_config"]),
                                verbose=False, **inputs["solver"])
    # Bind the rule itself, not the Solver's module-level `optim`: in the
    # sandbox they are the same student module; in-process they may not be.
    solver.update_rule = rule
    solver.train()
    return model


def update_rule(mods, inputs):
    """Train TinyNet with the student's optim.<rule>.

    inputs: rule, params (initial TinyNet params), data, optim_config, solver (kwargs), seed.
    outputs: params (after training).
    """
    model = TinyNet(fresh(inputs["params"]))
    _train(mods, model, inputs, getattr(mods.optim, inputs["rule"]))
    return {"params": snapshot(dict(model.params))}


def fc_net_sgd(mods, inputs):
    """Train the student's FullyConnectedNet with the probe's own SGD.

    inputs: kwargs (dtype by name), data, optim_config, solver (kwargs), seed.
    outputs: params, bn_params (running statistics per layer, or None).
    """
    kwargs = dict(inputs["kwargs"])
    kwargs["dtype"] = getattr(np, kwargs.get("dtype", "float64"))
    mods.random.seed(inputs["seed"])
    net = with_modes(mods.fc_net.FullyConnectedNet(**kwargs))
    _train(mods, net, inputs, sgd)
    bn = layer_params(getattr(net, "bn_params", None))
    bn = [snapshot(dict(d)) for d in bn if isinstance(d, dict)] if bn is not None else None
    return {"params": snapshot(dict(net.params)), "bn_params": bn}
