"""grades.csv: one row per submission, rewritten after every finished submission.

Columns: ``name, total, max, pending``, one column per rubric question (in
rubric order, headed by its id; an accuracy question is followed by
``<id>_percent``, the accuracy measured on the saved model, empty when there
was none to measure), then ``status, reason, source``.

- ``total`` of ``max``: the points this run scored (auto and accuracy
  questions); ``pending``: the points it does not score (free response);
  ``max + pending`` is the rubric's total.
- A question cell holds its points, or stays EMPTY when this run does not
  score the question (fill in free-response points by hand there).
- ``status``: ``ok``; ``partial errors`` (graded, but some checks could not
  run: a missing module, an import failure, a timeout or crash; see
  ``reason``); ``failed to grade`` (no score at all; ``reason`` says why).

Text cells starting like a formula (``=``, ``+``, ``-``, ``@``) get a leading
``'``: reasons quote student exception messages, and a gradebook opened in a
spreadsheet must not run them.
"""

import csv
import io

from ..accuracy.score import percent_text
from ..scoring import SCORED
from .feedback import points
from .record import write_text

GRADES_CSV = "grades.csv"


def _text(value):
    """A text cell that a spreadsheet will not run as a formula (names and reasons come from students)."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _columns(rubric):
    """[(column, question id, what)] of the question columns: its points, and for accuracy its percent."""
    columns = []
    for q in rubric.questions:
        columns.append((q.id, q.id, "points"))
        if q.kind == "accuracy":
            columns.append((f"{q.id}_percent", q.id, "percent"))
    return columns


def header(rubric):
    return ["name", "total", "max", "pending", *[c for c, _, _ in _columns(rubric)], "status", "reason", "source"]


def _cell(question, what):
    if question is None or question["status"] != SCORED:
        return ""
    if what == "percent":
        percent = (question.get("accuracy") or {}).get("percent")
        return "" if percent is None else percent_text(percent)
    return points(question["points"])


def row(record, rubric):
    graded = record["status"] != "failed to grade"
    questions = {q["id"]: q for q in record["questions"]}

    def number(value):
        return points(value) if graded and value is not None else ""

    return [_text(record["name"]), number(record["total"]), number(record["max"]), number(record["pending"]),
            *[_cell(questions.get(qid), what) for _, qid, what in _columns(rubric)], record["status"],
            _text(record["reason"]), _text(record["source"])]


def write_grades_csv(path, records, rubric):
    """Write `records` (in the given order) to `path`, atomically; a record may be given as its row()."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(rubric))
    for record in records:
        writer.writerow(record if isinstance(record, list) else row(record, rubric))
    write_text(path, out.getvalue())
