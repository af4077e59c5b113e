"""Checks of the HW3 layers: affine, ReLU and affine-ReLU, forward and backward.

Hidden cases are seeded and compared with the reference at rtol 1e-8: another
summation order moves float64 results by ~1e-15 relative (measured on these
cases: np.einsum or a Python loop instead of @ differ by <= 1.1e-14), while
every classic mistake here is an O(1) error or a wrong shape. The public cases are the notebook's printed
fixtures (8 decimals: the reference shows 9.8e-10 and 5.0e-8 against them).
"""

import numpy as np

from .base import Check, Verdict, failure
from .common import fields_judge, grads_fields, rng
from .compare import mismatch

RTOL = 1e-8          # see the module docstring
QUESTION = "hw3"
LAYERS = ("nndl.layers",)
UTILS = ("nndl.layers", "nndl.layer_utils")

# The notebook's affine_forward / relu_forward fixtures, printed to 8 decimals.
PUBLIC_AFFINE_OUT = [[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]
PUBLIC_RELU_OUT = [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.04545455, 0.13636364],
                   [0.22727273, 0.31818182, 0.40909091, 0.5]]
PUBLIC_AFFINE_RTOL = 1e-8   # rounding to 8 decimals: the reference shows 9.8e-10
PUBLIC_RELU_RTOL = 1e-6     # 0.04545455 is rounded by 5e-9: the reference shows 5.0e-8


def public_affine_inputs():
    x = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=3 * 120).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    return {"function": "affine_forward", "args": [x, w, b]}


def public_relu_inputs():
    return {"function": "relu_forward", "args": [np.linspace(-0.5, 0.5, num=12).reshape(3, 4)]}


def _affine_args(seed):
    g = rng(seed)
    x = g.normal(size=(5, 3, 4, 2))          # (N, d1, d2, d3): D = 24
    return [x, g.normal(size=(24, 7)), g.normal(size=7)]


def _affine_forward(seed):
    return lambda: {"function": "affine_forward", "args": _affine_args(seed)}


def _affine_backward(seed):
    def make():
        args = _affine_args(seed)
        return {"forward": "affine_forward", "backward": "affine_backward", "args": args,
                "dout": rng(seed + 1).normal(size=(5, 7))}
    return make


def _relu_x(g, shape):
    # Keep inputs away from 0, where the ReLU derivative is a convention.
    x = g.normal(size=shape)
    return x + np.sign(x) * 0.01


def _relu_forward(seed):
    return lambda: {"function": "relu_forward", "args": [_relu_x(rng(seed), (6, 9))]}


def _relu_backward(seed):
    def make():
        g = rng(seed)
        return {"forward": "relu_forward", "backward": "relu_backward",
                "args": [_relu_x(g, (6, 9))], "dout": g.normal(size=(6, 9))}
    return make


def _relu_side_effects(seed):
    def make():
        g = rng(seed)
        return {"x": _relu_x(g, (6, 9)), "dout": g.normal(size=(6, 9))}
    return make


def _affine_relu(seed, backward):
    def make():
        args = _affine_args(seed)
        inputs = {"module": "layer_utils", "args": args}
        if not backward:
            return dict(inputs, function="affine_relu_forward")
        return dict(inputs, forward="affine_relu_forward", backward="affine_relu_backward",
                    dout=rng(seed + 1).normal(size=(5, 7)))
    return make


def _judge_side_effects(title):
    fail = failure("relu_backward", title)

    def judge(student, expected, inputs):
        if mismatch(student["x_after"], inputs["x"], 0.0, "x"):
            return fail("the array given to relu_forward (held in the cache) was modified; "
                        "relu_backward must not change its cache")
        if mismatch(student["dout_after"], inputs["dout"], 0.0, "dout"):
            return fail("dout was modified in place; compute dx as a new array")
        first, second = student["dx"]
        found = mismatch(second, first, 0.0, "dx of a second call") if isinstance(first, np.ndarray) else None
        if found:
            return fail(f"calling relu_backward twice on one cache gives different results ({found})")
        return Verdict.ok()
    return judge


def _judge_public(function, want, rtol, title):
    fail = failure(function, title)
    want = np.asarray(want)

    def judge(student, expected, inputs):
        found = mismatch(student["out"], want, rtol, "out")
        return fail(found) if found else Verdict.ok()
    return judge


def checks(course):
    def check(name, function, title, probe, inputs, judge, modules=LAYERS, **kw):
        return Check(id=f"{QUESTION}/{name}", question=QUESTION, function=function, title=title,
                     probe=probe, modules=modules, inputs=inputs, judge=judge, group="layers", **kw)

    affine_title = "x of shape (5, 3, 4, 2), w (24, 7)"
    relu_title = "x of shape (6, 9)"
    return [
        check("public_affine_forward", "affine_forward", "the notebook's fixture", "layers.forward",
              public_affine_inputs, _judge_public("affine_forward", PUBLIC_AFFINE_OUT, PUBLIC_AFFINE_RTOL,
                                                  "the notebook's fixture"), public=True, reference=False),
        check("affine_forward", "affine_forward", affine_title, "layers.forward", _affine_forward(11),
              fields_judge("affine_forward", affine_title, [(("out",), "out")], RTOL)),
        check("affine_backward", "affine_backward", affine_title, "layers.backward", _affine_backward(12),
              fields_judge("affine_backward", affine_title, grads_fields(("grads",), ("dx", "dw", "db")), RTOL)),
        check("public_relu_forward", "relu_forward", "the notebook's fixture", "layers.forward",
              public_relu_inputs, _judge_public("relu_forward", PUBLIC_RELU_OUT, PUBLIC_RELU_RTOL,
                                                "the notebook's fixture"), public=True, reference=False),
        check("relu_forward", "relu_forward", relu_title, "layers.forward", _relu_forward(13),
              fields_judge("relu_forward", relu_title, [(("out",), "out")], RTOL)),
        check("relu_backward", "relu_backward", relu_title, "layers.backward", _relu_backward(14),
              fields_judge("relu_backward", relu_title, [(("grads",), "dx")], RTOL)),
        check("relu_backward_inputs", "relu_backward", "its cache and dout are left unchanged",
              "layers.relu_side_effects", _relu_side_effects(15),
              _judge_side_effects("its cache and dout are left unchanged"), reference=False),
        check("affine_relu_forward", "affine_relu_forward", affine_title, "layers.forward",
              _affine_relu(16, backward=False),
              fields_judge("affine_relu_forward", affine_title, [(("out",), "out")], RTOL), modules=UTILS),
        check("affine_relu_backward", "affine_relu_backward", affine_title, "layers.backward",
              _affine_relu(17, backward=True),
              fields_judge("affine_relu_backward", affine_title, grads_fields(("grads",), ("dx", "dw", "db")),
                           RTOL), modules=UTILS),
    ]
