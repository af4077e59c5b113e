"""The course declaration: settings validated, every course passage of the hand-written files in
agreement with it, and the convention stated once in the grader."""

import subprocess
from pathlib import Path

import nbformat
import pytest

from nndl_hw4 import course as courses
from nndl_hw4.course import Course, CourseError, course_from, load_course, localise
from nndl_hw4.release.config import load_config

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
COURSES = [Course(d, g) for d in ("keep", "drop") for g in ("dropout > 0", "dropout < 1")]


def _text(file):
    path = SOLUTIONS / file
    if path.suffix == ".ipynb":
        return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    return path.read_text()


@pytest.mark.parametrize("passage", courses.TEXTS, ids=lambda p: f"{p.file}: {p.template[:40]}")
def test_every_course_passage_is_in_its_hand_written_file_exactly_once(passage):
    # The hand-written reference and notebooks agree with the declaration (written in SOURCE).
    assert _text(passage.file).count(courses.SOURCE.render(passage.template)) == 1


@pytest.mark.parametrize("course", COURSES, ids=lambda c: f"{c.dropout}/{c.fc_gate}")
def test_localising_to_a_course_and_back_is_the_identity(course):
    for file in {p.file for p in courses.TEXTS}:
        text = _text(file)
        there = localise(text, file, course)
        assert localise(there, file, courses.SOURCE, source=course) == text
        for passage in courses.texts_of(file):
            assert course.render(passage.template) in there


def test_a_file_that_disagrees_with_the_declaration_is_refused():
    text = _text("nndl/layers.py").replace("We keep each neuron output", "We drop each neuron output")
    with pytest.raises(courses.LocaliseError, match="occurs 0 times"):
        localise(text, "nndl/layers.py", Course("drop"))


def test_what_follows_from_the_convention():
    keep, drop = Course("keep"), Course("drop")
    assert (keep.keep_probability(0.3), drop.keep_probability(0.3)) == (0.3, pytest.approx(0.7))
    assert "KEEPING" in keep.p_means and "DROPPING" in drop.p_means
    assert keep.other == drop and drop.other == keep
    assert keep.render("mask = (rand < $KEEP) / $KEEP") == "mask = (rand < p) / p"
    assert drop.render("mask = (rand < $KEEP) / $KEEP") == "mask = (rand < (1 - p)) / (1 - p)"
    assert (Course(fc_gate="dropout > 0").no_dropout, Course(fc_gate="dropout < 1").no_dropout) == (0, 1)


@pytest.mark.parametrize("table, message", [
    ({"dropout": "keeping"}, "dropout = 'keeping' is not a choice"),
    ({"dropuot": "keep"}, "unknown key(s) in [course]: dropuot"),
    ({"dropout": 1}, "dropout must be a string"),
    ({"fc_gate": "dropout >= 0"}, "fc_gate = 'dropout >= 0' is not a choice"),
])
def test_a_bad_course_table_is_an_error_that_lists_the_choices(table, message):
    with pytest.raises(CourseError) as raised:
        course_from(table, "release.toml")
    assert message in raised.value.message
    assert raised.value.message.startswith("release.toml: ")


def test_the_kits_release_config_declares_the_default_course():
    assert load_course(REPO / "release.toml") == Course()
    assert load_config(REPO).course == Course()


def test_a_release_config_with_another_course_is_read_by_build_and_grader_alike(tmp_path):
    (tmp_path / "release.toml").write_text('solved = []\n\n[course]\ndropout = "drop"\nfc_gate = "dropout < 1"\n')
    assert load_config(tmp_path).course == load_course(tmp_path / "release.toml") == Course("drop", "dropout < 1")
    (tmp_path / "release.toml").write_text('[course]\ndropout = "sometimes"\n')
    with pytest.raises(CourseError, match="is not a choice"):
        load_config(tmp_path)


def test_resolve_prefers_the_given_file_then_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert courses.resolve() == (Course(), "the defaults")
    (tmp_path / "release.toml").write_text('[course]\ndropout = "drop"\n')
    assert courses.resolve() == (Course("drop"), "release.toml")
    other = tmp_path / "other.toml"
    other.write_text('[course]\ndropout = "keep"\n')
    assert courses.resolve(other) == (Course("keep"), str(other))


def test_the_dropout_convention_and_the_package_manifest_are_stated_once_in_the_grader():
    # What issue 14 asked: `git grep` finds the convention's formulas and the module list only in
    # course.py (docstrings that explain "p itself, or 1 - p" point back to it).
    grader = REPO / "grader" / "nndl_hw4"
    found = subprocess.run(["git", "grep", "-n", "-E", r"\(1 - p\)|DROPPING|KEEPING|>= p\b|\"optim\", \"layers\"",
                            "--", str(grader)], capture_output=True, text=True, cwd=REPO).stdout.splitlines()
    assert [line for line in found if not line.startswith("grader/nndl_hw4/course.py")] == []


def test_each_call_gets_its_own_reference_texts():
    # The texts are cached per course; a caller editing its dict (a test planting an attack) must
    # not change what the next caller, the grader's runtime included, gets.
    from nndl_hw4 import mutants
    first = mutants.reference_sources()
    first["optim"] = "raise SystemExit\n"
    assert mutants.reference_sources()["optim"] != first["optim"]


def _kit_with_course(tmp_path, table):
    """A kit root holding the repository's solutions/ and a release.toml with this [course] table."""
    import shutil
    shutil.copytree(SOLUTIONS, tmp_path / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "release.toml").write_text(f"solved = []\n\n[course]\n{table}\n")
    return tmp_path


def test_a_drop_course_release_is_written_for_it_and_the_committed_keep_release_is_stale_for_it(tmp_path):
    from nndl_hw4.release import builder
    from nndl_hw4.release.producers import StubbedModules

    root = _kit_with_course(tmp_path, 'dropout = "drop"\nfc_gate = "dropout < 1"')
    files, _ = builder.render(root, (StubbedModules("nndl"),))
    layers, fc_net = files["nndl/layers.py"].decode(), files["nndl/fc_net.py"].decode()
    assert "We drop each neuron output with probability p." in layers and "We keep" not in layers
    assert "probability of DROPPING a unit. If dropout=1" in fc_net
    assert "dropout=1, use_batchnorm=False" in fc_net and "self.use_dropout = dropout < 1\n" in fc_net
    # build --check compares the committed keep release with what this course's build writes.
    stale = builder.compare(REPO / "assignment", files)
    assert set(stale.changed) == {"nndl/layers.py", "nndl/fc_net.py"}


def test_a_drop_course_notebook_checks_and_says_drop():
    from nndl_hw4.release.notebooks import localised_notebook

    data = (SOLUTIONS / "dropout.ipynb").read_bytes()
    keep = localised_notebook(data, "dropout.ipynb", Course("keep"))
    drop = nbformat.reads(localised_notebook(data, "dropout.ipynb", Course("drop")).decode(), as_version=4)
    sources = [cell.source for cell in nbformat.read(SOLUTIONS / "dropout.ipynb", as_version=4).cells]
    assert [cell.source for cell in nbformat.reads(keep.decode(), as_version=4).cells] == sources   # the source course
    text = "\n".join(cell.source for cell in drop.cells)
    assert "Here `p` is the probability of DROPPING a unit" in text and "keep = (1 - p)" in text
    assert "use_batchnorm=True, dropout=0.25)" in text
