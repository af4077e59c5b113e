"""What run_autograder runs on Gradescope: grade /autograder/submission, write results.json.

``python -m nndl_hw4.gradescope.run``. The submission is graded by the
native grader (grading.batch: sandboxed checks, the saved model scored with
the trusted network) with the rubric and options packed into the autograder
zip (source/rubric.toml, source/config.json). ``results.json`` is the
report the native grader writes for the submission (Gradescope's schema);
the student's feedback.md goes to stdout, which only instructors see, after
a line naming the sandbox and the walls it used (bubblewrap, or the direct
backend walled by Landlock where the container cannot create namespaces).

A problem of the grading set-up (no CIFAR-10, a broken install, a grader
fault) still produces a results.json that says so, and exit status 1.
"""

import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import nndl_hw4

from .. import __version__
from ..accuracy.batch import prepare
from ..checks import all_checks
from ..course import course_from
from ..errors import KitError
from ..grading.batch import grade_batch, make_setup
from ..grading.submission import MAX_DEPTH, Submission
from ..reports import FEEDBACK_MD, RESULTS_JSON
from ..reports.record import write_json
from ..rubric import load_rubric
from ..sandbox.backends import describe, select
from ..sandbox.limits import Limits

CONFIG_JSON = "config.json"
RUBRIC_TOML = "rubric.toml"


def autograder_root():
    return Path(os.environ.get("NNDL_HW4_AUTOGRADER_ROOT") or "/autograder")


def cifar10_dir(root):
    return Path(os.environ.get("NNDL_HW4_CIFAR10_DIR") or root / "cifar10")


def find_submission(folder):
    """The Submission in Gradescope's upload folder: the folder itself, or the one .zip it holds.

    Gradescope unpacks an uploaded .zip into the folder; a student who zipped
    a zip (or uploaded several files, one a zip) leaves a .zip in there.
    """
    has_nndl = False
    for current, dirs, _ in os.walk(folder):
        depth = 0 if current == str(folder) else os.path.relpath(current, folder).count(os.sep) + 1
        if "nndl" in dirs:
            has_nndl = True
            break
        if depth >= MAX_DEPTH:
            dirs.clear()
    zips = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".zip")
    if not has_nndl and len(zips) == 1:
        return Submission(name="submission", path=zips[0], kind="zip")
    return Submission(name="submission", path=folder, kind="dir")


def setup_failure(message, started):
    return {"score": 0, "execution_time": round(time.perf_counter() - started, 2), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": [],
            "output": f"The autograder could not grade this submission: {message}. This is a problem of the "
                      "grading set-up, not of your work: please tell your instructor."}


def grade(root, scratch):
    """(results dict, exit status) for the submission under `root`."""
    source = root / "source"
    config = json.loads((source / CONFIG_JSON).read_text(encoding="utf-8"))
    course = course_from(config.get("course", {}), CONFIG_JSON)
    rubric = load_rubric(source / RUBRIC_TOML, all_checks(course))
    backend, warning = select(config.get("sandbox", "auto"))
    print(f"Sandbox: {backend.name}: {describe(backend)}")
    if warning:
        print(f"WARNING: {warning}")
    limits = Limits(timeout=config.get("timeout") or Limits().timeout)
    submission = find_submission(root / "submission")
    setup = make_setup(rubric, backend, scratch / "reports", limits, force=True, course=course)
    setup = prepare(setup, [submission], cifar10_dir(root))   # DataError: a set-up problem, said once
    print(f"Grading {submission.path} (sandbox: {backend.name}, rubric: {RUBRIC_TOML}, {rubric.total:g} points; "
          f"course: {course.describe()})")
    [outcome] = grade_batch([submission], setup, jobs=1, summary=False)   # no class here: no summary.md
    folder = setup.out_dir / submission.name
    print((folder / FEEDBACK_MD).read_text(encoding="utf-8"))
    results = json.loads((folder / RESULTS_JSON).read_text(encoding="utf-8"))
    if outcome.fault:
        print(f"GRADER FAULT: {outcome.fault}")
    return results, 1 if outcome.fault else 0


def main():
    started = time.perf_counter()
    root = autograder_root()
    results_path = root / "results" / RESULTS_JSON
    results_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"nndl-hw4 {__version__} from {Path(nndl_hw4.__file__).resolve().parent}")
    scratch = Path(tempfile.mkdtemp(prefix="nndl-hw4-gradescope-"))
    try:
        results, status = grade(root, scratch)
    except KitError as error:
        print(f"ERROR: {error.message}" + (f"\nTIP: {error.hint}" if error.hint else ""))
        results, status = setup_failure(error.message, started), 1
    except Exception as error:   # a fault of the grader: still answer the student
        print(f"ERROR: {type(error).__name__}: {error}\n{traceback.format_exc()}")
        results, status = setup_failure(f"internal grader error ({type(error).__name__})", started), 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    write_json(results_path, results)
    return status


if __name__ == "__main__":
    sys.exit(main())
