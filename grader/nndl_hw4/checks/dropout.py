"""Checks of dropout_forward / dropout_backward: structural and statistical only.

Masks legitimately differ between implementations (``rand < k``,
``rand >= 1 - k``, a binomial draw...), so no check compares a mask with the
reference's. With k the keep probability that p means in this course (p
itself, or 1 - p: course.Course), inputs are ``randn + 10`` (never 0), so a
unit is dropped exactly when its output is 0, and the mask is ``out / x``:

- the dropped fraction must be within 6 binomial sigmas of 1 - k (see
  common.binomial_tolerance; p read with the other convention is > 50 sigmas
  off for the p used here, 0.3 and 0.7);
- kept units must equal x / k to rtol 1e-12 (one rounding of a float64
  division; no scaling, or scaling by the other convention's 1/(1 - k), is
  >= 30% off);
- dropout_backward must return dout * (out / x) to rtol 1e-12 (same reason).
"""

import numpy as np

from .base import Check, Verdict, failure
from .common import array_problem, binomial_tolerance, rng

EXACT_RTOL = 1e-12   # see the module docstring
MODULES = ("nndl.layers",)
FUNCTION = "dropout_forward"


def _x(seed, shape, dtype=np.float64):
    return (rng(seed).normal(size=shape) + 10).astype(dtype)


def _forward(seed, shape, params, dtype=np.float64):
    return lambda: {"x": _x(seed, shape, dtype), "params": [dict(p) for p in params]}


def _outs(student, inputs, fail):
    """(outs, None) or (None, failing verdict) after the shape/dtype/NaN checks."""
    outs = student["out"]
    x = inputs["x"]
    for k, out in enumerate(outs):
        problem = array_problem(_name(inputs, k), out, x.shape)
        if problem:
            return None, fail(problem)
    return outs, None


def _name(inputs, k):
    param = inputs["params"][k]
    seed = f", seed={param['seed']}" if "seed" in param else ""
    return f"out (mode={param['mode']!r}, p={param['p']}{seed})"


def _judge_fraction(course, title):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        outs, verdict = _outs(student, inputs, fail)
        if verdict:
            return verdict
        for k, out in enumerate(outs):
            p = inputs["params"][k]["p"]
            want = course.drop_probability(p)
            dropped = float(np.mean(out == 0))
            tol = binomial_tolerance(want, out.size)
            if abs(dropped - want) > tol:
                return fail(f"{_name(inputs, k)}: {dropped:.3f} of the units are dropped, expected {want:.2f} "
                            f"(tolerance {tol:.3f}); p is {course.p_means}")
        return Verdict.ok()
    return judge


def _judge_scaling(course, title):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        outs, verdict = _outs(student, inputs, fail)
        if verdict:
            return verdict
        x = inputs["x"].astype(np.float64)
        for k, out in enumerate(outs):
            keep = course.keep_probability(inputs["params"][k]["p"])
            kept = out != 0
            if not kept.any():
                return fail(f"{_name(inputs, k)}: every unit was dropped")
            ratio = out[kept].astype(np.float64) / x[kept]
            err = float(np.max(np.abs(ratio * keep - 1)))
            if err > EXACT_RTOL:
                return fail(f"{_name(inputs, k)}: kept units are not x / {keep:g} (max relative error {err:.2e}, "
                            f"tolerance {EXACT_RTOL:.0e}); a unit is kept with probability {keep:g}, so "
                            f"inverted dropout scales kept units by 1 / {keep:g}")
        return Verdict.ok()
    return judge


def _judge_seed(title):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        outs, verdict = _outs(student, inputs, fail)
        if verdict:
            return verdict
        if not np.array_equal(outs[0], outs[1]):
            return fail("two calls with the same seed gave different outputs; draw the mask with "
                        "np.random (dropout_forward seeds it when dropout_param has a 'seed')")
        return Verdict.ok()
    return judge


def _judge_identity(title):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        outs, verdict = _outs(student, inputs, fail)
        if verdict:
            return verdict
        for k, out in enumerate(outs):
            if not np.array_equal(out, inputs["x"]):
                return fail(f"{_name(inputs, k)} differs from x; at test time dropout returns its input unchanged")
        return Verdict.ok()
    return judge


def _judge_dtype(title):
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        for k, out in enumerate(student["out"]):
            problem = array_problem(_name(inputs, k), out, inputs["x"].shape, inputs["x"].dtype)
            if problem:
                return fail(problem)
        return Verdict.ok()
    return judge


