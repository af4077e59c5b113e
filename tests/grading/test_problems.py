"""Submissions that misbehave: an infinite loop, a symlink in a class folder, a saved model."""

import os

from .conftest import nndl_members, read_csv, read_json, reference_texts, run_cli, write_dir, write_zip


def test_an_infinite_loop_is_partial_errors_and_is_retried_next_run(tmp_path, quick_rubric):
    texts = reference_texts()
    texts["optim"] = texts["optim"].replace(
        "    t = config['t'] + 1\n", "    t = config['t'] + 1\n    print('adam: looping', flush=True)\n"
                                    "    while True:\n        pass\n")
    student = write_dir(tmp_path / "looping", texts)
    out = tmp_path / "out"
    result = run_cli("grade", student, "--out", out, "--timeout", 2, "--rubric", quick_rubric)
    assert result.exit_code == 0, result.output
    record = read_json(out / "looping" / "grading.json")
    assert record["status"] == "partial errors" and "timed out: adam/" in record["reason"]
    adam = next(q for q in record["questions"] if q["id"] == "adam")
    assert adam["points"] == 0 and "adam timed out" in adam["checks"][0]["message"]
    # The instructor sees what the looping child printed; passing checks keep no console.
    assert "adam: looping" in adam["checks"][0]["console"]
    assert all(c["console"] == "" for q in record["questions"] if q["id"] != "adam" for c in q["checks"])
    rmsprop = next(q for q in record["questions"] if q["id"] == "rmsprop")
    assert rmsprop["points"] == 5                              # the loop costs adam only
    assert record["cacheable"] is False
    assert "(cached)" not in run_cli("grade", student, "--out", out, "--timeout", 2, "--rubric", quick_rubric).output


def test_a_symlink_in_a_class_folder_is_refused_not_followed(tmp_path):
    write_dir(tmp_path / "elsewhere" / "secret")
    (tmp_path / "class").mkdir()
    os.symlink(tmp_path / "elsewhere" / "secret", tmp_path / "class" / "mallory")
    write_dir(tmp_path / "class" / "alice")
    result = run_cli("grade", tmp_path / "class", "--out", tmp_path / "out")
    assert result.exit_code == 0
    rows = {r["name"]: r for r in read_csv(tmp_path / "out" / "grades.csv")}
    assert rows["alice"]["status"] == "ok"
    assert rows["mallory"]["status"] == "failed to grade"
    assert rows["mallory"]["reason"] == "mallory is a symbolic link: refusing to follow it"


def test_a_saved_model_is_staged_and_recorded(tmp_path, quick_rubric):
    # The quick rubric has no final part, so no dataset is needed; tests/accuracy scores models.
    path = write_zip(tmp_path / "with-model.zip", {**nndl_members(), "model.npz": b"not a model"})
    assert run_cli("grade", path, "--out", tmp_path / "out", "--rubric", quick_rubric).exit_code == 0
    record = read_json(tmp_path / "out" / "with-model" / "grading.json")
    assert record["model"] == "model.npz" and "model.npz" in record["files"]
    assert record["status"] == "ok"
