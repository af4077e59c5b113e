"""The nndl-hw4 command line: one group, one subcommand per verb.

Each verb lives beside the library code it drives (``release/cli.py``,
``cifar/cli.py``, ...) and is registered here by name: its module is imported
only when the verb runs (or ``--help`` lists it), so ``nndl-hw4 grade`` does
not pay for otter, nbformat or the download code. This module is the one place
that turns a KitError into an ``ERROR``/``TIP`` message and an exit status.
"""

import importlib

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


# verb: (module, command object), relative to this package; imported when first needed.
COMMANDS = {
    "build": (".release.cli", "build"),
    "data": (".cifar.cli", "data"),
    "grade": (".grading.cli", "grade"),
    "gradescope": (".gradescope.cli", "gradescope"),
    "similar": (".similarity.cli", "similar"),
}


class KitGroup(click.Group):
    """A click group that reports KitError as ERROR + TIP and exits non-zero; verbs load lazily."""

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMANDS:
            module, attribute = COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module, __package__), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KitError as error:
            raise _ReportedKitError(error) from error


@click.group(cls=KitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nndl-hw4")
def main():
    """HW4 assignment kit: build the student release, get CIFAR-10, grade submissions, compare them."""
