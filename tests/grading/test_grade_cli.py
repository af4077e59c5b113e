"""`nndl-hw4 grade` end to end: a class of every layout, real sandbox, real files."""

import pytest

from nndl_hw4.grading.submission import discover
from nndl_hw4.rubric import load_rubric

from .conftest import OPTIMIZER_QUESTIONS, nndl_members, read_csv, read_json, run_cli, write_dir, write_zip


def _record(out, name):
    return read_json(out / name / "grading.json")


def _question(record, qid):
    return next(q for q in record["questions"] if q["id"] == qid)


def test_grading_a_class_exits_0_whatever_the_students_scored(graded_class):
    _, out, expected, result = graded_class
    assert result.exit_code == 0, result.output
    assert f"Grading {len(expected)} submission(s)" in result.output
    assert "grades.csv" in result.output


def test_every_submission_gets_a_row_and_its_status(graded_class):
    _, out, expected, _ = graded_class
    rows = {row["name"]: row for row in read_csv(out / "grades.csv")}
    assert {name: row["status"] for name, row in rows.items()} == expected
    for name in expected:
        assert {p.name for p in (out / name).iterdir()} == {"grading.json", "results.json", "feedback.md"}


def test_the_reference_gets_full_marks_on_every_auto_question(graded_class):
    _, out, _, _ = graded_class
    record = _record(out, "reference")
    auto = [q for q in record["questions"] if q["kind"] == "auto"]
    assert auto and all(q["status"] == "scored" for q in auto)
    for question in auto:
        assert question["points"] == question["max_points"], question["id"]
        assert question["passed"] == question["total_checks"] > 0, question["id"]
    # This reference hands in no model.npz: the final part is scored, at 0, saying why.
    accuracy = next(q for q in record["questions"] if q["id"] == "accuracy")
    assert (accuracy["status"], accuracy["points"]) == ("scored", 0)
    assert "no model.npz" in accuracy["accuracy"]["problem"]
    assert record["total"] == sum(q["max_points"] for q in auto)
    assert record["max"] == record["total"] + accuracy["max_points"]
    statuses = {q["id"]: q["status"] for q in record["questions"]}
    assert statuses["free_response"] == "graded by hand"


def test_the_generated_stubs_get_0_on_every_question(graded_class):
    _, out, _, _ = graded_class
    record = _record(out, "starter-code")
    scored = [q for q in record["questions"] if q["status"] == "scored"]
    assert scored and record["total"] == 0
    for question in scored:
        assert question["points"] == 0, question["id"]
        if question["id"] in OPTIMIZER_QUESTIONS:
            assert all(c["outcome"] == "not implemented" for c in question["checks"])
    assert "Not implemented yet." in (out / "starter-code" / "feedback.md").read_text()


@pytest.mark.parametrize("name", ["zip-root", "zip-top-folder", "otter-export", "own-utils"])
def test_every_layout_grades_like_the_reference(graded_class, name):
    _, out, _, _ = graded_class
    reference, record = _record(out, "reference"), _record(out, name)
    assert [(q["id"], q["points"]) for q in record["questions"]] == \
           [(q["id"], q["points"]) for q in reference["questions"]]
    assert set(record["files"]) == set(reference["files"])   # nndl/*.py only: never the student's utils/
    assert all(path.startswith("nndl/") for path in record["files"])


def test_a_classic_mistake_loses_points_on_its_question_only(graded_class):
    _, out, _, _ = graded_class
    record = _record(out, "adam-no-bias-correction")
    adam = _question(record, "adam")
    assert adam["points"] < adam["max_points"]
    failed = [c for c in adam["checks"] if not c["passed"]]
    assert failed and all(c["message"].startswith("adam") for c in failed)
    for qid in ("sgd_momentum", "sgd_nesterov_momentum", "rmsprop"):
        assert _question(record, qid)["points"] == _question(record, qid)["max_points"]


def test_a_missing_module_fails_the_checks_that_need_it_with_a_clear_message(graded_class):
    _, out, _, _ = graded_class
    record = _record(out, "missing-optim")
    assert record["missing_modules"] == ["optim"]
    assert record["reason"].startswith("nndl/optim.py missing")
    for qid in OPTIMIZER_QUESTIONS:
        question = _question(record, qid)
        assert question["points"] == 0
        assert all(c["outcome"] == "missing" and "nndl/optim.py is missing from your submission" in c["message"]
                   for c in question["checks"])


