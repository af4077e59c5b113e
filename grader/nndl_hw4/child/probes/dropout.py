"""Probes of dropout_forward / dropout_backward (nndl.layers).

Masks legitimately differ between implementations, so these probes only
return raw outputs; the grader judges them structurally and statistically.
"""

from .common import fresh, snapshot

__all__ = ["forward", "backward"]


def forward(mods, inputs):
    """dropout_forward on each case in turn (a fresh copy of its dict each time).

    inputs: x, params (list of dropout_param dicts).
    outputs: out (list, one per dict).
    """
    outs = []
    for param in inputs["params"]:
        out, _ = mods.layers.dropout_forward(fresh(inputs["x"]), fresh(param))
        outs.append(snapshot(out))
    return {"out": outs}


def backward(mods, inputs):
    """dropout_backward(dout, cache) on the cache of one dropout_forward.

    inputs: x, dout, param.
    outputs: out, dx.
    """
    out, cache = mods.layers.dropout_forward(fresh(inputs["x"]), fresh(inputs["param"]))
    out = snapshot(out)
    dx = mods.layers.dropout_backward(fresh(inputs["dout"]), cache)
    return {"out": out, "dx": snapshot(dx)}
