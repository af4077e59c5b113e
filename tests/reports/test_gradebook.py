"""grades.csv: one row per submission, a column per question, empty cells for what is not scored."""

import csv
import json

from nndl_hw4.reports.gradebook import header, row


def _rows(out):
    with open(out / "grades.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_columns_are_totals_questions_status_reason_source(graded):
    out, rubric, _ = graded
    with open(out / "grades.csv", newline="") as f:
        assert next(csv.reader(f)) == header(rubric)
    assert header(rubric)[:4] == ["name", "total", "max", "pending"]
    assert header(rubric)[-3:] == ["status", "reason", "source"]


def test_rows_in_discovery_order_with_scores_and_empty_pending_cells(graded):
    out, rubric, _ = graded
    rows = _rows(out)
    assert [r["name"] for r in rows] == ["adam-no-bias-correction", "corrupt", "missing-optim", "reference",
                                         "starter-code"]
    reference = next(r for r in rows if r["name"] == "reference")
    # No model.npz handed in: the final part is scored 0; free response waits for hand grading.
    assert reference["adam"] == "10" and reference["accuracy"] == "0" and reference["free_response"] == ""
    assert float(reference["max"]) + float(reference["pending"]) == rubric.total
    assert reference["status"] == "ok" and reference["reason"] == ""


def test_failed_and_partial_rows_say_why(graded):
    out, _, _ = graded
    rows = {r["name"]: r for r in _rows(out)}
    assert rows["corrupt"]["status"] == "failed to grade" and rows["corrupt"]["total"] == ""
    assert rows["missing-optim"]["status"] == "partial errors"
    assert rows["missing-optim"]["reason"] == "nndl/optim.py missing"
    assert rows["missing-optim"]["adam"] == "0"
    assert rows["missing-optim"]["dropout_forward"] == "6"   # layers.py alone: unaffected


def test_text_cells_never_start_like_a_formula(graded):
    from nndl_hw4.reports.gradebook import row

    _, rubric, outcomes = graded
    record = dict(outcomes["corrupt"].record, reason="=HYPERLINK(\"http://x\")", name="@alice")
    cells = row(record, rubric)
    assert cells[0] == "'@alice" and cells[-2] == "'=HYPERLINK(\"http://x\")"


def test_a_batch_keeps_no_record_in_memory(graded):
    # Memory stays flat whatever the class size: each record is read back from grading.json when needed.
    out, rubric, outcomes = graded
    for name, outcome in outcomes.items():
        assert outcome._record is None, name
        assert outcome.record == json.loads((out / name / "grading.json").read_text()), name
    with open(out / "grades.csv", newline="") as f:
        assert list(csv.reader(f))[1:] == [row(outcomes[name].record, rubric) for name in sorted(outcomes)]
