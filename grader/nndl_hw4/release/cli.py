"""``nndl-hw4 build``: write the student release, or check that it is up to date."""

from pathlib import Path

import click

from . import builder


@click.command()
@click.option("--check", is_flag=True, help="Write nothing; exit non-zero naming every stale file in assignment/.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The kit root (holds solutions/ and release.toml). Default: the nearest folder "
    "at or above the working directory holding pyproject.toml and solutions/.",
)
def build(check, root):
    """Write assignment/ from solutions/ (stubs per release.toml)."""
    root = builder.check_root(root) if root is not None else builder.find_root(Path.cwd())
    target = f"{builder.RELEASE_DIR}/"
    if check:
        count = builder.check(root)
        click.echo(f"{target} is up to date ({count} files)")
    else:
        click.echo(builder.build(root).summary(target))
