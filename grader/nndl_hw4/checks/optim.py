"""Checks of the update rules in nndl/optim.py.

Per rule: the notebook's public fixture, then hidden seeded cases: three steps
carrying the config (the step taken and the state written back, separately),
config=None (defaults applied) and float32 inputs.

Hidden inputs keep |dw| in [0.1, 1.5], so the second moment is rarely tiny;
the classic mistakes change a step by > 1e-3 relative, so steps are compared
with rtol 1e-5. Epsilon inside the square root is accepted as a legitimate
variant (nndl_hw4.mutants), not by loosening the tolerance: with the default
decay 0.99 it moves a step by ~5e-5.

The rules with a second moment (RMSProp, Adam) also get a DEAD UNIT: a column
of w whose gradient is 0 at every step (a ReLU that never fires), so its second
moment stays 0, and a column with |dw| = 1e-9, whose second moment is tiny.
A correct rule leaves the dead column unchanged and divides the tiny one by
about eps; an update that divides by sqrt(a) alone is NaN (0/0) or off by
orders of magnitude there, although it is within 1e-8 of the right step
wherever |dw| >= 0.1.
"""

import numpy as np

from ..fixtures import PUBLIC_TOLERANCE, public_optim_fixtures
from .base import Check, Verdict, failure
from .compare import describe_type, mismatch

RULES = {
    # rule: (question, state keys written back into config, hyperparameters)
    "sgd_momentum": ("sgd_momentum", ("velocity",), {"learning_rate": 3e-2, "momentum": 0.9}),
    "sgd_nesterov_momentum": ("sgd_nesterov_momentum", ("velocity",),
                              {"learning_rate": 3e-2, "momentum": 0.9}),
    "rmsprop": ("rmsprop", ("a",), {"learning_rate": 1e-2, "decay_rate": 0.9}),
    "adam": ("adam", ("v", "a", "t"), {"learning_rate": 1e-2, "beta1": 0.8, "beta2": 0.95}),
}
DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "sgd_nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
STEP_RTOL = 1e-5      # see the module docstring
FLOAT32_RTOL = 1e-5   # float32 carries ~7 significant digits; a few roundings per step
MODULES = ("nndl.optim",)


def _gradients(rng, shape, steps):
    magnitude = rng.uniform(0.1, 1.5, size=(steps,) + shape)
    return magnitude * rng.choice([-1.0, 1.0], size=(steps,) + shape)


def _steps_inputs(rule, seed, steps=3, dtype=np.float64, with_config=True, dead_unit=False):
    def make():
        rng = np.random.default_rng(seed)
        shape = (6, 7)
        w = rng.normal(size=shape).astype(dtype)
        dws = _gradients(rng, shape, steps).astype(dtype)
        if dead_unit:                      # see the module docstring
            dws[:, :, 0] = 0.0
            dws[:, :, 1] = 1e-9 * np.sign(dws[:, :, 1])
        config = dict(RULES[rule][2]) if with_config else None
        return {"rule": rule, "w": w, "dws": dws, "config": config}
    return make


SECOND_MOMENT = ("rmsprop", "adam")     # rules that divide by the root of a second moment


def _public_inputs(rule):
    def make():
        fx = public_optim_fixtures()[rule]
        return {"rule": rule, "w": fx["w"], "dws": fx["dw"][None], "config": fx["config"]}
    return make


def _shape_problem(student, steps):
    if not isinstance(student, dict) or "next_w" not in student:
        return f"returned {describe_type(student)}"
    if len(student["next_w"]) != steps:
        return "did not complete every step"
    return None


def _judge_public(rule, title):
    expected = public_optim_fixtures()[rule]["expected"]
    fail = failure(rule, title)

    def judge(student, _expected, inputs):
        problem = _shape_problem(student, 1)
        if problem:
            return fail(problem)
        found = mismatch(student["next_w"][0], expected["next_w"], PUBLIC_TOLERANCE, "next_w")
        config = student["config"][0]
        for key, want in expected.items():
            if found or key == "next_w":
                continue
            if not isinstance(config, dict):
                found = f"the returned config is {describe_type(config)}, expected a dict"
            elif key not in config:
                found = f"config[{key!r}] was not written back"
            elif key == "t":
                found = None if config[key] == want else f"config['t'] is {config[key]!r}, expected {want}"
            else:
                found = mismatch(config[key], want, PUBLIC_TOLERANCE, f"config[{key!r}]")
        return fail(found) if found else Verdict.ok()
    return judge


