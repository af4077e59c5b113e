"""`nndl-hw4 similar` as a command: its errors, its options, its workers."""

import pytest

from nndl_hw4.grading.submission import discover
from nndl_hw4.similarity.fingerprint import Hasher, fingerprints
from nndl_hw4.similarity.run import PARALLEL_FROM, read_all
from nndl_hw4.similarity.starter import generated_starter

from .conftest import run_cli


def test_the_verb_is_listed():
    assert "similar" in run_cli("--help").output
    assert "--against" in run_cli("similar", "--help").output


@pytest.mark.parametrize("args, message", [
    pytest.param([], "ERROR: nothing to compare: no PATH given", id="no-path"),
    pytest.param(["{class}", "--threshold", "0"], "--threshold must be in (0, 1]", id="threshold"),
    pytest.param(["{class}", "--top", "-1"], "--top must be 0 or more", id="top"),
    pytest.param(["{class}", "--jobs", "0"], "--jobs must be at least 1", id="jobs"),
    pytest.param(["{class}", "--against", "{missing}"], "no such folder", id="against-missing"),
    pytest.param(["{class}", "--starter", "{empty}"], "no nndl/*.py found", id="starter-empty"),
    pytest.param(["{class}", "--out", "{file}"], "is a file, not a folder", id="out-is-a-file"),
    pytest.param(["{missing}"], "no such file or folder", id="class-missing"),
])
def test_bad_usage_is_an_error_and_a_tip(tmp_path, generated_class, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file").write_text("x")
    values = {"class": generated_class.root / "class", "missing": tmp_path / "missing", "empty": tmp_path / "empty",
              "file": tmp_path / "file"}
    result = run_cli("similar", *[a.format(**values) for a in args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_workers_read_what_one_process_reads(generated_class):
    submissions = discover([generated_class.root / "class"])
    assert len(submissions) >= PARALLEL_FROM
    entries = [(s, "student", "") for s in submissions]
    starter = generated_starter()
    one, two = read_all(starter, entries, 1), read_all(starter, entries, 2)
    assert [c.name for c in one] == [c.name for c in two]
    assert [sorted(fingerprints(c, Hasher()).where) for c in one] == [sorted(fingerprints(c, Hasher()).where) for c in two]


def test_a_starter_folder_is_subtracted_like_the_generated_one(generated_class, tmp_path):
    """--starter assignment/ (the release as committed) gives the report the generated starter gives."""
    from .classgen import REPO_ROOT

    result = run_cli("similar", generated_class.root / "class", "--against", generated_class.root / "public",
                     "--starter", REPO_ROOT / "assignment", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "similarity.csv").read_text() == (generated_class.out / "similarity.csv").read_text()
