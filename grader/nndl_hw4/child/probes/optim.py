"""Probes of nndl.optim: run update rules for several steps carrying the config."""

from .common import fresh, snapshot

__all__ = ["steps"]


def steps(mods, inputs):
    """Call optim.<rule> once per row of inputs['dws'], feeding next_w and config back.

    inputs: rule (str), w (array), dws (array (k, *w.shape)), config (dict or None).
    outputs: next_w (list of k arrays), config (list of k snapshots of the config).
    """
    rule = getattr(mods.optim, inputs["rule"])
    w = fresh(inputs["w"])
    config = fresh(inputs["config"])
    out = {"next_w": [], "config": []}
    for dw in inputs["dws"]:
        next_w, config = rule(w, fresh(dw), config)
        out["next_w"].append(snapshot(next_w))
        out["config"].append(snapshot(config))
        w = next_w
    return out
