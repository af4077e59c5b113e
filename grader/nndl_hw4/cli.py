"""The nndl-hw4 command line: one group, one subcommand per verb.

Each verb lives beside the library code it drives (``release/cli.py``,
``cifar/cli.py``, ...) and is registered here. This module is the one place
that turns a KitError into an ``ERROR``/``TIP`` message and an exit status.
"""

import click

from . import __version__
from .errors import KitError


class _ReportedKitError(click.ClickException):
    def __init__(self, error):
        super().__init__(error.message)
        self.error = error
        self.exit_code = error.exit_code

    def show(self, file=None):
        click.secho(f"ERROR: {self.error.message}", fg="red", err=True)
        if self.error.hint:
            click.secho(f"TIP: {self.error.hint}", fg="yellow", err=True)


class KitGroup(click.Group):
    """A click group that reports KitError as ERROR + TIP and exits non-zero."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KitError as error:
            raise _ReportedKitError(error) from error


@click.group(cls=KitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nndl-hw4")
def main():
    """HW4 assignment kit: build the student release, get CIFAR-10, grade submissions."""


def _register():
    from .cifar.cli import data
    from .gradescope.cli import gradescope
    from .grading.cli import grade
    from .release.cli import build

    main.add_command(build)
    main.add_command(data)
    main.add_command(grade)
    main.add_command(gradescope)


_register()
