"""The regression corpus (issue 10, item 7): realistic whole submissions graded through the real CLI.

``submissions/<course>/`` holds ``course.toml`` (``[course] dropout = "keep"`` or ``"drop"``) and
one folder per student: ``nndl/`` as the student handed it in, and ``expected.toml``, the grade a
CORRECT grader gives, written by hand from the check catalogue and the code (README.md explains
every student). The test grades a whole course with the installed console script, in its
sandbox, told the course's convention with ``--config``, and compares every automatic question
of every student (and the number of hw3 checks passed: hw3 is worth 0 points) with what is
written. A failure lists every mismatch with the reason the expectation gives.

The expectations are never copied from the grader's output: a mismatch means the grader or the
expectation is wrong, and is investigated, not re-recorded.
"""

import csv
import json
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

from nndl_hw4 import runtime
from nndl_hw4.rubric import load_rubric

HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
COURSES = ("keep", "drop")
CLI = Path(sys.executable).with_name("nndl-hw4")
MODULES = ("optim", "layers", "layer_utils", "fc_net")
POINTS_TOLERANCE = 0.01   # grades.csv rounds points to 2 decimals
GRADE_TIMEOUT = 300       # seconds for a whole course; measured ~5 s per course of 12-14 (2 jobs)


def students(course):
    return sorted(p for p in (SUBMISSIONS / course).iterdir() if p.is_dir())


def expected_of(folder):
    with open(folder / "expected.toml", "rb") as f:
        return tomllib.load(f)


def auto_questions():
    """{id: Question} of the default rubric's automatic questions (hw3 included)."""
    return {q.id: q for q in load_rubric().questions if q.kind == "auto"}


def grade(course, out):
    """Grade one course with the real CLI; the parsed grades.csv rows by student name."""
    folder = SUBMISSIONS / course
    done = subprocess.run([str(CLI), "grade", str(folder), "--out", str(out), "--jobs", "2",
                           "--config", str(folder / "course.toml")],
                          capture_output=True, text=True, timeout=GRADE_TIMEOUT)
    assert done.returncode == 0, (f"nndl-hw4 grade {course} --config course.toml exited with "
                                  f"{done.returncode}:\n{done.stderr[-3000:]}")
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


def hw3_passed(out, name):
    record = json.loads((out / name / "grading.json").read_text(encoding="utf-8"))
    return next(q["passed"] for q in record["questions"] if q["id"] == "hw3")


def mismatches(course, rows, out):
    """Every (student, question, expected, got, why) that differs from what expected.toml says."""
    found = []
    names = {folder.name for folder in students(course)}
    for extra in sorted(set(rows) - names):
        found.append((extra, "-", "not in the corpus", "graded", ""))
    for folder in students(course):
        name, want = folder.name, expected_of(folder)
        why = want.get("why", {})
        row = rows.get(name)
        if row is None:
            found.append((name, "-", "a row in grades.csv", "none", ""))
            continue
        if row["status"] != "ok":
            found.append((name, "status", "ok", f"{row['status']}: {row['reason']}", ""))
        for question, points in want["points"].items():
            cell = row.get(question, "")
            try:
                got = float(cell)
            except ValueError:
                found.append((name, question, points, repr(cell), why.get(question, "full marks")))
                continue
            if abs(got - points) > POINTS_TOLERANCE:
                found.append((name, question, points, got, why.get(question, "full marks")))
        if row["status"] != "failed to grade":
            passed = hw3_passed(out, name)
            if passed != want["hw3"]["checks_passed"]:
                found.append((name, "hw3 checks passed", want["hw3"]["checks_passed"], passed,
                              why.get("hw3", "every hw3 check passes")))
    return found


@pytest.mark.parametrize("course", COURSES)
def test_course_grades_as_written(course, tmp_path):
    out = tmp_path / "grades"
    rows = grade(course, out)
    found = mismatches(course, rows, out)
    report = "\n".join(f"  {name} | {question} | expected {want} | got {got} | {why}"
                       for name, question, want, got, why in found)
    assert not found, (f"{len(found)} mismatch(es) in the {course} course "
                       f"(student | question | expected | got | why):\n{report}")


def _as_graded(course, out):
    """grades.csv rows and grading.json hw3 records exactly as expected.toml says."""
    rows = {}
    for folder in students(course):
        want = expected_of(folder)
        rows[folder.name] = {"name": folder.name, "status": "ok", "reason": "",
                             **{q: f"{p:g}" for q, p in want["points"].items()}}
        (out / folder.name).mkdir(parents=True)
        record = {"questions": [{"id": "hw3", "passed": want["hw3"]["checks_passed"]}]}
        (out / folder.name / "grading.json").write_text(json.dumps(record), encoding="utf-8")
    return rows