def _judge_public(course, title):
    """The notebook's prints: train zero fraction ~ 1 - k, train mean ~ input mean, test output == input."""
    fail = failure(FUNCTION, title)
    fraction, identity = _judge_fraction(course, title), _judge_identity(title)

    def judge(student, expected, inputs):
        train = [k for k, p in enumerate(inputs["params"]) if p["mode"] == "train"]
        test = [k for k, p in enumerate(inputs["params"]) if p["mode"] == "test"]
        for sub_judge, ks in ((fraction, train), (identity, test)):
            sub_student = {"out": [student["out"][k] for k in ks]}
            sub_inputs = dict(inputs, params=[inputs["params"][k] for k in ks])
            verdict = sub_judge(sub_student, None, sub_inputs)
            if not verdict.passed:
                return verdict
        x = inputs["x"]
        for k in train:
            keep, out = course.keep_probability(inputs["params"][k]["p"]), student["out"][k]
            # mean(out) - mean(x) has std ~ 10 * sqrt((1 - keep) / keep / n): allow 6 of them.
            tol = 6 * 10 * np.sqrt((1 - keep) / keep / x.size)
            if abs(out.mean() - x.mean()) > tol:
                return fail(f"{_name(inputs, k)}: its mean is off the input's mean by {abs(out.mean() - x.mean()):.3g} "
                            f"(tolerance {tol:.2g}); scale kept units by 1 / {keep:g}")
        return Verdict.ok()
    return judge


def _backward(seed, shape, param):
    def make():
        return {"x": _x(seed, shape), "dout": rng(seed + 1).normal(size=shape), "param": dict(param)}
    return make


def _judge_backward(title):
    fail = failure("dropout_backward", title)

    def judge(student, expected, inputs):
        x, dout = inputs["x"], inputs["dout"]
        out, dx = student["out"], student["dx"]
        problem = array_problem("out of dropout_forward", out, x.shape) or array_problem("dx", dx, x.shape)
        if problem:
            return fail(problem)
        if inputs["param"]["mode"] == "test":
            if not np.array_equal(dx, dout):
                return fail("dx differs from dout; at test time dropout passes the gradient through unchanged")
            return Verdict.ok()
        dropped = out == 0
        if np.any(dx[dropped] != 0):
            return fail("dx is nonzero for units that dropout_forward dropped; multiply dout by the forward mask")
        kept = ~dropped
        want = dout[kept] * (out[kept] / x[kept])      # dout times the mask dropout_forward applied
        err = float(np.max(np.abs(dx[kept] - want) / np.abs(want), initial=0.0))
        if err > EXACT_RTOL:
            return fail(f"dx is not dout times the forward mask (max relative error {err:.2e}, tolerance "
                        f"{EXACT_RTOL:.0e}); kept units carry dout scaled as their outputs are")
        return Verdict.ok()
    return judge


def checks(course):
    def check(question, name, title, probe, inputs, judge, function=FUNCTION, **kw):
        return Check(id=f"{question}/{name}", question=question, function=function, title=title,
                     probe=probe, modules=MODULES, inputs=inputs, judge=judge, group="layers",
                     reference=False, **kw)

    fwd, back = "dropout_forward", "dropout_backward"
    train = [{"mode": "train", "p": 0.3}, {"mode": "train", "p": 0.7}]
    t_public = "the notebook's case: x = randn(500, 500) + 10, p in 0.3, 0.6, 0.75"
    t_fraction = "fraction of dropped units, x of shape (200, 150), p = 0.3 and 0.7"
    t_scaling = "inverted scaling of kept units, p = 0.3 and 0.7"
    t_seed = "two calls with the same seed (p = 0.4, seed = 7)"
    t_test = "test mode returns x unchanged (p = 0.3 and 0.7)"
    t_dtype = "float32 input, train and test mode"
    t_back = "dx is dout times the forward mask (p = 0.4)"
    t_back_test = "test mode: dx is dout (p = 0.4)"
    t_back_public = "the notebook's case (10 x 10, p = 0.8, seed = 123)"
    public_params = [{"mode": mode, "p": p} for p in (0.3, 0.6, 0.75) for mode in ("train", "test")]
    return [
        check(fwd, "public", t_public, "dropout.forward", _forward(40, (500, 500), public_params),
              _judge_public(course, t_public), public=True),
        check(fwd, "drop_fraction", t_fraction, "dropout.forward", _forward(41, (200, 150), train),
              _judge_fraction(course, t_fraction)),
        check(fwd, "scaling", t_scaling, "dropout.forward", _forward(42, (60, 50), train),
              _judge_scaling(course, t_scaling)),
        check(fwd, "seed", t_seed, "dropout.forward",
              _forward(43, (60, 50), [{"mode": "train", "p": 0.4, "seed": 7}] * 2), _judge_seed(t_seed)),
        check(fwd, "test_identity", t_test, "dropout.forward",
              _forward(44, (60, 50), [{"mode": "test", "p": 0.3}, {"mode": "test", "p": 0.7, "seed": 3}]),
              _judge_identity(t_test)),
        check(fwd, "dtype", t_dtype, "dropout.forward",
              _forward(45, (60, 50), [{"mode": "train", "p": 0.3}, {"mode": "test", "p": 0.3}], np.float32),
              _judge_dtype(t_dtype)),
        check(back, "public", t_back_public, "dropout.backward",
              _backward(46, (10, 10), {"mode": "train", "p": 0.8, "seed": 123}),
              _judge_backward(t_back_public), function=back, public=True),
        check(back, "mask", t_back, "dropout.backward", _backward(47, (50, 40), {"mode": "train", "p": 0.4}),
              _judge_backward(t_back), function=back),
        check(back, "test_identity", t_back_test, "dropout.backward",
              _backward(48, (50, 40), {"mode": "test", "p": 0.4}), _judge_backward(t_back_test), function=back),
    ]
