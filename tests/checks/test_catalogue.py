"""The catalogue's shape: ids, questions, groups, probes, deterministic inputs, child imports."""

import ast
from pathlib import Path

import numpy as np
import pytest

from nndl_hw4.child import probes
from nndl_hw4.child.probes import PROBES

QUESTIONS = {"hw3", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam", "batchnorm_forward_train",
             "batchnorm_forward_test", "batchnorm_backward", "fc_net_batchnorm", "dropout_forward",
             "dropout_backward", "fc_net_dropout"}
GROUPS = {"optim", "layers", "fc_net", "training"}


def test_ids_are_unique_and_named_after_their_question(checks):
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids))
    for check in checks:
        assert check.id.startswith(check.question + "/"), check.id
        assert check.id.count("/") == 1, check.id


def test_every_rubric_question_has_checks_and_nothing_else(checks):
    assert {c.question for c in checks} == QUESTIONS


def test_groups_probes_and_titles_are_valid(checks):
    for check in checks:
        assert check.group in GROUPS, check.id
        assert check.probe in PROBES, check.id
        assert check.title and check.function, check.id
        assert all(m.startswith(("nndl.", "utils.")) for m in check.modules), check.id


def test_every_student_question_has_a_public_check(checks):
    public = {c.question for c in checks if c.public}
    # fc_net_batchnorm and fc_net_dropout have the notebooks' gradient checks; all the others too.
    assert public == QUESTIONS


def _equal(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b


def test_inputs_are_deterministic(checks):
    for check in checks:
        assert _equal(check.inputs(), check.inputs()), check.id


def test_training_checks_never_trust_a_reported_accuracy(checks):
    # The child returns trained parameters; the grader scores them (checks.training).
    for check in checks:
        if check.group == "training":
            assert not check.reference and check.probe.startswith("training."), check.id


@pytest.mark.parametrize("path", sorted(Path(probes.__file__).parent.glob("*.py")), ids=lambda p: p.name)
def test_probes_import_only_the_stdlib_numpy_and_their_own_package(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 0:
                continue
            names = [node.module.split(".")[0]]
        else:
            continue
        for name in names:
            assert name == "numpy" or name in __import__("sys").stdlib_module_names, f"{path.name} imports {name}"


def _global_state():
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return kind, keys.tobytes(), pos, has_gauss, gauss


def test_judging_draws_nothing_from_the_global_random_generator(checks, verdicts_of):
    # Grading threads share np.random: a judge (or the expected and accepted variants' outputs,
    # computed on first use in whichever thread needs them) drawing from it would move another
    # thread's seeded draws. A fresh runtime computes everything here, under the watch.
    from nndl_hw4.grading.judging import judge
    from nndl_hw4.runtime import Runtime

    runtime = Runtime()
    observations = {cid: observation for cid, (observation, _) in verdicts_of(None).items()}
    np.random.seed(1234)
    before = _global_state()
    for check in checks:
        runtime.alternatives(check)
        assert judge(check, observations[check.id], runtime).passed, check.id
        assert _global_state() == before, check.id


def test_the_fc_training_judge_sees_the_reference_network_shapes():
    from nndl_hw4 import runtime
    from nndl_hw4.checks import training
    from nndl_hw4.reference.nndl.fc_net import FullyConnectedNet

    kwargs = dict(training._fc_inputs(89)()["kwargs"], dtype=np.float64)
    net = FullyConnectedNet(**kwargs)
    assert list(training._param_shapes(kwargs).items()) == [(k, v.shape) for k, v in net.params.items()]
    rebuilt = runtime.network(len(kwargs["hidden_dims"]), kwargs["use_batchnorm"])
    assert list(rebuilt.params) == list(net.params)
