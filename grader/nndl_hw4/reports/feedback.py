"""feedback.md: what a student reads about their grade.

Per question its points and each check with ✓/✗ and the verdict's message
(messages never contain hidden expected values; instructor-only details in
the record are never shown). A question whose checks all hit a stub says
"not implemented yet" once instead of once per check. The final part shows
the measured accuracy and its share of the points (accuracy_lines).
"""

from ..accuracy.score import describe
from ..course import MODULES, PACKAGE
from ..scoring import ACCURACY_FLOOR, ACCURACY_STEPS, BY_HAND, NOT_GRADED, SCORED

HANDED_IN = ", ".join(f"`{PACKAGE}/{m}.py`" for m in MODULES[:-1]) + f" and `{PACKAGE}/{MODULES[-1]}.py`"

# How a question this run does not score is described to students (and in results.json).
PENDING_TEXT = {
    NOT_GRADED: "not graded yet",
    BY_HAND: "graded by hand",
}


def points(value):
    """4.67, 5, 0: points as people write them."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _message(check):
    """The verdict message without the function/case prefix the check line already shows."""
    message = check["message"]
    for prefix in (f"{check['function']} ({check['title']}): ", f"{check['function']}: "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def check_line(check):
    kind = "public check" if check["public"] else "hidden check"
    line = f"- {'✓' if check['passed'] else '✗'} `{check['function']}` ({kind}: {check['title']})"
    message = _message(check)
    if not check["passed"] or message != "passed":
        line += f": {message}"
    if check.get("diagnosis"):
        line += f"\n  - Likely mistake: {check['diagnosis']}"
    return line


def accuracy_lines(question):
    """The final part's result: '- ✓ validation accuracy 57.3% → 25/28 of 20 points' and how it was measured."""
    info = question["accuracy"]
    mark = "✓" if question["points"] == question["max_points"] else "✗"
    line = f"- {mark} {describe(info, question['max_points'])}"
    if info.get("problem"):
        return [line]
    return [line, f"  - Measured by the grader: your `model.npz` in the reference network (test mode) on "
                  f"{info['images']} held-out images; points × min(floor(X − {ACCURACY_FLOOR}) / "
                  f"{ACCURACY_STEPS}, 1) for an accuracy of X%."]


def _question_lines(question):
    status = question["status"]
    if status != SCORED:
        return [f"### {question['title']}: {PENDING_TEXT[status]} ({points(question['max_points'])} points)", ""]
    head = f"### {question['title']}: {points(question['points'])} / {points(question['max_points'])}"
    if question["max_points"] == 0:
        head += " (reported only, not counted)"
    lines = [head, ""]
    if question.get("note"):
        lines += [question["note"], ""]
    if question.get("accuracy"):
        return lines + accuracy_lines(question) + [""]
    checks = question["checks"]
    if checks and all(c["outcome"] == "not implemented" for c in checks):
        return lines + ["✗ Not implemented yet.", ""]
    if question["credit"] == "all-or-nothing" and question["passed"] < question["total_checks"]:
        lines += ["All checks must pass for any points on this question.", ""]
    return lines + [check_line(c) for c in checks] + [""]


def pending_sentence(questions):
    """' Still to be added: 30 points (...).' for the questions this run does not score, or ''."""
    pending = [q for q in questions if q["status"] != SCORED and q["max_points"] > 0]
    if not pending:
        return ""
    by_hand = sum(q["max_points"] for q in pending if q["status"] == BY_HAND)
    later = sum(q["max_points"] for q in pending if q["status"] != BY_HAND)
    parts = [f"{points(p)} points {how}" for p, how in ((later, "graded later"), (by_hand, "graded by hand")) if p]
    return f" Still to be added: {' and '.join(parts)} (see below)."


def render_feedback(record):
    name = record["name"]
    lines = [f"# HW4 feedback: {name}", ""]
    if record["status"] == "failed to grade":
        return "\n".join(lines + [
            f"**Your submission could not be graded:** {record['reason']}", "",
            f"Hand in a .zip holding {HANDED_IN} (the notebook's export cell makes one), then ask for it "
            "to be graded again.",
            ""])
    questions = record["questions"]
    lines += [f"**Automatic score: {points(record['total'])} / {points(record['max'])} points.**"
              + pending_sentence(questions), "",
              "✓ passed, ✗ failed. Public checks are the ones in your notebooks; hidden checks try "
              "other inputs (their expected values are not shown).", ""]
    if record.get("missing_modules"):
        files = ", ".join(f"`nndl/{m}.py`" for m in record["missing_modules"])
        lines += [f"**Missing from your submission:** {files}. The checks that need it failed.", ""]
    part = None
    for question in questions:
        if question["part"] != part:
            part = question["part"]
            if part:
                lines += [f"## {part}", ""]
        lines += _question_lines(question)
    return "\n".join(lines).rstrip("\n") + "\n"