def test_comparison_passes_the_expected_grades_and_names_each_difference(tmp_path):
    """The comparison itself, both ways: grades equal to expected.toml give no mismatch; a
    wrong cell, a wrong hw3 count, a missing student or an error status each give one."""
    rows = _as_graded("keep", tmp_path)
    assert mismatches("keep", rows, tmp_path) == []
    rows["hannah-kim"]["rmsprop"] = "5"                   # the wrong RMSProp accepted
    rows["carla-mendes"]["status"] = "partial errors"      # her __init__.py executed
    del rows["lena-fischer"]
    (tmp_path / "aiko-tanaka" / "grading.json").write_text(
        json.dumps({"questions": [{"id": "hw3", "passed": 12}]}), encoding="utf-8")
    found = {(name, question) for name, question, *_ in mismatches("keep", rows, tmp_path)}
    assert found == {("hannah-kim", "rmsprop"), ("carla-mendes", "status"), ("lena-fischer", "-"),
                     ("aiko-tanaka", "hw3 checks passed")}


@pytest.mark.parametrize("course", COURSES)
def test_course_setting_names_its_folder(course):
    with open(SUBMISSIONS / course / "course.toml", "rb") as f:
        setting = tomllib.load(f)
    assert setting == {"course": {"dropout": course}}


def test_expectations_name_every_automatic_question_once():
    questions = auto_questions()
    hw3_checks = len(questions["hw3"].checks)
    problems = []
    for course in COURSES:
        for folder in students(course):
            want, who = expected_of(folder), f"{course}/{folder.name}"
            if set(want) - {"points", "hw3", "why"}:
                problems.append(f"{who}: unknown tables {sorted(set(want) - {'points', 'hw3', 'why'})}")
            points = want.get("points", {})
            if set(points) != set(questions):
                problems.append(f"{who}: [points] names {sorted(points)}, expected {sorted(questions)}")
            full = set()
            for qid, value in points.items():
                top = questions[qid].points if qid in questions else None
                if not isinstance(value, (int, float)) or top is None or not 0 <= value <= top:
                    problems.append(f"{who}: {qid} = {value!r} is not in [0, {top}]")
                elif value == top and qid != "hw3":
                    full.add(qid)
            # hw3 is worth 0 points: its verdict is the number of its checks that pass
            passed = want.get("hw3", {}).get("checks_passed")
            if not isinstance(passed, int) or not 0 <= passed <= hw3_checks:
                problems.append(f"{who}: [hw3] checks_passed = {passed!r} is not in [0, {hw3_checks}]")
            elif passed == hw3_checks:
                full.add("hw3")
            why = want.get("why", {})
            short = set(questions) - full
            if set(why) != short:
                problems.append(f"{who}: [why] explains {sorted(why)}, but the questions below full "
                                f"marks are {sorted(short)}")
            for qid, text in why.items():
                if not isinstance(text, str) or qid not in text:
                    problems.append(f"{who}: [why] {qid} must name the failing checks ({qid}/...) and the reason")
    assert not problems, "\n".join(problems)


def test_every_submission_is_a_python_package_that_imports():
    """Each submission imports as the grader runs it: its four modules under the kit's empty
    __init__.py (a student's own __init__.py is never executed)."""
    problems = []
    for course in COURSES:
        for folder in students(course):
            nndl = folder / "nndl"
            missing = [m for m in MODULES if not (nndl / f"{m}.py").is_file()]
            if missing:
                problems.append(f"{course}/{folder.name}: missing {missing}")
                continue
            texts = {m: (nndl / f"{m}.py").read_text(encoding="utf-8") for m in MODULES}
            with warnings.catch_warnings():
                # editor auto-imports such as numpy.core.fromnumeric warn on import, as in a notebook
                warnings.simplefilter("ignore", DeprecationWarning)
                package = runtime.load(texts)      # a private package, as the grader's in-process runs
            if package.failures:
                problems.append(f"{course}/{folder.name}: import failed: {package.failures}")
                continue
            loaded = package.modules
            api = {"nndl.optim": ("sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"),
                   "nndl.layers": ("affine_forward", "batchnorm_forward", "batchnorm_backward",
                                   "dropout_forward", "dropout_backward"),
                   "nndl.layer_utils": ("affine_relu_forward", "affine_relu_backward"),
                   "nndl.fc_net": ("FullyConnectedNet",)}
            for module, names in api.items():
                absent = [n for n in names if not callable(getattr(loaded[module], n, None))]
                if absent:
                    problems.append(f"{course}/{folder.name}: {module} lacks {absent}")
    assert not problems, "\n".join(problems)
