"""What real classes hand in, graded through the real CLI and sandbox: one mistake costs one penalty,
both starter gates and the old starter's lines cost nothing, the course's own __init__.py is not
executed, and the rubric's cascade switch brings the old charging back.

The whole corpus of realistic submissions with hand-written expectations is tests/corpus; these
are the mechanisms, each shown on the reference with one change.
"""

import pytest

from nndl_hw4 import mutants
from nndl_hw4.rubric import load_rubric

from .conftest import read_csv, read_json, reference_texts, run_cli, write_dir

NETWORK = ("fc_net_batchnorm", "fc_net_dropout")
LAYERS = ("batchnorm_forward_train", "batchnorm_forward_test", "batchnorm_backward", "dropout_forward",
          "dropout_backward")


def _gate_one(texts):
    """The other years' starter: dropout=1 by default, use_dropout = dropout < 1."""
    fc = texts["fc_net"]
    for old, new in (("dropout=0, use_batchnorm=False, reg=0.0,", "dropout=1, use_batchnorm=False, reg=0.0,"),
                     ("self.use_dropout = dropout > 0\n", "self.use_dropout = dropout < 1\n")):
        assert fc.count(old) == 1
        fc = fc.replace(old, new)
    return dict(texts, fc_net=fc)


def _broken_layers(texts):
    """layers.py that cannot be imported (a syntax error at the end of the file)."""
    return dict(texts, layers=texts["layers"] + "\ndef oops(:\n")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{name: grades.csv row} and the out folder of one class, graded without and with cascading."""
    root = tmp_path_factory.mktemp("real-classes")
    folder = root / "class"
    write_dir(folder / "reference")
    write_dir(folder / "gate-dropout-1", _gate_one(reference_texts()))
    write_dir(folder / "old-starter-typo", reference_texts("fc-bn-mode-typo"))
    write_dir(folder / "course-init", extra={"nndl/__init__.py": "from .neural_net import *\nfrom .layer_tests import *\n"})
    write_dir(folder / "batchnorm-backward-no-mean-path", reference_texts("batchnorm-backward-no-mean-path"))
    write_dir(folder / "dropout-mask-at-test", reference_texts("dropout-mask-at-test"))
    write_dir(folder / "layers-do-not-import", _broken_layers(reference_texts()))
    rows = {}
    for cascade in (False, True):
        rubric = root / f"rubric-{cascade}.toml"
        packaged = (mutants.resources.files("nndl_hw4") / "rubric.toml").read_text()
        rubric.write_text(packaged.replace("cascade = false", f"cascade = {str(cascade).lower()}"))
        out = root / f"out-{cascade}"
        result = run_cli("grade", folder, "--out", out, "--jobs", 2, "--rubric", rubric)
        assert result.exit_code == 0, result.output
        rows[cascade] = ({r["name"]: r for r in read_csv(out / "grades.csv")}, out, result)
    return rows


def _points(row, question):
    return float(row[question])


@pytest.mark.parametrize("name", ["reference", "gate-dropout-1", "old-starter-typo", "course-init"])
def test_correct_code_of_every_starter_variant_keeps_full_marks(graded, name):
    rows, _, _ = graded[False]
    row = rows[name]
    assert row["status"] == "ok", row
    for question in load_rubric().questions:      # every automatic question at full marks
        if question.kind == "auto" and question.points:
            assert _points(row, question.id) == question.points, (question.id, row)


@pytest.mark.parametrize("name, layer", [("batchnorm-backward-no-mean-path", "batchnorm_backward"),
                                         ("dropout-mask-at-test", "dropout_forward")])
def test_a_layers_bug_is_charged_once_in_its_layer_question(graded, name, layer):
    rows, out, _ = graded[False]
    row = rows[name]
    assert _points(row, layer) < 10
    for question in NETWORK:
        assert _points(row, question) == _points(rows["reference"], question), question
    feedback = (out / name / "feedback.md").read_text()
    assert "These checks ran your FullyConnectedNet with the course's own layers" in feedback


def test_with_cascading_the_network_questions_charge_the_layers_bug_too(graded):
    rows, _, result = graded[True]
    assert "charge layer bugs too (cascade)" in result.output
    row, reference = rows["batchnorm-backward-no-mean-path"], rows["reference"]
    assert _points(row, "fc_net_batchnorm") < _points(reference, "fc_net_batchnorm")
    assert _points(rows["dropout-mask-at-test"], "fc_net_dropout") < _points(reference, "fc_net_dropout")


def test_layers_that_do_not_import_cost_the_layer_questions_only(graded):
    rows, out, _ = graded[False]
    row = rows["layers-do-not-import"]
    for question in LAYERS:
        assert _points(row, question) == 0, question
    for question in NETWORK:
        assert _points(row, question) == _points(rows["reference"], question), question
    record = read_json(out / "layers-do-not-import" / "grading.json")
    network = [c for q in record["questions"] if q["id"] in NETWORK for c in q["checks"]]
    assert network and all(c["passed"] for c in network)


def test_a_correct_submission_pays_one_child_and_a_failing_one_a_trusted_second(tmp_path, monkeypatch):
    from nndl_hw4.grading import grade as grade_module

    calls = []
    real = grade_module.observe

    def observe(backend, workspace, checks, limits, runtime, trusted=None):
        calls.append((workspace.submission.parent.name, len(checks), trusted is not None))
        return real(backend, workspace, checks, limits, runtime, trusted)

    monkeypatch.setattr(grade_module, "observe", observe)
    write_dir(tmp_path / "class" / "a-reference")
    write_dir(tmp_path / "class" / "b-batchnorm-bug", reference_texts("batchnorm-running-std"))
    result = run_cli("grade", tmp_path / "class", "--out", tmp_path / "out", "--jobs", 1)
    assert result.exit_code == 0, result.output
    first, second = calls[:1], calls[1:]
    assert [trusted for *_, trusted in first] == [False]                 # the reference: one child
    assert [trusted for *_, trusted in second] == [False, True]          # then the network, trusted
    assert second[1][1] < second[0][1]                                   # only the network checks again
