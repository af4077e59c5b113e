"""Signatures: recognising a mistake in outputs that depend on the student's own random draws.

Dropout masks differ legitimately between implementations (and the sandbox
does not seed unseeded calls), so an output fingerprint cannot match them.
Instead each mistake is written as a RULE the raw outputs obey, judged as
tightly as the checks judge the reference's rule:

- dropout_forward: per mode, either "inverted(q, s)" (a fraction q of the
  units is dropped, within 6 binomial sigmas, and every kept unit is exactly
  s * x) or "scaled(c)" (out is exactly c * x). With k the course's keep
  probability for p (p itself, or 1 - p: course.Course), the reference is
  inverted(1 - k, 1 / k) in train mode and scaled(1) in test mode; p read
  with the other convention is inverted(k, 1 / (1 - k)).
- dropout_backward: dx as a function of dout and the student's own mask out / x.
- the network's dropout calls (recorded by the probe): the p passed, the
  mask values and the dropped fraction, the number and shapes of the calls.
- the network's loss and gradients: REPLAYED through the mistake's network
  with the student's own masks (like checks.replay does for the reference).
- initialisation: a REPAIR that undoes exactly the mistake (scale the
  weights by weight_scale, cast to dtype, ...) makes the check pass, and the
  precondition of the mistake holds (weights of std 1, float64 params ...).

A signature matches only when every case obeys the mistake's rule AND some
case breaks the reference's rule (the evidence).
"""

import numpy as np

from ..checks.common import binomial_tolerance
from ..checks import replay
from .fingerprint import compare

EXACT = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-5}   # a kept unit is x / k: one rounding


def _exact(values, want, dtype):
    tol = EXACT.get(np.dtype(dtype), 1e-9)
    values, want = np.asarray(values, np.float64), np.asarray(want, np.float64)
    return bool(np.all(np.abs(values - want) <= tol * np.maximum(np.abs(want), 1e-300)))


def inverted(q, scale):
    """A unit is dropped with probability q; a kept unit is scale * x exactly."""
    def rule(x, out):
        if not isinstance(out, np.ndarray) or out.shape != x.shape or not np.all(np.isfinite(out)):
            return False
        x64 = x.astype(np.float64)
        kept = out != 0
        dropped = 1.0 - float(np.mean(kept))
        off = abs(dropped - q) > binomial_tolerance(q, out.size) if 0 < q < 1 else dropped != q
        if off:
            return False
        return _exact(out[kept] / x64[kept], scale, x.dtype)
    return rule


def scaled(c):
    def rule(x, out):
        return isinstance(out, np.ndarray) and out.shape == x.shape and np.all(np.isfinite(out)) \
            and _exact(out, c * x.astype(np.float64), x.dtype)
    return rule


def reference_forward(course, mode, p):
    k = course.keep_probability(p)
    return inverted(1 - k, 1 / k) if mode == "train" else scaled(1.0)


def _forward_rules(course, mistake_id):
    """{mode: rule(p)} of a dropout_forward mistake, for the modes it changes (k: the keep probability)."""
    k = course.keep_probability
    return {
        "dropout-other-convention": {"train": lambda p: inverted(k(p), 1 / (1 - k(p)))},
        "dropout-no-inverted-scaling": {"train": lambda p: inverted(1 - k(p), 1.0)},
        "dropout-scale-wrong-factor": {"train": lambda p: inverted(1 - k(p), 1 / (1 - k(p)))},
        "dropout-mask-at-test": {"test": lambda p: inverted(1 - k(p), 1 / k(p))},
        "dropout-scale-at-test": {"test": lambda p: scaled(k(p))},
    }.get(mistake_id)


def _forward(course, mistake_id, inputs, outputs):
    rules = _forward_rules(course, mistake_id)
    x, outs = inputs["x"], outputs.get("out") if isinstance(outputs, dict) else None
    if not isinstance(outs, list) or len(outs) != len(inputs["params"]):
        return False
    if mistake_id == "dropout-unseeded-generator":
        params = inputs["params"]
        seeded = len(outs) == 2 and all("seed" in p for p in params) and params[0] == params[1]
        return seeded and all(reference_forward(course, p["mode"], p["p"])(x, o) for p, o in zip(params, outs)) \
            and not np.array_equal(outs[0], outs[1])
    if mistake_id == "dropout-float64-output":
        return x.dtype == np.float32 and all(
            isinstance(o, np.ndarray) and o.dtype in (np.float32, np.float64)
            and reference_forward(course, p["mode"], p["p"])(x, o.astype(np.float32)) for p, o in zip(inputs["params"], outs)
        ) and any(o.dtype == np.float64 for o in outs)
    if rules is None:
        return False
    evidence = False
    for param, out in zip(inputs["params"], outs):
        mode, p = param["mode"], param["p"]
        rule = rules[mode](p) if mode in rules else reference_forward(course, mode, p)
        if not rule(x, out):
            return False
        evidence |= not reference_forward(course, mode, p)(x, out)
    return evidence


