"""`nndl-hw4 grade`: the demo, usage errors (exit 2), grader faults (exit 1), ERROR/TIP output."""

import pytest

from nndl_hw4.grading import grade as grade_module

from .conftest import read_csv, read_json, reference_texts, run_cli, write_dir


def test_demo_grades_the_built_in_class_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("grade", "--demo", "--jobs", 2)
    assert result.exit_code == 0, result.output
    out = tmp_path / "grades" / "demo"
    assert "into grades/demo/" in result.output and "grades/demo/grades.csv" in result.output
    rows = {r["name"]: r for r in read_csv(out / "grades.csv")}
    assert list(rows) == ["reference", "starter-code", "alice-unfinished", "bob-otter-export"]
    assert rows["reference"]["total"] == rows["reference"]["max"]
    assert rows["starter-code"]["total"] == "0"
    for name in ("alice-unfinished", "bob-otter-export"):   # partial credit, not 0 and not full
        assert 0 < float(rows[name]["total"]) < float(rows[name]["max"])
    assert all(r["status"] == "ok" for r in rows.values())
    assert "(cached)" in run_cli("grade", "--demo").output


def test_the_direct_backend_grades_the_same(tmp_path, quick_rubric):
    student = write_dir(tmp_path / "student")
    result = run_cli("grade", student, "--out", tmp_path / "out", "--sandbox", "direct", "--rubric", quick_rubric)
    assert result.exit_code == 0, result.output
    record = read_json(tmp_path / "out" / "student" / "grading.json")
    assert record["sandbox"] == "direct" and record["total"] == record["max"] > 0


@pytest.mark.parametrize(("args", "error", "tip"), [
    pytest.param([], "ERROR: nothing to grade: no PATH given", "TIP: pass submission folders", id="no-path"),
    pytest.param(["{tmp}/nope"], "ERROR: no such file or folder: {tmp}/nope", "TIP: pass submission folders",
                 id="no-such-path"),
    pytest.param(["{tmp}/empty"], "ERROR: nothing to grade in {tmp}/empty", "TIP: pass a submission", id="empty-folder"),
    pytest.param(["{tmp}/notes.txt"], "ERROR: {tmp}/notes.txt is neither a folder nor a .zip file", "TIP: ",
                 id="not-a-zip"),
    pytest.param(["--demo", "{tmp}/empty"], "ERROR: --demo grades the built-in examples", None, id="demo-and-path"),
    pytest.param(["--jobs", "0", "{tmp}/empty"], "ERROR: --jobs must be at least 1", None, id="zero-jobs"),
    pytest.param(["--timeout", "-1", "{tmp}/empty"], "ERROR: --timeout must be a positive", None, id="bad-timeout"),
    pytest.param(["--out", "{tmp}/notes.txt", "--demo"], "ERROR: --out {tmp}/notes.txt is a file", "TIP: ",
                 id="out-is-a-file"),
    pytest.param(["--memory", "lots", "--demo"], "ERROR: --memory 'lots' is not a size", "TIP: write it like 2G",
                 id="memory-not-a-size"),
    pytest.param(["--memory", "64M", "--demo"], "ERROR: --memory 64M is too small", None, id="memory-too-small"),
])
def test_bad_usage_is_one_error_line_a_tip_and_exit_2(tmp_path, args, error, tip):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    result = run_cli("grade", *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(error.format(tmp=tmp_path))
    assert "Traceback" not in result.output
    if tip:
        assert lines[1].startswith(tip) and len(lines) == 2


def test_a_grader_fault_is_reported_after_grading_the_others_and_exits_1(tmp_path, monkeypatch, quick_rubric):
    write_dir(tmp_path / "class" / "alice")
    write_dir(tmp_path / "class" / "bob")
    real = grade_module.observe

    def observe(backend, workspace, checks, limits, runtime, trusted=None):   # the machine breaks on bob only
        if "# bob" in (workspace.submission / "nndl" / "optim.py").read_text():
            raise OSError("no space left on device")
        return real(backend, workspace, checks, limits, runtime, trusted)

    bob = tmp_path / "class" / "bob" / "nndl" / "optim.py"
    bob.write_text(bob.read_text() + "\n# bob\n")
    monkeypatch.setattr(grade_module, "observe", observe)
    result = run_cli("grade", tmp_path / "class", "--out", tmp_path / "out", "--rubric", quick_rubric)
    assert result.exit_code == 1
    assert result.stderr.startswith("ERROR: the grader failed on 1 submission(s): bob (OSError: no space left")
    assert "\nTIP: this is a fault of nndl-hw4" in result.stderr
    rows = {r["name"]: r for r in read_csv(tmp_path / "out" / "grades.csv")}
    assert rows["alice"]["status"] == "ok" and rows["bob"]["status"] == "failed to grade"
    assert "internal grader error" in rows["bob"]["reason"]


def test_memory_sets_the_sandbox_limit_a_memory_hog_meets(tmp_path, quick_rubric):
    # adam allocates ~800 MB: within the default 2G, over a 512M limit (a MemoryError, only adam's checks).
    texts = reference_texts()
    texts["optim"] = texts["optim"].replace("    t = config['t'] + 1\n",
                                            "    t = config['t'] + 1\n    hog = np.ones(100_000_000)\n")
    student = write_dir(tmp_path / "hog", texts)
    for memory, adam_points in (("2G", 10), ("512M", 0)):
        out = tmp_path / memory
        assert run_cli("grade", student, "--out", out, "--memory", memory, "--rubric", quick_rubric).exit_code == 0
        record = read_json(out / "hog" / "grading.json")
        adam = next(q for q in record["questions"] if q["id"] == "adam")
        assert adam["points"] == adam_points, memory
        if memory == "512M":
            assert "MemoryError" in adam["checks"][0]["message"]
            assert next(q for q in record["questions"] if q["id"] == "rmsprop")["points"] == 5