def test_a_module_that_does_not_import_is_reported(graded_class):
    _, out, _, _ = graded_class
    record = _record(out, "syntax-error-optim")
    assert record["reason"].startswith("import failed with SyntaxError: ")
    for question in record["questions"]:
        if question["id"] in OPTIMIZER_QUESTIONS:
            assert question["points"] == 0
        elif question["id"].startswith(("batchnorm_", "dropout_")):
            assert question["points"] == question["max_points"]   # layers.py alone: unaffected


@pytest.mark.parametrize(("name", "reason"), [
    pytest.param("corrupt", "is not a readable zip file", id="corrupt-zip"),
    pytest.param("zip-slip", "a path leaving the archive ('../escaped.py')", id="dot-dot"),
    pytest.param("absolute-path", "an absolute path ('/tmp/nndl-hw4-absolute.py')", id="absolute-path"),
    pytest.param("symlink", "a symbolic link ('nndl/optim.py')", id="symlink"),
])
def test_a_hostile_or_broken_zip_fails_to_grade_with_its_reason(graded_class, name, reason):
    _, out, _, _ = graded_class
    row = next(r for r in read_csv(out / "grades.csv") if r["name"] == name)
    assert row["status"] == "failed to grade" and reason in row["reason"]
    assert row["total"] == "" and row["sgd_momentum"] == ""
    assert reason in (out / name / "feedback.md").read_text()
    assert not (out.parent / "escaped.py").exists()


def test_a_second_run_skips_what_is_graded_and_force_regrades(graded_class):
    submissions, out, _, _ = graded_class
    before = _record(out, "reference")
    again = run_cli("grade", submissions / "reference", submissions / "zip-root.zip", "--out", out)
    assert again.exit_code == 0, again.output
    assert again.output.count("(cached)") == 2
    assert _record(out, "reference")["seconds"] == before["seconds"]   # the record was reused
    forced = run_cli("grade", submissions / "reference", "--out", out, "--force")
    assert forced.exit_code == 0 and "(cached)" not in forced.output
    assert _record(out, "reference")["total"] == before["total"]
    assert [r["name"] for r in read_csv(out / "grades.csv")] == ["reference"]


def test_changed_content_or_rubric_is_graded_again(tmp_path, quick_rubric):
    student = write_dir(tmp_path / "student")
    out = tmp_path / "grades"
    assert "(cached)" not in run_cli("grade", student, "--out", out, "--rubric", quick_rubric).output
    assert "(cached)" in run_cli("grade", student, "--out", out, "--rubric", quick_rubric).output
    first = _record(out, "student")
    optim = student / "nndl" / "optim.py"
    optim.write_text(optim.read_text().replace("v_hat = v / (1 - beta1**t)", "v_hat = v"))
    result = run_cli("grade", student, "--out", out, "--rubric", quick_rubric)
    assert "(cached)" not in result.output
    second = _record(out, "student")
    assert second["key"] != first["key"]
    assert _question(second, "adam")["points"] < _question(first, "adam")["points"]
    quick_rubric.write_text(quick_rubric.read_text().replace("points = 10", "points = 20"))
    third = run_cli("grade", student, "--out", out, "--rubric", quick_rubric)
    assert "(cached)" not in third.output and _question(_record(out, "student"), "adam")["max_points"] == 20


def test_grading_twice_gives_the_same_verdicts(graded_class, tmp_path):
    submissions, out, _, _ = graded_class
    again = tmp_path / "again"
    assert run_cli("grade", submissions / "adam-no-bias-correction", "--out", again).exit_code == 0

    def verdicts(record):
        return [(c["id"], c["passed"], c["message"]) for q in record["questions"] for c in q["checks"]]

    first, second = _record(out, "adam-no-bias-correction"), _record(again, "adam-no-bias-correction")
    assert second["total"] == first["total"] and verdicts(second) == verdicts(first)
    assert second["key"] == first["key"]


def test_duplicate_names_are_disambiguated(tmp_path):
    write_dir(tmp_path / "a" / "alice")
    write_zip(tmp_path / "a" / "alice.zip", nndl_members())
    write_dir(tmp_path / "b" / "alice")
    names = [s.name for s in discover([tmp_path / "a", tmp_path / "b"])]
    assert names == ["alice", "alice-2", "alice-3"]


def test_the_packaged_rubric_loads_with_total_100():
    rubric = load_rubric()
    assert rubric.total == 100
    assert {q.id: q.points for q in rubric.questions}["hw3"] == 0
