"""``nndl-hw4 build``: write the student release and the otter autograders, or check the release."""

from pathlib import Path

import click

from . import builder, notebooks


@click.command()
@click.option("--check", is_flag=True, help="Write nothing; exit non-zero naming every stale file in assignment/.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The kit root (holds solutions/ and release.toml). Default: the nearest folder "
    "at or above the working directory holding pyproject.toml and solutions/.",
)
@click.option(
    "--otter-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Where to write the otter autograder zips (build output, not committed). "
    f"Default: {notebooks.AUTOGRADER_DIR.as_posix()}/ under the kit root.",
)
def build(check, root, otter_dir):
    """Write assignment/ from solutions/ (stubs per release.toml, notebooks by otter assign)
    and one otter autograder zip per notebook."""
    root = builder.check_root(root) if root is not None else builder.find_root(Path.cwd())
    target = f"{builder.RELEASE_DIR}/"
    if check:
        count = builder.check(root)
        click.echo(f"{target} is up to date ({count} files)")
        return
    click.echo(builder.build(root).summary(target))
    zips = notebooks.write_autograders(root, otter_dir)
    if zips:
        click.echo("Otter autograders (build output, not committed; `otter run -a ZIP SUBMISSION`):")
        for path in zips:
            shown = path.relative_to(root) if path.is_relative_to(root) else path
            click.echo(f"  wrote   {shown.as_posix()}")
