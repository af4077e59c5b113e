"""run_autograder in a fake /autograder: the native sandboxed grader, results.json in Gradescope's schema."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from accuracy.conftest import BAD_MODELS, bad_model
from accuracy.helpers import write_submission
from nndl_hw4.scoring import accuracy_fraction

from .schema import validate_results

AUTO_POINTS = 70   # the packaged rubric: 25 optimizers + 30 batchnorm + 15 dropout (+ 20 accuracy, + 10 by hand)


def _tests(results):
    return {t["tags"][-1]: t for t in results["tests"]}


def test_the_reference_with_a_trained_model(gradescope, trained, installed):
    path, measured = trained
    proc, results = gradescope(lambda folder: write_submission(folder, model=path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validate_results(results)
    _, site = installed
    assert f"from {site / 'nndl_hw4'}" in proc.stdout   # the zip's grader ran, not the working tree
    assert "\nSandbox: bubblewrap: namespaces (mount, pid, network, IPC), Landlock ABI " in proc.stdout
    accuracy = round(20 * accuracy_fraction(measured["val"]), 2)
    assert results["score"] == round(AUTO_POINTS + accuracy, 2)
    tests = _tests(results)
    steps = round(accuracy_fraction(measured["val"]) * 28)
    assert tests["accuracy"]["score"] == accuracy and tests["accuracy"]["max_score"] == 20
    assert f"validation accuracy {measured['val'] * 100:.1f}% → {steps}/28 of 20 points" in tests["accuracy"]["output"]
    assert all(t["score"] == t["max_score"] for q, t in tests.items() if q != "accuracy")
    assert tests["free_response"]["max_score"] == 0 and "Graded by hand" in tests["free_response"]["output"]
    assert "# HW4 feedback: submission" in proc.stdout   # the feedback, for instructors (stdout is hidden)


def test_a_broken_submission_uploaded_as_a_zip(gradescope):
    def fill(folder):
        source = write_submission(folder.parent / "work", mistakes=["adam-no-bias-correction", "dropout-other-convention"])
        bad_model("pickled-object-array", source)
        with zipfile.ZipFile(folder / "hw4_submission.zip", "w") as archive:
            for file in sorted(source.rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts:
                    archive.write(file, file.relative_to(source).as_posix())

    proc, results = gradescope(fill)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validate_results(results)
    tests = _tests(results)
    assert tests["accuracy"]["score"] == 0 and tests["accuracy"]["status"] == "failed"
    assert BAD_MODELS["pickled-object-array"] in tests["accuracy"]["output"]
    assert 0 < tests["adam"]["score"] < 10 and tests["dropout_forward"]["score"] < 6
    assert tests["sgd_momentum"]["score"] == 5
    assert results["score"] == round(sum(t["score"] for t in results["tests"]), 2) < AUTO_POINTS


def test_an_upload_without_nndl_fails_to_grade_with_the_reason(gradescope):
    proc, results = gradescope(lambda folder: (folder / "notes.txt").write_text("forgot the code"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validate_results(results)
    assert results["score"] == 0 and results["tests"] == []
    assert "no nndl/ folder" in results["output"]


def test_missing_cifar10_is_a_set_up_error_not_a_grade(gradescope, trained, tmp_path):
    proc, results = gradescope(lambda folder: write_submission(folder, model=trained[0]),
                               cifar10_dir=tmp_path / "nowhere")
    assert proc.returncode == 1
    validate_results(results)
    assert results["tests"] == [] and "problem of the grading set-up" in results["output"]
    assert "ERROR: CIFAR-10" in proc.stdout and "nndl-hw4 data download" in proc.stdout


def test_a_grader_that_cannot_start_still_answers(gradescope, tmp_path):
    proc, results = gradescope(lambda folder: None, python=tmp_path / "no-python-here")   # setup.sh never ran
    assert proc.returncode != 0
    validate_results(results)
    assert results["score"] == 0 and "failed to start" in results["output"]


def test_the_zip_built_from_a_non_editable_install_is_the_same(installed, autograder_zip, tmp_path):
    """The wheel pip installed (a normal install: files listed in RECORD) builds the same autograder."""
    _, site = installed
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([sys.executable, "-c", "from nndl_hw4.cli import main; main()", "gradescope",
                    "--out", str(tmp_path / "again.zip")], cwd=tmp_path, env=dict(env, PYTHONPATH=str(site)),
                   check=True, capture_output=True)
    assert (tmp_path / "again.zip").read_bytes() == autograder_zip.read_bytes()


CONTAINER = Path(__file__).resolve().parents[1] / "sandbox" / "container.py"


def test_where_bubblewrap_cannot_run_it_says_which_walls_it_used(gradescope, trained, tmp_path):
    """A Docker-like container (no namespaces: tests/sandbox/container.py): the direct backend
    walled by Landlock grades the same, and the output says so."""
    assert os.getuid() == 0, "container.py starts as root (it imitates a container's seccomp profile)"
    python = tmp_path / "python-in-a-container"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} {CONTAINER} --no-namespaces -- {sys.executable} "$@"\n')
    python.chmod(0o755)
    proc, results = gradescope(lambda folder: write_submission(folder, model=trained[0]), python=python)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validate_results(results)
    assert "\nSandbox: direct: Landlock ABI " in proc.stdout and "seccomp (no sockets, " in proc.stdout
    assert "WARNING: bubblewrap is unavailable" in proc.stdout
    assert all(t["score"] == t["max_score"] for q, t in _tests(results).items() if q != "accuracy")
