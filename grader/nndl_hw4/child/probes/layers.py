"""Probes of single layers (nndl.layers and nndl.layer_utils): forward, backward, side effects."""

from .common import fresh, snapshot

__all__ = ["forward", "backward", "relu_side_effects"]


def _function(mods, inputs, key):
    return getattr(getattr(mods, inputs.get("module", "layers")), inputs[key])


def forward(mods, inputs):
    """out of `function`(*args) (its cache is not looked at).

    inputs: function (str), args (list), module ('layers' or 'layer_utils').
    outputs: out.
    """
    out, _ = _function(mods, inputs, "function")(*fresh(inputs["args"]))
    return {"out": snapshot(out)}


def backward(mods, inputs):
    """grads of `backward`(dout, cache) where cache comes from `forward`(*args).

    inputs: forward, backward (str), args (list), dout (array), module.
    outputs: out, grads (a list when the function returned a tuple, else one value).
    """
    out, cache = _function(mods, inputs, "forward")(*fresh(inputs["args"]))
    out = snapshot(out)
    grads = _function(mods, inputs, "backward")(fresh(inputs["dout"]), cache)
    grads = list(grads) if isinstance(grads, tuple) else grads
    return {"out": out, "grads": snapshot(grads)}


def relu_side_effects(mods, inputs):
    """What relu_forward/relu_backward leave behind in the arrays they were given.

    inputs: x, dout.
    outputs: x_after (x after forward and two backward calls), dout_after, dx (both calls).
    """
    x, dout = fresh(inputs["x"]), fresh(inputs["dout"])
    _, cache = mods.layers.relu_forward(x)
    dx1 = snapshot(mods.layers.relu_backward(dout, cache))
    dx2 = snapshot(mods.layers.relu_backward(dout, cache))
    return {"x_after": snapshot(x), "dout_after": snapshot(dout), "dx": [dx1, dx2]}
