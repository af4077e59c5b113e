"""results.json in Gradescope's autograder schema (spec section 8).

One test per rubric question; its output lists the question's checks (✓/✗ and
the verdict message, as in feedback.md), or for the final part the measured
accuracy and its share of the points. ``score`` is the automatic total.

Questions this run does not score (free response, graded by hand) are still
listed, so students see the whole rubric, but with ``max_score`` 0 and no
``status``: their points are not part of the autograder's total (Gradescope
then shows them as informational rows), and the output says how they will be
graded. A submission that failed to grade
has score 0, no tests, and the reason in the top-level output.
"""

from ..scoring import SCORED
from .feedback import PENDING_TEXT, accuracy_lines, check_line, pending_sentence, points


def _test(question):
    test = {"name": question["title"], "visibility": question.get("visibility", "visible"),
            "output_format": "md", "tags": [t for t in (question["part"], question["id"]) if t]}
    if question["status"] != SCORED:
        return dict(test, score=0, max_score=0,
                    output=f"{PENDING_TEXT[question['status']].capitalize()} "
                           f"({points(question['max_points'])} points, not part of this score).")
    checks = question["checks"]
    if question.get("accuracy"):
        output = "\n".join(accuracy_lines(question))
    elif checks and all(c["outcome"] == "not implemented" for c in checks):
        output = "✗ Not implemented yet."
    else:
        output = "\n".join(check_line(c) for c in checks)
    passed = question["passed"] == question["total_checks"]
    return dict(test, score=question["points"], max_score=question["max_points"],
                status="passed" if passed else "failed", output=output)


def render_results(record):
    results = {"score": 0, "execution_time": round(record.get("seconds", 0.0), 2),
               "visibility": "visible", "stdout_visibility": "hidden"}
    if record["status"] == "failed to grade":
        return dict(results, output=f"Your submission could not be graded: {record['reason']}", tests=[])
    output = (f"Automatic score: {points(record['total'])} / {points(record['max'])} points."
              + pending_sentence(record["questions"]).replace("(see below)", "(listed with 0 points below)"))
    return dict(results, score=record["total"], output=output,
                tests=[_test(q) for q in record["questions"]])
