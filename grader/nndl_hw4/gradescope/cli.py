"""``nndl-hw4 gradescope``: build the Gradescope autograder zip (build.py)."""

from pathlib import Path

import click

from ..course import resolve as resolve_course
from ..sandbox.limits import Limits
from .build import DEFAULT_OUT, build_autograder


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
              help="Where to write the autograder zip.")
@click.option("--rubric", "rubric_path", type=click.Path(path_type=Path), default=None,
              help="Rubric TOML file to grade with [default: the packaged rubric.toml].")
@click.option("--timeout", type=float, default=Limits().timeout, show_default=True,
              help="Wall-clock seconds allowed per check group of a submission.")
@click.option("--sandbox", type=click.Choice(["auto", "bubblewrap", "direct"]), default="auto",
              show_default=True, help="How student code is isolated on Gradescope (auto: bubblewrap when it works).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The course's release config ([course]: the dropout convention) "
                   "[default: ./release.toml when there is one, else the defaults].")
def gradescope(out, rubric_path, timeout, sandbox, config_path):
    """Build a Gradescope autograder zip running the native sandboxed grader.

    \b
    Upload it on Gradescope: your programming assignment → Configure
    Autograder → Zip file upload (base image: Ubuntu 22.04 or newer).
    setup.sh installs Python >= 3.11, bubblewrap and this grader, and
    downloads CIFAR-10; every submission is then graded like
    `nndl-hw4 grade`, final part included.
    """
    course, source = resolve_course(config_path)
    out, rubric = build_autograder(out, rubric_path, timeout, sandbox, course)
    click.echo(f"Wrote {out} (rubric: {rubric.source}, {rubric.total:g} points; course: {course.describe()}, "
               f"from {source}).")
    click.echo("Upload it on Gradescope: Configure Autograder → Zip file upload "
               "(Ubuntu 22.04+ base image; allow >= 10 minutes and >= 2 GB of memory).")
