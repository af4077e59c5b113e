"""Print the mutation score: every catalogue entry graded as a one-bug submission.

    python bench/mutation_score.py                 # the score (about a minute on 2 cores)
    python bench/mutation_score.py --course drop   # the score of a course whose p drops units
    python bench/mutation_score.py --twenty [--no-diagnosis]
                                                   # what diagnosis costs: 20 students with 3 random
                                                   # mistakes each, in a fresh process, with and without

Killed: the mistake fails some check. Named: one of its failed checks names it,
alone. Legitimate variants must keep full marks with no diagnosis. Uses the
real pipeline (sandbox, packaged rubric, scoring) through nndl_hw4's library.
"""

import argparse
import random
import tempfile
import time
from pathlib import Path

from nndl_hw4 import diagnosis, mutants
from nndl_hw4.course import Course
from nndl_hw4.diagnosis import mutation_score
from nndl_hw4.grading.batch import grade_batch, make_setup
from nndl_hw4.grading.submission import discover
from nndl_hw4.rubric import load_rubric
from nndl_hw4.sandbox.backends import select


class Timed:
    """Wall-clock seconds spent inside diagnosis.diagnose, summed over threads."""

    def __init__(self):
        self.seconds, self.calls = 0.0, 0
        self.original = diagnosis.diagnose

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1


def grade(folder, out, jobs, enabled, course):
    """(outcomes, seconds, Timed, the run's Runtime): the real batch, diagnosis on or off."""
    timed = Timed()
    diagnosis.diagnose = timed
    try:
        backend, _ = select()
        setup = make_setup(load_rubric(), backend, out, force=True, course=course)
        setup.runtime.diagnose = enabled
        started = time.perf_counter()
        outcomes = grade_batch(discover([folder]), setup, jobs=jobs)
        return outcomes, time.perf_counter() - started, timed, setup.runtime
    finally:
        diagnosis.diagnose = timed.original


def random_class(folder, course, size=20, per_student=3, seed=7):
    """`size` submissions with up to `per_student` random catalogue mistakes each."""
    rng = random.Random(seed)
    pool = [m for m in mutants.catalogue(course) if not m.legit]
    sources = mutants.reference_sources(course)
    for i in range(size):
        chosen = []
        for mistake in rng.sample(pool, per_student):
            try:
                mutants.apply(chosen + [mistake], sources)
                chosen.append(mistake)
            except mutants.MutationError:      # two mistakes editing the same line
                pass
        mutants.write_package(Path(folder) / f"student-{i:02d}", mutants.apply(chosen, sources))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--twenty", action="store_true",
                        help="grade 20 students with 3 random catalogue mistakes each instead")
    parser.add_argument("--no-diagnosis", action="store_true", help="grade without diagnosis (to time it)")
    parser.add_argument("--course", choices=("keep", "drop"), default="keep",
                        help="the course's dropout convention (nndl_hw4.course)")
    args = parser.parse_args()
    enabled = not args.no_diagnosis
    course = Course(dropout=args.course)
    with tempfile.TemporaryDirectory(prefix="mutation-score-") as tmp:
        tmp = Path(tmp)
        if args.twenty:
            random_class(tmp / "class", course)
            written = None
        else:
            written = mutation_score.write_class(tmp / "class", course)
        outcomes, seconds, timed, runtime = grade(tmp / "class", tmp / "out", args.jobs, enabled, course)
        if written is not None:
            print("\n".join(mutation_score.score(tmp / "out", written).lines()))
        failed = sum(not c["passed"] for o in outcomes for q in o.record["questions"] for c in q["checks"])
        named = sum(bool(c.get("diagnosis")) for o in outcomes for q in o.record["questions"] for c in q["checks"])
        print(f"graded {len(outcomes)} submissions in {seconds:.1f} s (--jobs {args.jobs}, diagnosis "
              f"{'on' if enabled else 'off'}): {failed} failed checks, {named} diagnosed"
              + (f", {timed.seconds:.1f} s inside diagnose" if enabled else ""))
        for error in runtime.errors:
            print(f"  diagnosis error: {error}")


if __name__ == "__main__":
    main()
