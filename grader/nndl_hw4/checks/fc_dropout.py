"""Checks of FullyConnectedNet with dropout, by replaying the student's own masks.

The probe records every dropout_forward call the student's network makes in
one seeded training pass (input and output). The grader then checks the calls
(one per hidden layer, on that layer's (N, H) activations, train mode, the
network's p, a mask of 0 and 1/k dropping a fraction ~1 - k, k being the keep
probability p means in this course) and replays exactly those masks through
the reference layers (checks.replay), so loss and gradients compare at the
rtol of the other network checks although every implementation draws its own
masks.

A network that never calls dropout_forward cannot be replayed. Either it
writes dropout inline (legitimate) or it has no dropout at all (worth 0 here).
It is judged by a fallback: its training loss must differ from the same
network's loss without dropout (computed here with masks of ones: a network
with no dropout equals it to roundoff, ~1e-15; any real mask moves a loss of
40 examples by far more than NO_DROPOUT_RTOL), the seeded loss must be
repeatable, and its directional derivatives along 3 random directions
(central differences, h=1e-6) must match the returned gradients to rtol 1e-5
(measured on these cases: correct code <= 1.6e-9, a missing dropout backward
>= 1.4e-2). The fallback cannot see the masks themselves. The test-mode check
likewise fails a network whose training loss shows no dropout at all.
"""

import numpy as np

from .base import Check, Verdict, failure
from .common import array_problem, binomial_tolerance, compare_fields, rng
from .fc_net import ATOL, FUNCTION, MODULES, RTOL, net_case, param_names, results_judge
from . import replay

MASK_RTOL = 1e-9          # a mask value is out / x: two roundings of float64
P_ATOL = 1e-12            # the network passes its dropout on unchanged: equal up to a rounding
FALLBACK_H = 1e-6         # see the module docstring
FALLBACK_RTOL = 1e-5      # see the module docstring
REPEAT_RTOL = 1e-12       # the same seeded call twice: identical up to summation order
NO_DROPOUT_RTOL = 1e-9    # see the module docstring


def dropout_case(seed, hidden, p, reg=0.3, n=40, input_dim=30, classes=6, use_batchnorm=False,
                 weight_scale=None, zero_biases=False, net_seed=123):
    base = net_case(seed, hidden, input_shape=(input_dim,), classes=classes, n=n, reg=reg,
                    use_batchnorm=use_batchnorm, dropout=p, weight_scale=weight_scale,
                    zero_biases=zero_biases, net_seed=net_seed)

    def make():
        case = base()
        g = rng(seed + 1000)
        directions = [{name: g.normal(size=value.shape) for name, value in case["params"].items()}
                      for _ in range(3)]
        call = case["calls"][0]
        return {"kwargs": case["kwargs"], "params": case["params"], "X": call["X"], "y": call["y"],
                "h": FALLBACK_H, "directions": directions}
    return make


