"""Probes of batchnorm_forward / batchnorm_backward (nndl.layers)."""

from .common import fresh, snapshot

__all__ = ["forward_steps", "invalid_mode", "backward"]


def forward_steps(mods, inputs):
    """Several batchnorm_forward calls sharing one bn_param dict.

    inputs: xs (list of (N, D) arrays), gamma, beta, bn_param (the initial dict),
    modes (one per x), record (indices of the steps whose output is returned).
    outputs: out (list, recorded steps), running_mean / running_var (list, every
    step; None when the key is missing), keys (sorted keys of bn_param at the end).
    """
    bn_param = fresh(inputs["bn_param"])
    record = set(inputs["record"])
    out = {"out": [], "running_mean": [], "running_var": []}
    for step, (x, mode) in enumerate(zip(inputs["xs"], inputs["modes"])):
        bn_param["mode"] = mode
        y, _ = mods.layers.batchnorm_forward(fresh(x), fresh(inputs["gamma"]), fresh(inputs["beta"]), bn_param)
        if step in record:
            out["out"].append(snapshot(y))
        out["running_mean"].append(snapshot(bn_param.get("running_mean")))
        out["running_var"].append(snapshot(bn_param.get("running_var")))
    out["keys"] = sorted(str(k) for k in bn_param)
    return out


def invalid_mode(mods, inputs):
    """A train step, then a call with an unknown mode: what did it raise?

    inputs: x, gamma, beta, mode (the unknown mode).
    outputs: raised (exception type name, or None).
    """
    bn_param = {"mode": "train"}
    mods.layers.batchnorm_forward(fresh(inputs["x"]), fresh(inputs["gamma"]), fresh(inputs["beta"]), bn_param)
    bn_param["mode"] = inputs["mode"]
    try:
        mods.layers.batchnorm_forward(fresh(inputs["x"]), fresh(inputs["gamma"]), fresh(inputs["beta"]), bn_param)
    except Exception as exc:  # the check wants one specific type: report whichever came
        return {"raised": type(exc).__name__}
    return {"raised": None}


def backward(mods, inputs):
    """batchnorm_backward(dout, cache) on the cache of one train-mode forward.

    inputs: x, gamma, beta, dout.
    outputs: dx, dgamma, dbeta (None if the returned tuple is shorter).
    """
    _, cache = mods.layers.batchnorm_forward(fresh(inputs["x"]), fresh(inputs["gamma"]), fresh(inputs["beta"]),
                                             {"mode": "train"})
    grads = mods.layers.batchnorm_backward(fresh(inputs["dout"]), cache)
    grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
    grads += [None] * (3 - len(grads))
    return snapshot({"dx": grads[0], "dgamma": grads[1], "dbeta": grads[2]})
