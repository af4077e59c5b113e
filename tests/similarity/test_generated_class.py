"""The generated class end to end through `nndl-hw4 similar`: copies on top, independents under the threshold."""

import pytest

from nndl_hw4.similarity.score import THRESHOLD

from .conftest import generate


def _check_ranking(generated):
    rows = generated.rows
    planted = [r for r in rows if generated.planted(r)]
    independent = [r for r in rows if not generated.planted(r)]
    best_independent = max(float(r["score"]) for r in independent)
    worst_planted = min(float(r["score"]) for r in planted)
    # Every planted pair is found, each ranks above every independent pair, and the threshold separates them.
    expected = {frozenset((a.name, b.name)) for a in generated.students for b in generated.students
                if a.name < b.name and a.origin == b.origin}
    expected |= {frozenset((s.name, f"public/{p.name}")) for s in generated.students for p in generated.against
                 if s.origin == p.origin}
    assert {frozenset((r["student_a"], r["student_b"])) for r in planted} == expected
    assert worst_planted > best_independent
    assert worst_planted >= THRESHOLD > best_independent
    assert all(r["flagged"] == "yes" for r in planted)
    assert not any(r["flagged"] == "yes" for r in independent)
    assert [generated.planted(r) for r in rows[:len(planted)]] == [True] * len(planted)


def test_the_copies_rank_above_every_independent_pair(generated_class):
    _check_ranking(generated_class)


@pytest.mark.parametrize("seed", [11, 12])
def test_the_ranking_holds_for_other_classes(tmp_path, seed):
    _check_ranking(generate(tmp_path, seed))


def test_every_disguise_of_a_full_copy_is_seen_through(generated_class):
    scores = {frozenset((r["student_a"], r["student_b"])): float(r["score"]) for r in generated_class.rows}
    for copy, original in (("copy-of-s000", "s000"), ("copy-of-s001", "s001"), ("group1-of-s004", "group2-of-s004"),
                           ("nobanner-copy-of-s002", "s002"), ("public-copy-0", "public/cs231n-solutions")):
        assert scores[frozenset((copy, original))] == pytest.approx(1.0), copy


def test_students_who_share_only_the_starter_are_never_similar(generated_class):
    result = generated_class.result.output
    stubs = [s.name for s in generated_class.students if s.kind == "stub"]
    names = {r["student_a"] for r in generated_class.rows} | {r["student_b"] for r in generated_class.rows}
    assert stubs and not set(stubs) & names, result                # no row at all: they wrote nothing
    partial = [r for r in generated_class.rows if "partial-" in r["student_a"] + r["student_b"]
               and "copy" not in r["student_a"] + r["student_b"]]
    assert partial and all(float(r["score"]) < THRESHOLD for r in partial)


def test_the_public_solution_is_named(generated_class):
    rows = {frozenset((r["student_a"], r["student_b"])): r for r in generated_class.rows}
    for a, b in (("public-copy-0", "public-copy-1"), ("public-copy-1", "public-copy-2")):
        assert rows[frozenset((a, b))]["public_solution"] == "public/cs231n-solutions"
    assert rows[frozenset(("copy-of-s000", "s000"))]["public_solution"] == ""


def test_the_per_function_breakdown_names_what_was_copied(generated_class):
    rows = {frozenset((r["student_a"], r["student_b"])): r for r in generated_class.rows}
    functions = rows[frozenset(("partial-copy-of-s003", "s003"))]["functions"]
    named = [part.split(" (")[0] for part in functions.split("; ")]
    # The five functions the partial copy took are the five most shared.
    assert set(named) == {"layers.batchnorm_forward", "layers.batchnorm_backward", "optim.adam", "optim.rmsprop",
                          "fc_net.FullyConnectedNet.__init__"}


def test_zips_and_otter_exports_are_in_the_class(generated_class):
    names = {r["student_a"] for r in generated_class.rows} | {r["student_b"] for r in generated_class.rows}
    assert {"s001", "copy-of-s001", "s007"} <= names       # written as zips, one as an otter export
    assert "Compared 51 submission(s) and 1 from --against" in generated_class.result.output
