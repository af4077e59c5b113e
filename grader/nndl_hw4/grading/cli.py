"""``nndl-hw4 grade``: grade submissions (or the built-in demo class) into a folder of reports."""

import os
import re
import shutil
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from ..accuracy.batch import prepare
from ..checks import all_checks
from ..course import resolve as resolve_course
from ..errors import KitError, UsageError
from ..reports.terminal import print_summary, progress_bar
from ..rubric import load_rubric
from ..sandbox.backends import describe, select
from ..sandbox.limits import Limits
from .batch import grade_batch, make_setup
from .submission import discover

DEFAULT_OUT = Path("grades")
DEFAULT_DEMO_OUT = Path("grades") / "demo"
DEFAULT_JOBS = max(1, min(4, os.cpu_count() or 1))


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text):
    """Bytes for a size such as '2G', '512M' or '1500000' (at least 256 MiB: Python and numpy need it)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?\s*", text, re.IGNORECASE)
    if not match:
        raise UsageError(f"--memory {text!r} is not a size", hint="write it like 2G, 512M or 1500000 (bytes)")
    size = int(float(match[1]) * _UNITS[match[2].upper()])
    if size < 256 << 20:
        raise UsageError(f"--memory {text} is too small: Python and numpy alone need about 256M")
    return size


class GraderFault(KitError):
    """The grader itself failed on some submissions (the others were graded)."""


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help=f"Folder for grades.csv and one report folder per submission "
                   f"[default: {DEFAULT_OUT}/, {DEFAULT_DEMO_OUT}/ with --demo].")
@click.option("--jobs", "-j", type=int, default=DEFAULT_JOBS, show_default="the number of CPUs, at most 4",
              help="Submissions graded at the same time.")
@click.option("--timeout", type=float, default=Limits().timeout, show_default=True,
              help="Wall-clock seconds allowed per check group of a submission.")
@click.option("--memory", type=str, default=None, metavar="SIZE",
              help="Memory allowed to each sandboxed process, e.g. 2G or 512M "
                   f"[default: {Limits().memory_bytes >> 30}G].")
@click.option("--force", is_flag=True, help="Grade again even submissions whose results are up to date.")
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), default=None,
              help="Rubric TOML file [default: the packaged rubric.toml].")
@click.option("--sandbox", type=click.Choice(["auto", "bubblewrap", "direct"]), default="auto",
              show_default=True, help="How student code is isolated (auto: bubblewrap when it works, else the direct "
                                         "backend walled by Landlock; refuses when neither is there).")
@click.option("--cifar10-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding cifar-10-batches-py/, to score the saved models (final part) "
                   "[default: $CIFAR10_DIR, then the working directory].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The course's release config, whose [course] table says what dropout's p means and the "
                   "starter's gate [default: ./release.toml when there is one, else keep and dropout > 0].")
@click.option("--demo", is_flag=True, help="Grade the built-in example submissions (no files needed).")
@click.option("--similarity", is_flag=True,
              help="Then compare the submissions (`nndl-hw4 similar`): OUT/similarity.html, linked from summary.md.")
def grade(paths, out, jobs, timeout, memory, force, rubric_path, sandbox, cifar10_dir, config_path, demo, similarity):
    """Grade submissions: folders or .zip files holding nndl/, or folders of them.

    \b
    Examples:
      nndl-hw4 grade --demo
      nndl-hw4 grade submissions/ --out grades/ --jobs 4 --cifar10-dir ~/data
      nndl-hw4 grade alice.zip bob/
      nndl-hw4 grade submissions/ --similarity
    """
    if demo and paths:
        raise UsageError("--demo grades the built-in examples: pass either --demo or PATHs, not both")
    if not demo and not paths:
        raise UsageError("nothing to grade: no PATH given",
                         hint="pass submission folders or .zip files (or a folder of them); "
                              "try `nndl-hw4 grade --demo` first")
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    if not timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout:g}")
    limits = Limits(timeout=timeout, **({"memory_bytes": parse_size(memory)} if memory else {}))
    out = out if out is not None else (DEFAULT_DEMO_OUT if demo else DEFAULT_OUT)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder", hint="pass a folder for the reports")

    course, course_source = resolve_course(config_path)
    rubric = load_rubric(rubric_path, all_checks(course))
    if demo:
        rubric = rubric.without_accuracy()   # the demo needs no dataset
    backend, warning = select(sandbox)
    console = Console(highlight=False)
    console.print(f"Sandbox: {backend.name}: {escape(describe(backend))}", soft_wrap=True)
    if warning:
        console.print(f"[yellow]WARNING: {escape(warning)}[/]", soft_wrap=True)

    scratch = None
    try:
        if demo:
            from ..demo import write_examples
            scratch = Path(tempfile.mkdtemp(prefix="nndl-hw4-demo-"))
            examples = write_examples(scratch, course)
            submissions = [s for s, _ in examples]
            console.print("Demo: grading the built-in example class (generated from the reference):")
            for submission, description in examples:
                console.print(f"  [bold]{submission.name}[/]: {escape(description)}", soft_wrap=True)
        else:
            submissions = discover(paths, exclude=[out])
        setup = make_setup(rubric, backend, out, limits, force, course)
        setup = prepare(setup, submissions, cifar10_dir)   # CIFAR-10 missing: one error, before any grading
        for data in setup.datasets.values():
            console.print(f"Final part: saved models are scored on the {data.label} split "
                          f"({len(data.y)} images) of {escape(data.folder)}", soft_wrap=True)
        console.print(f"Course: {escape(course.describe())} (from {escape(course_source)}); "
                      f"network questions {'charge layer bugs too (cascade)' if rubric.cascade else 'run with trusted layers'}",
                      soft_wrap=True)
        console.print(f"Grading {len(submissions)} submission(s) into {escape(str(out))}/ "
                      f"(sandbox: {backend.name}, {min(jobs, len(submissions))} at a time, "
                      f"{timeout:g} s per check group)", soft_wrap=True)
        with progress_bar(console, len(submissions)) as advance:
            outcomes = grade_batch(submissions, setup, jobs, on_done=lambda o: advance(o.submission.name))
        if similarity:      # before a demo's scratch folder goes; reads the records just written
            from ..similarity.cli import similarity_command
            similarity_command(submissions, out, console=console)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    print_summary(console, outcomes, rubric, out)
    if setup.runtime.errors:
        console.print(f"[yellow]WARNING: {len(setup.runtime.errors)} problem(s) inside diagnosis (a bug of "
                      f"nndl-hw4; grades are unaffected, a mistake may have gone unnamed): "
                      f"{escape(setup.runtime.errors[0])}[/]", soft_wrap=True)
    faults = [o for o in outcomes if o.fault]
    if faults:
        raise GraderFault(
            f"the grader failed on {len(faults)} submission(s): "
            + ", ".join(f"{o.submission.name} ({o.fault})" for o in faults[:3]),
            hint="this is a fault of nndl-hw4 or of this machine, not of the students; the other "
                 "submissions were graded. Run again (finished ones are skipped) or report the error.")