def _judge_steps(rule, title, compare_state):
    keys = RULES[rule][1]
    fail = failure(rule, title)

    def judge(student, expected, inputs):
        steps = len(expected["next_w"])
        problem = _shape_problem(student, steps)
        if problem:
            return fail(problem)
        previous_got, previous_want = inputs["w"], inputs["w"]
        for k in range(steps):
            got_w, want_w = student["next_w"][k], expected["next_w"][k]
            if not compare_state:
                if not isinstance(got_w, np.ndarray):
                    return fail(f"next_w after step {k + 1} is {describe_type(got_w)}")
                # Compare the step taken, not next_w: it is what the rule computes and
                # it is not diluted by the size of w.
                found = mismatch(got_w - previous_got if got_w.shape == previous_got.shape else got_w,
                                 want_w - previous_want, STEP_RTOL, f"the step taken at step {k + 1}")
                if found:
                    return fail(found)
                previous_got, previous_want = got_w, want_w
                continue
            got_c, want_c = student["config"][k], expected["config"][k]
            if not isinstance(got_c, dict):
                return fail(f"the config returned at step {k + 1} is {describe_type(got_c)}")
            for key in keys:
                if key not in got_c:
                    return fail(f"config[{key!r}] was not written back at step {k + 1}")
                if key == "t":
                    if got_c[key] != want_c[key]:
                        return fail(f"config['t'] after step {k + 1} is {got_c[key]!r}, "
                                    f"expected {want_c[key]}")
                    continue
                found = mismatch(got_c[key], want_c[key], STEP_RTOL, f"config[{key!r}] after step {k + 1}")
                if found:
                    return fail(found)
        return Verdict.ok()
    return judge


def _judge_defaults(rule, title):
    fail = failure(rule, title)

    def judge(student, expected, inputs):
        verdict = _judge_steps(rule, title, compare_state=False)(student, expected, inputs)
        if not verdict.passed:
            return verdict
        config = student["config"][-1]
        if not isinstance(config, dict):
            return fail(f"with config=None it returned {describe_type(config)} as config")
        for key, value in DEFAULTS[rule].items():
            if config.get(key) != value:
                return fail(f"with config=None, config[{key!r}] should default to {value}")
        return Verdict.ok()
    return judge


def _judge_float32(rule, title):
    fail = failure(rule, title)

    def judge(student, expected, inputs):
        problem = _shape_problem(student, len(expected["next_w"]))
        if problem:
            return fail(problem)
        found = mismatch(student["next_w"], expected["next_w"], FLOAT32_RTOL, "next_w")
        return fail(found) if found else Verdict.ok()
    return judge


def checks(course):
    out = []
    titles = {"public": "the notebook's fixture", "steps": "three steps carrying the config",
              "state": "state written back into config over three steps",
              "defaults": "config=None applies the defaults", "float32": "float32 inputs",
              "dead_unit": "a dead unit: zero and tiny gradients, so zero and tiny second moments"}
    for seed, (rule, (question, _, _)) in enumerate(RULES.items(), start=1):
        common = dict(question=question, function=rule, probe="optim.steps",
                      modules=MODULES, group="optim")
        out += [
            Check(id=f"{question}/public", title=titles["public"], public=True,
                  reference=False, inputs=_public_inputs(rule), judge=_judge_public(rule, titles["public"]),
                  **common),
            Check(id=f"{question}/steps", title=titles["steps"],
                  inputs=_steps_inputs(rule, 100 + seed),
                  judge=_judge_steps(rule, titles["steps"], compare_state=False), **common),
            Check(id=f"{question}/state", title=titles["state"],
                  inputs=_steps_inputs(rule, 200 + seed),
                  judge=_judge_steps(rule, titles["state"], compare_state=True), **common),
            Check(id=f"{question}/defaults", title=titles["defaults"],
                  inputs=_steps_inputs(rule, 300 + seed, steps=2, with_config=False),
                  judge=_judge_defaults(rule, titles["defaults"]), **common),
            Check(id=f"{question}/float32", title=titles["float32"],
                  inputs=_steps_inputs(rule, 400 + seed, dtype=np.float32),
                  judge=_judge_float32(rule, titles["float32"]), **common),
        ]
        if rule in SECOND_MOMENT:
            out.append(Check(id=f"{question}/dead_unit", title=titles["dead_unit"],
                             inputs=_steps_inputs(rule, 500 + seed, dead_unit=True),
                             judge=_judge_steps(rule, titles["dead_unit"], compare_state=False), **common))
    return out
