"""From check verdicts to points: one question at a time, then the total.

Pure functions over plain data, so a cached grading record and a fresh one
score identically. Points are rounded to 2 decimals once, per question; the
total is the sum of the rounded points (what the student sees adds up).
"""

import math
from dataclasses import dataclass

# What a question's points are in one grading run.
SCORED = "scored"                  # auto question: points from its checks
NOT_GRADED = "not graded yet"      # accuracy: scored from the saved model in a later step
BY_HAND = "graded by hand"         # manual: free response

PENDING = (NOT_GRADED, BY_HAND)


@dataclass(frozen=True)
class QuestionScore:
    points: float | None      # None unless status is SCORED
    max_points: float
    status: str
    passed: int = 0
    total_checks: int = 0


def question_status(question):
    if question.kind == "manual":
        return BY_HAND
    if question.kind == "accuracy":
        return NOT_GRADED
    return SCORED


def score_question(question, verdicts):
    """QuestionScore from `verdicts` {check id: (passed, weight)} of the question's checks."""
    status = question_status(question)
    if status != SCORED:
        return QuestionScore(None, question.points, status)
    results = [verdicts[c] for c in question.checks]
    passed = sum(1 for ok, _ in results if ok)
    weight = sum(w for _, w in results)
    earned = sum(w for ok, w in results if ok)
    if question.credit == "all-or-nothing":
        fraction = 1.0 if passed == len(results) else 0.0
    else:
        fraction = earned / weight if weight > 0 else float(passed == len(results))
    return QuestionScore(round(question.points * fraction, 2), question.points, status,
                         passed, len(results))


def totals(scores):
    """(total, max, pending) over QuestionScores: points earned, their maximum, points left to grade."""
    total = round(sum(s.points for s in scores if s.status == SCORED), 2)
    maximum = round(sum(s.max_points for s in scores if s.status == SCORED), 2)
    pending = round(sum(s.max_points for s in scores if s.status in PENDING), 2)
    return total, maximum, pending


def accuracy_fraction(accuracy):
    """Share of the final part's points for validation accuracy `accuracy` in [0, 1] (spec section 4).

    min(floor(X - 32) / 28, 1) with X in percent, never below 0. X is rounded to
    6 decimals first so 0.584 counts as 58.4 (not 58.3999...) and 0.57 as 57.
    """
    percent = round(float(accuracy) * 100, 6)
    return min(max(math.floor(percent - 32) / 28, 0.0), 1.0)
