"""The reference network's training loss and gradients under GIVEN dropout masks.

Runs in the grader's process with the trusted reference layers. The fc-net
dropout checks record the masks a student's network applied (probes.fc_net)
and replay them here, so the student's loss and gradients can be compared
exactly although every implementation draws its own masks.
"""

import numpy as np

from ..reference.nndl import layers as L


def masks_from_calls(calls):
    """Each recorded dropout_forward call's mask: out / x where x != 0, else 0.

    Where x is 0 (a ReLU that is off) the mask is unknowable and irrelevant:
    the unit's output and its gradient are 0 whatever the mask.
    """
    masks = []
    for call in calls:
        x, out = call["x"].astype(np.float64), call["out"].astype(np.float64)
        nonzero = x != 0
        mask = np.zeros_like(x)
        mask[nonzero] = out[nonzero] / x[nonzero]
        masks.append(mask)
    return masks


def loss_and_grads(params, X, y, num_layers, reg, use_batchnorm, masks):
    """(loss, grads) of {affine - [batchnorm] - relu - mask} x (L-1) - affine - softmax, plus L2."""
    caches = []
    h = X
    for i in range(1, num_layers):
        a, fc_cache = L.affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        bn_cache = None
        if use_batchnorm:
            a, bn_cache = L.batchnorm_forward(a, params[f"gamma{i}"], params[f"beta{i}"], {"mode": "train"})
        h, relu_cache = L.relu_forward(a)
        h = h * masks[i - 1]
        caches.append((fc_cache, bn_cache, relu_cache))
    scores, out_cache = L.affine_forward(h, params[f"W{num_layers}"], params[f"b{num_layers}"])
    loss, dscores = L.softmax_loss(scores, y)
    weights = [params[f"W{i}"] for i in range(1, num_layers + 1)]
    loss += 0.5 * reg * sum(np.sum(W * W) for W in weights)

    grads = {}
    dh, grads[f"W{num_layers}"], grads[f"b{num_layers}"] = L.affine_backward(dscores, out_cache)
    for i in range(num_layers - 1, 0, -1):
        fc_cache, bn_cache, relu_cache = caches[i - 1]
        da = L.relu_backward(dh * masks[i - 1], relu_cache)
        if use_batchnorm:
            da, grads[f"gamma{i}"], grads[f"beta{i}"] = L.batchnorm_backward(da, bn_cache)
        dh, grads[f"W{i}"], grads[f"b{i}"] = L.affine_backward(da, fc_cache)
    for i, W in enumerate(weights, start=1):
        grads[f"W{i}"] = grads[f"W{i}"] + reg * W
    return loss, grads
