"""`nndl-hw4 grade --cifar10-dir`: the final part scored end to end, in every report."""

import csv
import json
import zipfile

import pytest

from nndl_hw4.grading.grade import Setup, cache_key
from nndl_hw4.reports.feedback import points
from nndl_hw4.rubric import load_rubric
from nndl_hw4.sandbox.limits import Limits
from nndl_hw4.scoring import accuracy_fraction

from .conftest import BAD_MODELS, bad_model, run_cli
from .helpers import write_submission


def _rows(out):
    with open(out / "grades.csv", newline="") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


def _percent(accuracy):
    return f"{accuracy * 100:.1f}"


def test_a_trained_model_is_scored_by_the_formula_in_every_report(trained, cifar10, accuracy_rubric, tmp_path):
    path, measured = trained
    write_submission(tmp_path / "class" / "alice", model=path)
    out = tmp_path / "out"
    result = run_cli("grade", tmp_path / "class", "--out", out, "--rubric", accuracy_rubric, "--cifar10-dir", cifar10)
    assert result.exit_code == 0, result.output
    assert "scored on the validation split (1000 images)" in result.output

    expected = round(20 * accuracy_fraction(measured["val"]), 2)
    steps = round(accuracy_fraction(measured["val"]) * 28)
    row = _rows(out)["alice"]
    assert row["accuracy"] == points(expected) and row["accuracy_percent"] == _percent(measured["val"])
    assert row["total"] == points(expected) and row["status"] == "ok"

    line = f"validation accuracy {_percent(measured['val'])}% → {steps}/28 of 20 points"
    assert line in (out / "alice" / "feedback.md").read_text()
    [test] = json.loads((out / "alice" / "results.json").read_text())["tests"]
    assert test["score"] == expected and test["max_score"] == 20 and line in test["output"]
    assert test["status"] == ("passed" if steps == 28 else "failed")
    record = json.loads((out / "alice" / "grading.json").read_text())
    assert record["questions"][0]["accuracy"]["correct"] == round(measured["val"] * 1000)


def test_the_rubric_can_score_the_test_split(trained, cifar10, tmp_path):
    path, measured = trained
    rubric = tmp_path / "rubric.toml"
    rubric.write_text('[[question]]\nid = "final"\ntitle = "Test accuracy"\npoints = 10\nkind = "accuracy"\n'
                      'split = "test"\n')
    write_submission(tmp_path / "bob", model=path)
    out = tmp_path / "out"
    result = run_cli("grade", tmp_path / "bob", "--out", out, "--rubric", rubric, "--cifar10-dir", cifar10)
    assert result.exit_code == 0, result.output
    assert _rows(out)["bob"]["final"] == points(round(10 * accuracy_fraction(measured["test"]), 2))
    assert f"test accuracy {_percent(measured['test'])}%" in (out / "bob" / "feedback.md").read_text()


# Staging (grading/submission.py) refuses a model.npz over its cap before the scorer sees it.
STAGED = [s for s in BAD_MODELS if s != "oversized"]


def test_every_bad_model_file_gets_0_with_its_message(cifar10, accuracy_rubric, tmp_path):
    klass = tmp_path / "class"
    for scenario in STAGED:
        folder = write_submission(klass / scenario)
        if scenario != "missing":
            bad_model(scenario, folder)
    out = tmp_path / "out"
    result = run_cli("grade", klass, "--out", out, "--rubric", accuracy_rubric, "--cifar10-dir", cifar10)
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    for scenario in STAGED:
        message = BAD_MODELS[scenario]
        assert rows[scenario]["accuracy"] == "0" and rows[scenario]["accuracy_percent"] == "", scenario
        assert rows[scenario]["status"] == "ok", scenario   # a bad model is the student's, not a grading error
        feedback = (out / scenario / "feedback.md").read_text()
        assert f"- ✗ {message}" in feedback or message in feedback, scenario
        assert "→ 0/28 of 20 points" in feedback, scenario


