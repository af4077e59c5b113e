"""Reports, all rendered from a submission's grading record (grading.json).

Per submission, in ``DIR/<name>/``: ``results.json`` (Gradescope schema,
gradescope.py), ``feedback.md`` (for the student, feedback.py) and
``grading.json`` (the record itself, every check's verdict; record.py).
Per run: ``DIR/grades.csv`` (gradebook.py), ``DIR/summary.md`` with its
score histogram (class statistics, summary.py) and the terminal summary
(terminal.py).
"""

from .feedback import render_feedback
from .gradescope import render_results
from .record import GRADING_JSON, load_record, write_json, write_text

FEEDBACK_MD = "feedback.md"
RESULTS_JSON = "results.json"


def write_submission_reports(record, folder):
    """Write results.json, feedback.md, then grading.json (last: its presence marks a finished grade)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / RESULTS_JSON, render_results(record))
    write_text(folder / FEEDBACK_MD, render_feedback(record))
    write_json(folder / GRADING_JSON, record)


__all__ = ["FEEDBACK_MD", "GRADING_JSON", "RESULTS_JSON", "load_record", "render_feedback",
           "render_results", "write_submission_reports"]