def _backward_rule(course, mistake_id):
    """(mode, dx from dout, the student's mask and p) of a dropout_backward mistake."""
    return {
        "dropout-backward-ignores-mask": ("train", lambda dout, mask, p: dout),
        "dropout-backward-unscaled": ("train", lambda dout, mask, p: dout * (mask != 0)),
        "dropout-backward-scale-at-test": ("test", lambda dout, mask, p: dout * course.keep_probability(p)),
    }.get(mistake_id)


def _backward(course, mistake_id, inputs, outputs):
    found = _backward_rule(course, mistake_id)
    if found is None or not isinstance(outputs, dict):
        return False
    mode, rule = found
    param, x, dout = inputs["param"], inputs["x"], inputs["dout"]
    out, dx = outputs.get("out"), outputs.get("dx")
    if param["mode"] != mode or not all(isinstance(a, np.ndarray) and a.shape == x.shape for a in (out, dx)):
        return False
    mask = out.astype(np.float64) / x if mode == "train" else np.ones_like(x)
    reference = dout * mask
    want = rule(dout, mask, param["p"])
    return _exact(dx, want, dx.dtype) and not _exact(dx, reference, dx.dtype)


def _masks(calls):
    """(ok, [mask values of units whose input was nonzero]) of recorded dropout calls."""
    values = []
    for call in calls:
        x, out = call.get("x"), call.get("out")
        if not (isinstance(x, np.ndarray) and isinstance(out, np.ndarray) and x.shape == out.shape):
            return False, []
        nonzero = x != 0
        values.append(out[nonzero].astype(np.float64) / x[nonzero].astype(np.float64))
    return True, values


def _mask_rule(values, q, scale):
    pooled = np.concatenate(values) if values else np.zeros(0)
    if pooled.size == 0:
        return False
    dropped = float(np.mean(pooled == 0))
    kept = pooled[pooled != 0]
    return abs(dropped - q) <= binomial_tolerance(q, pooled.size) and _exact(kept, scale, np.float64)


def _network_rule(course, mistake_id):
    """(extra calls beyond one per hidden layer, p passed as a function of dropout d, dropped fraction,
    scale of a kept unit) of a network dropout mistake (k: the course's keep probability)."""
    k = course.keep_probability
    return {
        "dropout-other-convention": (0, lambda d: d, lambda d: k(d), lambda d: 1 / (1 - k(d))),
        "dropout-no-inverted-scaling": (0, lambda d: d, lambda d: 1 - k(d), lambda d: 1.0),
        "dropout-scale-wrong-factor": (0, lambda d: d, lambda d: 1 - k(d), lambda d: 1 / (1 - k(d))),
        "fc-dropout-complement": (0, lambda d: 1 - d, lambda d: 1 - k(1 - d), lambda d: 1 / k(1 - d)),
        "fc-dropout-after-output": (1, lambda d: d, lambda d: 1 - k(d), lambda d: 1 / k(d)),
    }.get(mistake_id)


def _network_calls(course, mistake_id, inputs, outputs):
    found = _network_rule(course, mistake_id)
    if found is None or not isinstance(outputs, dict):
        return False
    extra, passed_p, q, scale = found
    d, hidden = inputs["kwargs"]["dropout"], inputs["kwargs"]["hidden_dims"]
    calls = outputs.get("calls") or []
    if len(calls) != len(hidden) + extra:
        return False
    for call in calls:
        p = call.get("p")
        if call.get("mode") != "train" or not isinstance(p, (int, float, np.number)) or abs(p - passed_p(d)) > 1e-12:
            return False
    if extra and calls[-1]["x"].shape != (len(inputs["X"]), inputs["kwargs"]["num_classes"]):
        return False
    ok, values = _masks(calls)
    if not ok or not _mask_rule(values, q(d), scale(d)):
        return False
    k = course.keep_probability(d)
    evidence = extra or abs(passed_p(d) - d) > 1e-12 or not _mask_rule(values, 1 - k, 1 / k)
    return bool(evidence)


