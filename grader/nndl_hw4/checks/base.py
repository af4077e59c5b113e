"""What a check is, and what judging one produces.

A check pairs a probe (student-code caller, see nndl_hw4.child.probes) with
seeded inputs and a judge. The grader computes the inputs, runs the probe on
the student's code in the sandbox and, when ``reference`` is set, on the
trusted reference in its own process, then calls ``judge(student, expected,
inputs)`` here, in the process student code never runs in.
"""

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str                      # student-facing; never contains hidden expected values
    diagnosis: str | None = None      # a named classic mistake, when recognised
    detail: str | None = None         # instructor-only detail

    @classmethod
    def ok(cls, message="passed"):
        return cls(True, message)

    @classmethod
    def fail(cls, message, **kw):
        return cls(False, message, **kw)


@dataclass(frozen=True)
class Check:
    id: str                           # "<question>/<name>", unique, stable (rubric and reports use it)
    question: str                     # rubric question it belongs to by default
    function: str                     # what the student sees as tested, e.g. "adam"
    title: str                        # the case, e.g. "three steps carrying the config"
    probe: str                        # key in child.probes.PROBES
    modules: tuple                    # student modules the probe needs, e.g. ("nndl.optim",)
    inputs: Callable[[], Any]         # deterministic (seeded) input tree
    judge: Callable[[Any, Any, Any], Verdict]
    group: str                        # checks of one group share a sandboxed child and its timeout
    public: bool = False              # the notebooks show this case (fixture) to students
    reference: bool = True            # compute expected outputs with the reference
    weight: float = 1.0               # share of the question's points (partial credit)
    tags: tuple = field(default_factory=tuple)

    @property
    def label(self):
        kind = "public check" if self.public else "hidden check"
        return f"{self.function} ({kind}: {self.title})"


def failure(function, title):
    """fail(problem) -> a failing Verdict whose message names the function and the case.

    Every judge words its failures through this, so a student always reads
    which function, which case, and what is wrong: "batchnorm_backward (x of
    shape (8, 6)): dgamma: max relative error 3.1e-01 (tolerance 1e-07)".
    """
    def fail(problem, **kw):
        return Verdict.fail(f"{function} ({title}): {problem}", **kw)
    return fail
