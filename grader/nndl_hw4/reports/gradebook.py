"""grades.csv: one row per submission, rewritten after every finished submission.

Columns: ``name, total, max, pending``, one column per rubric question (in
rubric order, headed by its id), then ``status, reason, source``.

- ``total`` of ``max``: the points this run scored (auto questions);
  ``pending``: the points it could not score yet (accuracy, free response);
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

from ..scoring import SCORED
from .feedback import points
from .record import write_text

GRADES_CSV = "grades.csv"


def _text(value):
    """A text cell that a spreadsheet will not run as a formula (names and reasons come from students)."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def header(rubric):
    return ["name", "total", "max", "pending", *[q.id for q in rubric.questions], "status", "reason", "source"]


def row(record, rubric):
    graded = record["status"] != "failed to grade"
    cells = {q["id"]: points(q["points"]) for q in record["questions"] if q["status"] == SCORED}

    def number(value):
        return points(value) if graded and value is not None else ""

    return [_text(record["name"]), number(record["total"]), number(record["max"]), number(record["pending"]),
            *[cells.get(q.id, "") for q in rubric.questions], record["status"], _text(record["reason"]),
            _text(record["source"])]


def write_grades_csv(path, records, rubric):
    """Write `records` (in the given order) to `path`, atomically."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header(rubric))
    for record in records:
        writer.writerow(row(record, rubric))
    write_text(path, out.getvalue())