def _replay_loss(runtime, check, applied, inputs, masks):
    """(loss, grads) of the network with `applied` mutations, its dropout replaying `masks`; None if
    it does not call dropout_forward once per mask. Runs in a fresh private package of the reference,
    so its dropout_forward can be replaced freely."""
    package = runtime.package(applied, trusted=bool(applied) and runtime.trusted_layers(check))
    fc_net = package.modules["nndl.fc_net"]
    used = []

    def dropout_forward(x, dropout_param):
        if len(used) >= len(masks) or masks[len(used)].shape != np.shape(x):
            raise IndexError("the replay ran out of masks")
        mask = masks[len(used)]
        used.append(1)
        return x * mask, (dropout_param, mask)

    kwargs = dict(inputs["kwargs"], dtype=getattr(np, inputs["kwargs"]["dtype"]))
    for module in (fc_net, package.modules["nndl.layer_utils"]):
        if "dropout_forward" in module.__dict__:
            module.dropout_forward = dropout_forward
    with np.errstate(all="ignore"):
        try:
            package.random.seed(kwargs.get("seed") or 0)
            net = fc_net.FullyConnectedNet(**kwargs)
            for name, value in inputs["params"].items():
                net.params[name] = value.copy()
            loss, grads = net.loss(inputs["X"].copy(), inputs["y"].copy())
        except Exception:
            return None
    return ({"loss": loss, "grads": dict(grads)}) if len(used) == len(masks) else None


def replayed(runtime, check, candidate, inputs, outputs, reference_replay):
    """Whether the student's loss and gradients are the candidate's network replaying their masks."""
    calls = outputs.get("calls") if isinstance(outputs, dict) else None
    if not calls:
        return False
    mine = _replay_loss(runtime, check, candidate.applied, inputs, replay.masks_from_calls(calls))
    if mine is None:
        return False
    ok, evidence = compare({"loss": outputs.get("loss"), "grads": outputs.get("grads")}, mine, reference_replay)
    return ok and evidence


def reference_replay(runtime, check, inputs, outputs):
    calls = outputs.get("calls") if isinstance(outputs, dict) else None
    return _replay_loss(runtime, check, (), inputs, replay.masks_from_calls(calls)) if calls else None


def _init_repair(mistake_id, inputs, outputs):
    """The student's init outputs with exactly this mistake undone, or None when its precondition fails."""
    if not isinstance(outputs, dict) or not isinstance(outputs.get("params"), dict):
        return None
    params = dict(outputs["params"])
    kwargs = inputs["kwargs"]
    weights = [k for k in params if k.startswith("W") and isinstance(params[k], np.ndarray)]
    if mistake_id == "fc-weights-not-scaled":
        if not weights or not all(abs(params[k].std() - 1) <= 6 / np.sqrt(2 * params[k].size) for k in weights):
            return None
        params.update({k: (params[k] * kwargs["weight_scale"]).astype(params[k].dtype) for k in weights})
    elif mistake_id in ("fc-ignores-dtype", "fc-hardcoded-float32"):
        have, want = ("float64", "float32") if mistake_id == "fc-ignores-dtype" else ("float32", "float64")
        if kwargs.get("dtype", "float32") != want or not all(
                isinstance(v, np.ndarray) and v.dtype == np.dtype(have) for v in params.values()):
            return None
        params = {k: v.astype(want) for k, v in params.items()}
    elif mistake_id == "fc-gamma-init-zeros":
        gammas = [k for k in params if k.startswith("gamma")]
        if not gammas or not all(isinstance(params[k], np.ndarray) and np.all(params[k] == 0) for k in gammas):
            return None
        params.update({k: np.ones_like(params[k]) for k in gammas})
    elif mistake_id == "fc-shared-bn-param":
        layers = len(kwargs["hidden_dims"])
        if not kwargs.get("use_batchnorm") or layers < 2 or outputs.get("bn_param_objects") != 1:
            return None
        return dict(outputs, bn_param_objects=layers)
    else:
        return None
    return dict(outputs, params=params)


def matches(course, check, candidate, inputs, outputs, expected):
    """Whether a signature recognises the candidate's mistake in the student's outputs on this check."""
    mistake_id = candidate.mistake.id
    if check.probe == "dropout.forward":
        return _forward(course, mistake_id, inputs, outputs)
    if check.probe == "dropout.backward":
        return _backward(course, mistake_id, inputs, outputs)
    if check.probe == "fc_net.dropout_loss":
        return _network_calls(course, mistake_id, inputs, outputs)
    if check.probe == "fc_net.init":
        repaired = _init_repair(mistake_id, inputs, outputs)
        return repaired is not None and check.judge(repaired, expected, inputs).passed
    return False