def test_an_oversized_model_costs_only_the_final_part(cifar10, accuracy_rubric, tmp_path):
    folder = write_submission(tmp_path / "class" / "frank")
    bad_model("oversized", folder)
    out = tmp_path / "out"
    result = run_cli("grade", tmp_path / "class", "--out", out, "--rubric", accuracy_rubric, "--cifar10-dir", cifar10)
    assert result.exit_code == 0, result.output
    row = _rows(out)["frank"]
    assert row["status"] == "ok" and row["accuracy"] == "0"
    assert BAD_MODELS["oversized"] in (out / "frank" / "feedback.md").read_text()


def test_missing_data_stops_the_run_before_grading_with_error_and_tip(trained, accuracy_rubric, tmp_path,
                                                                       monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    write_submission(tmp_path / "class" / "alice", model=trained[0])
    write_submission(tmp_path / "class" / "bob")
    result = run_cli("grade", tmp_path / "class", "--out", tmp_path / "out", "--rubric", accuracy_rubric)
    assert result.exit_code == 1
    assert "ERROR: CIFAR-10 (cifar-10-batches-py/ with data_batch_1..5 and test_batch) was not found" in result.output
    assert "1 submission(s) hold a model.npz: alice" in result.output
    tip = next(line for line in result.output.splitlines() if line.startswith("TIP: "))
    for hint in ("nndl-hw4 data download", "--cifar10-dir", "CIFAR10_DIR"):
        assert hint in tip
    assert not (tmp_path / "out" / "grades.csv").exists()   # nothing graded: no 0 per student


def test_a_class_without_any_model_needs_no_data(accuracy_rubric, tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    write_submission(tmp_path / "class" / "carol")
    result = run_cli("grade", tmp_path / "class", "--out", tmp_path / "out", "--rubric", accuracy_rubric)
    assert result.exit_code == 0, result.output
    assert _rows(tmp_path / "out")["carol"]["accuracy"] == "0"
    assert BAD_MODELS["missing"] in (tmp_path / "out" / "carol" / "feedback.md").read_text()


def test_a_model_in_a_zip_submission_is_scored(trained, cifar10, accuracy_rubric, tmp_path):
    path, measured = trained
    folder = write_submission(tmp_path / "src", model=path)
    archive = tmp_path / "class" / "dave.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                z.write(file, "hw4/" + file.relative_to(folder).as_posix())
    out = tmp_path / "out"
    result = run_cli("grade", tmp_path / "class", "--out", out, "--rubric", accuracy_rubric, "--cifar10-dir", cifar10)
    assert result.exit_code == 0, result.output
    assert _rows(out)["dave"]["accuracy_percent"] == _percent(measured["val"])


def test_regrading_reuses_the_record_only_for_the_same_data(trained, cifar10, accuracy_rubric, tmp_path):
    write_submission(tmp_path / "class" / "erin", model=trained[0])
    args = ("grade", tmp_path / "class", "--out", tmp_path / "out", "--rubric", accuracy_rubric,
            "--cifar10-dir", cifar10)
    assert run_cli(*args).exit_code == 0
    assert "(cached)" in run_cli(*args).output
    setup = Setup(rubric=load_rubric(accuracy_rubric), checks={}, backend=None, limits=Limits(), out_dir=tmp_path)
    files = {"nndl/optim.py": "0" * 64, "model.npz": "1" * 64}
    assert cache_key(files, setup, {"val": "data-a"}) != cache_key(files, setup, {"val": "data-b"})


@pytest.mark.parametrize(("text", "message"), [
    pytest.param('split = "train"', "split must be one of val, test, not 'train'", id="unknown-split"),
    pytest.param('split = "test"\nchecks = ["adam/*"]', "only kind = \"auto\" questions take 'checks'",
                 id="accuracy-with-checks"),
])
def test_the_rubric_validates_the_split(text, message, tmp_path):
    rubric = tmp_path / "r.toml"
    rubric.write_text(f'[[question]]\nid = "a"\ntitle = "A"\npoints = 20\nkind = "accuracy"\n{text}\n')
    result = run_cli("grade", tmp_path, "--rubric", rubric)
    assert result.exit_code == 2 and message in result.output
