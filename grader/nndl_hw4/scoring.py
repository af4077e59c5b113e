"""From check verdicts to points: one question at a time, then the total.

Pure functions over plain data, so a cached grading record and a fresh one
score identically. Points are rounded to 2 decimals once, per question; the
total is the sum of the rounded points (what the student sees adds up).
"""

import math
from dataclasses import dataclass

# What a question's points are in one grading run.
SCORED = "scored"                  # auto: points from its checks; accuracy: from the saved model
NOT_GRADED = "not graded yet"      # accuracy, deferred in this run (the demo has no dataset)
BY_HAND = "graded by hand"         # manual: free response

# The final part (spec section 4): min(floor(X - 32) / 28, 1) of its points, X in percent.
ACCURACY_FLOOR = 32   # percent
ACCURACY_STEPS = 28   # one step per percent above the floor: 60% and more earn every point

PENDING = (NOT_GRADED, BY_HAND)


@dataclass(frozen=True)
class QuestionScore:
    points: float | None      # None unless status is SCORED
    max_points: float
    status: str
    passed: int = 0
    total_checks: int = 0


def question_status(question):
    """How `nndl-hw4 grade` scores the question: SCORED, NOT_GRADED (deferred accuracy) or BY_HAND."""
    if question.kind == "manual":
        return BY_HAND
    return SCORED if question.scored_now else NOT_GRADED


def score_question(question, verdicts, model_score=None):
    """QuestionScore from `verdicts` {check id: (passed, weight)} of the question's checks.

    An accuracy question is scored from `model_score` (accuracy.ModelScore of
    the saved model; its one "check" passes at full points) and is NOT_GRADED
    without one.
    """
    status = question_status(question)
    if status != SCORED:
        return QuestionScore(None, question.points, status)
    if question.kind == "accuracy":
        if model_score is None:
            return QuestionScore(None, question.points, NOT_GRADED)
        full = int(model_score.fraction >= 1)
        return QuestionScore(round(question.points * model_score.fraction, 2), question.points, status, full, 1)
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
    return min(max(math.floor(percent - ACCURACY_FLOOR) / ACCURACY_STEPS, 0.0), 1.0)