def _call_problem(course, calls, inputs):
    """Why the recorded dropout_forward calls are not one valid mask per hidden layer, or None."""
    k = inputs["kwargs"]
    p, hidden, n = k["dropout"], k["hidden_dims"], len(inputs["X"])
    keep = course.keep_probability(p)
    if len(calls) != len(hidden):
        extra = " (no dropout after the output layer)" if len(calls) > len(hidden) else ""
        return (f"one training pass called dropout_forward {len(calls)} times, expected once per hidden "
                f"layer ({len(hidden)}){extra}")
    dropped = units = 0
    for i, (call, width) in enumerate(zip(calls, hidden), start=1):
        where = f"dropout_forward call {i}"
        problem = array_problem(f"the input of {where}", call["x"], (n, width)) or \
            array_problem(f"the output of {where}", call["out"], (n, width))
        if problem:
            return problem + (" (dropout goes after each hidden layer's ReLU)" if "shape" in problem else "")
        if call["mode"] != "train":
            return f"{where} got mode {call['mode']!r} during loss(X, y), expected 'train'"
        if not isinstance(call["p"], (int, float, np.integer, np.floating)) or abs(float(call["p"]) - p) > P_ATOL:
            return (f"{where} got p={call['p']!r} although the network was built with dropout={p}: "
                    f"pass dropout as p unchanged (p is {course.p_means})")
        x, out = call["x"].astype(np.float64), call["out"].astype(np.float64)
        nonzero = x != 0
        mask = out[nonzero] / x[nonzero]
        off = ~((mask == 0) | (np.abs(mask * keep - 1) <= MASK_RTOL))
        if off.any():
            return (f"{where} multiplied units by values other than 0 and 1/{keep:g} "
                    f"(inverted dropout keeps a unit as x / {keep:g})")
        dropped += int(np.sum(mask == 0))
        units += mask.size
    tol = binomial_tolerance(1 - keep, units)
    if units and abs(dropped / units - (1 - keep)) > tol:
        return (f"the network's dropout dropped {dropped / units:.3f} of the units, expected {1 - keep:.2f} "
                f"(tolerance {tol:.3f}): p is {course.p_means}")
    return None


def no_dropout_loss(inputs, X=None, y=None):
    """The training loss of the case's network without dropout (every mask all ones), computed here."""
    k = inputs["kwargs"]
    layers = len(k["hidden_dims"]) + 1
    X = inputs["X"] if X is None else X
    y = inputs["y"] if y is None else y
    ones = [np.ones((len(X), width)) for width in k["hidden_dims"]]
    return replay.loss_and_grads(inputs["params"], X.reshape(len(X), -1), y, layers, k["reg"],
                                 k["use_batchnorm"], ones)[0]


def never_drops(loss, inputs, X=None, y=None):
    """Whether a training loss equals the network's loss without dropout (see the module docstring)."""
    plain = no_dropout_loss(inputs, X, y)
    return abs(loss - plain) <= NO_DROPOUT_RTOL * max(abs(plain), 1e-8)


NEVER_DROPS = ("with dropout={d} the training loss equals the same network's loss without dropout: "
               "the network never applies dropout (insert a dropout layer after every hidden ReLU)")


def _fallback(student, inputs, fail):
    """Judge a network that never called dropout_forward: it drops units, repeatably, with consistent
    gradients."""
    loss, again = student["loss"], student["loss_again"]
    if not isinstance(loss, (int, float)) or not isinstance(again, (int, float)):
        return fail(f"the loss is {type(loss).__name__}, expected a number")
    if never_drops(loss, inputs):
        return fail(NEVER_DROPS.format(d=inputs["kwargs"]["dropout"]))
    if abs(loss - again) > REPEAT_RTOL * max(abs(loss), 1e-8):
        return fail("two identical calls of loss(X, y) gave different losses although the network "
                    "was built with a dropout seed (draw masks with np.random after seeding it)")
    grads = student["grads"]
    h = inputs["h"]
    for k, (direction, (plus, minus)) in enumerate(zip(inputs["directions"], student["perturbed"]), start=1):
        if any(name not in grads for name in direction):
            missing = next(name for name in direction if name not in grads)
            return fail(f"grads has no {missing!r}")
        numeric = (plus - minus) / (2 * h)
        analytic = sum(float(np.sum(np.asarray(grads[name], dtype=np.float64) * d)) for name, d in direction.items())
        err = abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic))
        if err > FALLBACK_RTOL:
            return fail(f"the gradients disagree with the loss along random direction {k} (relative error "
                        f"{err:.2e}, tolerance {FALLBACK_RTOL:.0e}); this network never calls "
                        f"dropout_forward, so only this consistency could be checked")
    return Verdict.ok()


