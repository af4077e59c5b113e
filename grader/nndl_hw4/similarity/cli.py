"""``nndl-hw4 similar``: which submissions share code the starter did not give them."""

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from ..errors import UsageError
from ..grading.submission import discover
from .report import write_reports
from .run import DEFAULT_JOBS, TOP, run
from .score import THRESHOLD
from .starter import starter_from_folder

DEFAULT_OUT = Path("grades")


def similarity_command(submissions, out, against=(), grades=None, starter=None, threshold=THRESHOLD, top=TOP,
                       jobs=DEFAULT_JOBS, console=None):
    """Run on discovered ``submissions``, write the reports, print what was found; the Result."""
    console = console or Console(highlight=False)
    result = run(submissions, out, against, grades, starter, threshold, top, jobs)
    html = write_reports(result, out)
    flagged = result.flagged
    console.print(f"Compared {result.students} submission(s)"
                  + (f" and {len(result.codes) - result.students} from --against" if result.codes[result.students:] else "")
                  + f" in {result.seconds:.1f} s: {len(flagged)} pair(s) flagged "
                  f"(score threshold {result.threshold:g}).", soft_wrap=True)
    for pair in flagged[:10]:
        public = f", shares {result.name(pair.public[0])}" if pair.public else ""
        console.print(f"  {pair.score:.2f}  {escape(result.name(pair.a))} ~ {escape(result.name(pair.b))} "
                      f"({escape(', '.join(pair.flags))}{escape(public)})", soft_wrap=True)
    if len(flagged) > 10:
        console.print(f"  ... and {len(flagged) - 10} more")
    console.print(f"Behaviour: {escape(result.behaviour.note)}", soft_wrap=True)
    console.print(f"Report: {escape(str(html))} and {escape(str(out / 'similarity.csv'))}", soft_wrap=True)
    return result


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Folder for similarity.html and similarity.csv (a grade folder: summary.md then links them).")
@click.option("--against", multiple=True, type=click.Path(path_type=Path),
              help="A folder of earlier years' submissions or public solutions to compare with (repeatable).")
@click.option("--grades", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder `nndl-hw4 grade` wrote, for the shared rare mistakes [default: --out].")
@click.option("--starter", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The release students were given (a folder holding nndl/) "
                   "[default: generated from the packaged reference as `nndl-hw4 build` writes it].")
@click.option("--threshold", type=float, default=THRESHOLD, show_default=True,
              help="Flag pairs scoring at least this (0 to 1).")
@click.option("--top", type=int, default=TOP, show_default=True,
              help="Pairs under the threshold still detailed in the HTML.")
@click.option("--jobs", "-j", type=int, default=DEFAULT_JOBS, show_default="the number of CPUs, at most 4",
              help="Worker processes reading a large class.")
def similar(paths, out, against, grades, starter, threshold, top, jobs):
    """Rank pairs of submissions by the code they share that the starter did not give them.

    PATHS are submissions as `nndl-hw4 grade` takes them (folders or .zip files holding nndl/,
    or folders of them). Writes OUT/similarity.html (self-contained) and OUT/similarity.csv.

    \b
    Examples:
      nndl-hw4 similar submissions/ --out grades/
      nndl-hw4 similar submissions/ --against past-years/ --against public-solutions/
    """
    if not paths:
        raise UsageError("nothing to compare: no PATH given",
                         hint="pass the submissions (folders or .zip files, or a folder of them)")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder", hint="pass a folder for the reports")
    if top < 0:
        raise UsageError(f"--top must be 0 or more, not {top}")
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    submissions = discover(paths, exclude=[out, *against])
    similarity_command(submissions, out, against, grades, starter_from_folder(starter) if starter else None,
                       threshold, top, jobs)
