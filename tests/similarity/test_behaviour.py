"""Behaviour as evidence: grade a small class for real, then find who returns the same rare wrong outputs."""

import json
import shutil

import numpy as np
import pytest

from nndl_hw4 import mutants
from nndl_hw4.grading.engine import Observation
from nndl_hw4.release.stubs import region_bodies, replace_bodies
from nndl_hw4.similarity.digest import failed_outputs_digest, outputs_digest

from .classgen import REPO_ROOT
from .conftest import read_csv, run_cli

QUICK_RUBRIC = """
[[question]]
id = "adam"
title = "Adam"
points = 10
kind = "auto"
checks = ["adam/public", "adam/steps", "adam/state"]

[[question]]
id = "batchnorm_backward"
title = "Batchnorm backward"
points = 10
kind = "auto"
checks = ["batchnorm_backward/*"]
"""


def scaled_batchnorm_backward(factor):
    """The reference with dx scaled at the end of batchnorm_backward's region: a mistake nobody catalogued."""
    texts = mutants.reference_sources()
    bodies = region_bodies(texts["layers"])
    key = ("batchnorm_backward", 1)
    indent = bodies[key][-1][: len(bodies[key][-1]) - len(bodies[key][-1].lstrip())]
    texts["layers"] = replace_bodies(texts["layers"], {key: bodies[key] + [f"{indent}dx = dx * {factor}\n"]})
    return texts


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """`nndl-hw4 grade CLASS --similarity` on: the reference, the starter, two students with the same
    uncatalogued batchnorm mistake, one with another factor, two with Adam's classic missing bias correction."""
    root = tmp_path_factory.mktemp("similar-behaviour")
    subs = root / "class"
    mutants.write_package(subs / "reference", mutants.reference_sources())
    shutil.copytree(REPO_ROOT / "assignment" / "nndl", subs / "starter" / "nndl")
    for name, factor in (("weird-1", 1.5), ("weird-2", 1.5), ("weird-3", 2.5)):
        mutants.write_package(subs / name, scaled_batchnorm_backward(factor))
    for name in ("nobias-1", "nobias-2"):
        mutants.write_package(subs / name, mutants.apply([mutants.by_id("adam-no-bias-correction")]))
    rubric = root / "rubric.toml"
    rubric.write_text(QUICK_RUBRIC)
    result = run_cli("grade", subs, "--out", root / "grades", "--rubric", rubric, "--similarity", "--jobs", 2)
    assert result.exit_code == 0, result.output
    return root, result


def record(root, name):
    return json.loads((root / "grades" / name / "grading.json").read_text())


def checks(root, name):
    return {c["id"]: c for q in record(root, name)["questions"] for c in q["checks"]}


def test_grading_json_keeps_a_digest_of_failed_outputs_only(graded):
    root, _ = graded
    reference, weird1, weird2, weird3 = (checks(root, n) for n in ("reference", "weird-1", "weird-2", "weird-3"))
    assert all(c["outputs_digest"] is None for c in reference.values())
    assert all(c["outputs_digest"] is None for c in checks(root, "starter").values())     # raised: no outputs
    for check_id in ("batchnorm_backward/public", "batchnorm_backward/gradients"):
        assert not weird1[check_id]["passed"] and weird1[check_id]["outputs_digest"]
        assert weird1[check_id]["outputs_digest"] == weird2[check_id]["outputs_digest"]
        assert weird1[check_id]["outputs_digest"] != weird3[check_id]["outputs_digest"]
    assert weird1["adam/steps"]["passed"] and weird1["adam/steps"]["outputs_digest"] is None


def test_a_shared_uncatalogued_mistake_flags_the_pair(graded):
    root, _ = graded
    rows = {frozenset((r["student_a"], r["student_b"])): r for r in read_csv(root / "grades" / "similarity.csv")}
    pair = rows[frozenset(("weird-1", "weird-2"))]
    assert "shared rare mistakes" in pair["reasons"]
    assert "both return the same wrong batchnorm_backward outputs on every check it failed" in pair["shared_rare_mistakes"]
    assert "2 of 7 graded students return exactly these" in pair["shared_rare_mistakes"]
    assert "known mistake" not in pair["shared_rare_mistakes"]
    # Another factor is another wrong answer; and the reference code all six share is no evidence: no row.
    assert frozenset(("weird-1", "weird-3")) not in rows


def test_a_shared_catalogued_mistake_is_shown_but_is_not_a_flag_alone(graded):
    root, _ = graded
    rows = {frozenset((r["student_a"], r["student_b"])): r for r in read_csv(root / "grades" / "similarity.csv")}
    pair = rows[frozenset(("nobias-1", "nobias-2"))]
    assert "both return the same wrong adam outputs" in pair["shared_rare_mistakes"]
    assert "(a known mistake: " in pair["shared_rare_mistakes"]
    assert pair["flagged"] == "no"      # a classic mistake two students make independently: shown, not flagged


def test_the_summary_links_the_report(graded):
    root, result = graded
    summary = (root / "grades" / "summary.md").read_text()
    assert summary.rstrip().endswith("for shared rare mistakes alone.")
    assert "## Similarity\n\n[similarity.html](similarity.html)" in summary
    assert (root / "grades" / "similarity.html").is_file()
    assert "Behaviour: grading records of 7 of 7 submission(s)" in result.output


def test_records_of_other_files_are_not_used(graded, tmp_path):
    root, _ = graded
    changed = tmp_path / "class"
    shutil.copytree(root / "class", changed)
    with open(changed / "weird-2" / "nndl" / "layers.py", "a") as f:
        f.write("# resubmitted after grading\n")
    result = run_cli("similar", changed, "--grades", root / "grades", "--out", tmp_path / "out")
    assert "1 record(s) graded from other files than these (weird-2): regrade them" in result.output
    rows = read_csv(tmp_path / "out" / "similarity.csv")
    assert not any(r["shared_rare_mistakes"] and "weird-2" in (r["student_a"], r["student_b"]) for r in rows)


def test_without_records_the_report_says_so(graded, tmp_path):
    root, _ = graded
    result = run_cli("similar", root / "class", "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert "behaviour evidence not available" in result.output
    assert "behaviour evidence not available" in (tmp_path / "out" / "similarity.html").read_text()


def test_the_digest_forgives_float_noise_and_nothing_else():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4))
    noisy = x * (1 + 1e-13) + 0.0
    assert outputs_digest({"dx": x, "dgamma": x[0]}) == outputs_digest({"dgamma": x[0], "dx": noisy})
    assert outputs_digest({"dx": x}) != outputs_digest({"dx": x * (1 + 1e-4)})       # a different answer
    assert outputs_digest({"dx": x}) != outputs_digest({"dx": x.astype(np.float32)})  # another dtype
    assert outputs_digest({"dx": x}) != outputs_digest({"dx": x.T})                  # another shape
    assert outputs_digest([x]) != outputs_digest((x,)) and outputs_digest(-0.0) == outputs_digest(0.0)
    failed = Observation(status="ok", outputs={"dx": x})
    assert failed_outputs_digest(failed, passed=True) is None
    assert failed_outputs_digest(Observation(status="error"), passed=False) is None
    assert failed_outputs_digest(failed, passed=False) == outputs_digest({"dx": x})