def replay_judge(course, title, what):
    """what: 'masks' (the recorded calls), 'loss' or 'grads' (vs the replay), or 'all'."""
    fail = failure(FUNCTION, title)

    def judge(student, expected, inputs):
        calls = student["calls"]
        if not calls:
            return _fallback(student, inputs, fail)
        problem = _call_problem(course, calls, inputs)
        if problem:
            return fail(problem)
        if what == "masks":
            return Verdict.ok()
        k = inputs["kwargs"]
        layers = len(k["hidden_dims"]) + 1
        loss, grads = replay.loss_and_grads(inputs["params"], inputs["X"], inputs["y"], layers, k["reg"],
                                            k["use_batchnorm"], replay.masks_from_calls(calls))
        fields = []
        if what in ("loss", "all"):
            fields.append((("loss",), "the loss (replaying your network's own dropout masks)"))
        if what in ("grads", "all"):
            fields += [(("grads", name), f"grads[{name!r}] (replaying your network's own dropout masks)")
                       for name in sorted(param_names(layers, k["use_batchnorm"]))]
        found = compare_fields(student, {"loss": loss, "grads": grads}, fields, RTOL, ATOL)
        return fail(found) if found else Verdict.ok()
    return judge


def _scores_judge(title):
    """Test-mode scores equal the reference's (no dropout at test time), and the training pass before
    them did drop units (else a network without dropout would pass)."""
    fail = failure(FUNCTION, title)
    scores = results_judge(title, [(("results", 1, "scores"), "the test-mode scores")])

    def judge(student, expected, inputs):
        verdict = scores(student, expected, inputs)
        if not verdict.passed:
            return verdict
        loss = student["results"][0].get("loss") if isinstance(student["results"][0], dict) else None
        call = inputs["calls"][0]
        if isinstance(loss, (int, float)) and never_drops(loss, inputs, call["X"], call["y"]):
            return fail(NEVER_DROPS.format(d=inputs["kwargs"]["dropout"]))
        return verdict
    return judge


def checks(course):
    def check(name, title, probe, inputs, judge, **kw):
        return Check(id=f"fc_net_dropout/{name}", question="fc_net_dropout", function=FUNCTION, title=title,
                     probe=probe, modules=MODULES, inputs=inputs, judge=judge, group="fc_net",
                     reference=False, **kw)

    t_public = "the notebook's gradient-check case (N=2, D=15, hidden [20, 30], dropout=0.25, seed=123)"
    t_masks = "one dropout per hidden layer, each with the course's share of dropped units (dropout=0.3, hidden [50, 40])"
    t_loss = "loss with dropout=0.3 and reg=0.3, replaying your network's masks"
    t_grads = "gradients with dropout=0.3 and reg=0.3, replaying your network's masks"
    t_bn = "gradients with dropout=0.6 and batchnorm, replaying your network's masks"
    t_scores = "test-mode scores (no dropout at test time) after a training pass"

    case = dropout_case(71, [50, 40], 0.3)
    scores_case = net_case(74, [50, 40], input_shape=(30,), classes=6, n=20, reg=0.3, dropout=0.3,
                           calls=("train", "test"), net_seed=5)
    return [
        check("public_grads", t_public, "fc_net.dropout_loss",
              dropout_case(70, [20, 30], 0.25, reg=0.0, n=2, input_dim=15, classes=10, weight_scale=5e-2,
                           zero_biases=True),
              replay_judge(course, t_public, "all"), public=True),
        check("masks", t_masks, "fc_net.dropout_loss", case, replay_judge(course, t_masks, "masks")),
        check("loss", t_loss, "fc_net.dropout_loss", case, replay_judge(course, t_loss, "loss")),
        check("grads", t_grads, "fc_net.dropout_loss", case, replay_judge(course, t_grads, "grads")),
        check("with_batchnorm", t_bn, "fc_net.dropout_loss",
              dropout_case(72, [30, 20], 0.6, use_batchnorm=True), replay_judge(course, t_bn, "grads")),
        Check(id="fc_net_dropout/test_scores", question="fc_net_dropout", function=FUNCTION, title=t_scores,
              probe="fc_net.loss", modules=MODULES, inputs=scores_case, group="fc_net",
              judge=_scores_judge(t_scores)),
    ]
