"""Grading many submissions: concurrently, with grades.csv rewritten after each one.

Threads are enough: the work happens in sandboxed child processes and in
numpy. The trusted side of every check (inputs, reference outputs) comes from
the run's reference runtime (nndl_hw4.runtime), computed once per check and
run; the accepted variants' outputs and the mistakes' (diagnosis) only when a
submission fails a check.
"""

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .. import course as courses
from ..checks import all_checks
from ..reports.gradebook import GRADES_CSV, write_grades_csv
from ..reports.gradebook import row as gradebook_row
from ..reports.summary import write_summary
from ..runtime import Runtime
from ..sandbox.limits import Limits
from . import heap
from .grade import Setup, grade_submission


def make_setup(rubric, backend, out_dir, limits=None, force=False, course=courses.DEFAULT):
    """The Setup of a run: the course's checks the rubric names (catalogue order), backend, limits,
    output folder, and the reference runtime of the course (cascading as the rubric says)."""
    wanted = set(rubric.check_ids())
    checks = {c.id: c for c in all_checks(course) if c.id in wanted}
    return Setup(rubric=rubric, checks=checks, backend=backend, limits=limits or Limits(),
                 out_dir=Path(out_dir), force=force, runtime=Runtime(course, cascade=rubric.cascade))


def warm_up(setup):
    """The inputs and expected outputs of every check, before the threads start (~0.1 s)."""
    for check in setup.checks.values():
        setup.runtime.expected(check)


def grade_batch(submissions, setup, jobs=1, on_done=None, summary=True):
    """[Outcome] in the order of `submissions`; `on_done(outcome)` is called as each finishes.

    summary: write DIR/summary.md and its histogram at the end (matplotlib: ~0.8 s; a caller that
    throws the folder away, like the Gradescope autograder, passes False).
    """
    setup.out_dir.mkdir(parents=True, exist_ok=True)
    heap.configure(jobs)
    warm_up(setup)
    finished, rows, lock = {}, {}, threading.Lock()

    def done(index, outcome):
        with lock:
            finished[index] = outcome
            rows[index] = gradebook_row(outcome.record, setup.rubric)
            write_grades_csv(setup.out_dir / GRADES_CSV, [rows[i] for i in sorted(rows)], setup.rubric)
            if on_done:
                on_done(outcome)
            # Memory stays flat whatever the class size: the record (~0.1 MiB) is on disk, and what
            # needs it later (summary.md, the caller) reads it back from there; the memory the
            # submission's grading freed goes back to the OS (grading.heap).
            outcome.release()
            heap.give_back()

    if jobs <= 1:
        for index, submission in enumerate(submissions):
            done(index, grade_submission(submission, setup))
    else:
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
        try:
            futures = {pool.submit(grade_submission, s, setup): i for i, s in enumerate(submissions)}
            for future in as_completed(futures):
                done(futures[future], future.result())
        finally:
            # On Ctrl-C: start nothing new; what finished is in grades.csv already.
            pool.shutdown(wait=True, cancel_futures=True)
    outcomes = [finished[i] for i in range(len(submissions))]
    if summary:
        write_summary(setup.out_dir, (o.record for o in outcomes))     # class statistics: DIR/summary.md
    return outcomes
