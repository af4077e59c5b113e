"""Probes of FullyConnectedNet (nndl.fc_net): initialisation, loss and gradients, test-mode scores.

Networks are built from ``inputs['kwargs']`` (``dtype`` given by name) and,
unless the check is about initialisation, get their parameters set from the
inputs, so the student's network and the reference compute on identical
numbers.
"""

import numpy as np

from .common import fresh, snapshot

__all__ = ["init", "loss", "dropout_loss"]


def layer_params(found):
    """The per-layer dicts of a network's bn_params in layer order, whatever the container (a list,
    a tuple, or a dict in insertion order), or None."""
    if isinstance(found, dict):
        return list(found.values())
    return list(found) if isinstance(found, (list, tuple)) else None


def set_modes(net, mode):
    """What the course's starter does before every pass (lines outside the regions): the mode of every
    batchnorm and dropout layer. Done here too, so a starter line a student never wrote (the old
    starter's typo bn_param[mode] = mode) cannot change what a check sees."""
    for param in layer_params(getattr(net, "bn_params", None)) or ():
        if isinstance(param, dict):
            param["mode"] = mode
    dropout_param = getattr(net, "dropout_param", None)
    if isinstance(dropout_param, dict):
        dropout_param["mode"] = mode


def with_modes(net):
    """`net` whose loss(X, y=None) sets the modes first (see set_modes), also when a Solver calls it."""
    original = net.loss

    def loss(X, y=None):
        set_modes(net, "test" if y is None else "train")
        return original(X, y)

    net.loss = loss
    return net


def build(mods, inputs):
    """The student's network from inputs['kwargs'] (dtype by name), its parameters set from
    inputs['params'] (np.random seeded first when inputs has a seed)."""
    kwargs = dict(inputs["kwargs"])
    if "dtype" in kwargs:
        kwargs["dtype"] = getattr(np, kwargs["dtype"])
    if inputs.get("seed") is not None:
        mods.random.seed(inputs["seed"])
    net = with_modes(mods.fc_net.FullyConnectedNet(**kwargs))
    for name, value in (inputs.get("params") or {}).items():
        net.params[name] = fresh(value)
    return net


def _bn_params(net):
    found = layer_params(getattr(net, "bn_params", None))
    if found is None:
        return None
    return [snapshot(dict(d)) if isinstance(d, dict) else snapshot(d) for d in found]


def init(mods, inputs):
    """A freshly built network (np.random seeded first).

    inputs: kwargs, seed.
    outputs: params, bn_params (list of dict snapshots, or None), bn_param_objects
    (how many distinct objects bn_params holds), num_layers.
    """
    net = build(mods, inputs)
    bn = layer_params(getattr(net, "bn_params", None))
    return {
        "params": snapshot(dict(net.params)),
        "bn_params": _bn_params(net),
        "bn_param_objects": len({id(d) for d in bn}) if bn is not None else 0,
        "num_layers": getattr(net, "num_layers", None),
    }


def loss(mods, inputs):
    """net.loss on each call in turn; y None asks for test-mode scores.

    inputs: kwargs, params, calls (list of {'X', 'y'}).
    outputs: results (per call: {'loss', 'grads'} or {'scores'}), bn_params after
    the last call (running statistics per layer).
    """
    net = build(mods, inputs)
    results = []
    for call in inputs["calls"]:
        if call["y"] is None:
            results.append({"scores": snapshot(net.loss(fresh(call["X"])))})
        else:
            value, grads = net.loss(fresh(call["X"]), fresh(call["y"]))
            results.append({"loss": snapshot(value), "grads": snapshot(dict(grads))})
    return {"results": results, "bn_params": _bn_params(net)}


class _DropoutRecorder:
    """Wraps dropout_forward wherever the student's modules can reach it, recording each call.

    Only outermost calls are recorded (a student's own dropout helper calling
    the layer counts once). The input is copied BEFORE the call, as an in-place
    implementation may overwrite it.
    """

    NAME = "dropout_forward"

    def __init__(self, modules):
        self.calls, self.recording, self.depth = [], False, 0
        self.patched = []
        for module in modules:
            original = getattr(module, "__dict__", {}).get(self.NAME)
            if callable(original):
                self.patched.append((module, original))

    def _wrap(self, original):
        def dropout_forward(x, dropout_param, *args, **kwargs):
            outer = self.recording and self.depth == 0
            x_before = snapshot(x) if outer else None
            self.depth += 1
            try:
                result = original(x, dropout_param, *args, **kwargs)
            finally:
                self.depth -= 1
            if outer:
                get = getattr(dropout_param, "get", lambda key: None)
                out = result[0] if isinstance(result, tuple) and result else result
                self.calls.append({"x": x_before, "out": snapshot(out), "p": snapshot(get("p")),
                                   "mode": snapshot(get("mode"))})
            return result
        return dropout_forward

    def __enter__(self):
        for module, original in self.patched:
            setattr(module, self.NAME, self._wrap(original))
        return self

    def __exit__(self, *exc):
        for module, original in self.patched:
            setattr(module, self.NAME, original)
        return False


def dropout_loss(mods, inputs):
    """A train-mode loss of a seeded dropout network, recording every dropout_forward call.

    Also the loss at parameters moved by +-h along given directions, for the
    grader's fallback when the network never calls dropout_forward.

    inputs: kwargs, params, X, y, h, directions (list of {param name: array}).
    outputs: loss, grads, calls (list of {'x', 'out', 'p', 'mode'}), loss_again,
    perturbed (list of [loss(+h), loss(-h)]).
    """
    net = build(mods, inputs)
    X, y = inputs["X"], inputs["y"]
    modules = [getattr(mods, name) for name in ("fc_net", "layer_utils", "layers") if hasattr(mods, name)]
    with _DropoutRecorder(modules) as recorder:
        recorder.recording = True
        value, grads = net.loss(fresh(X), fresh(y))
        recorder.recording = False
    out = {"loss": snapshot(value), "grads": snapshot(dict(grads)), "calls": recorder.calls}
    out["loss_again"] = snapshot(net.loss(fresh(X), fresh(y))[0])
    base = {name: fresh(value) for name, value in inputs["params"].items()}
    perturbed = []
    for direction in inputs["directions"]:
        pair = []
        for sign in (1.0, -1.0):
            for name, value in base.items():
                net.params[name] = value + sign * inputs["h"] * direction[name] if name in direction else fresh(value)
            pair.append(snapshot(net.loss(fresh(X), fresh(y))[0]))
        perturbed.append(pair)
    return dict(out, perturbed=perturbed)
