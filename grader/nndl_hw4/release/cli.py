"""``nndl-hw4 build``: write the student release and the otter autograders, or check the release."""

from pathlib import Path

import click

from . import builder, notebooks
from .config import load_config


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
@click.option(
    "--cifar10-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Ship this CIFAR-10 (the folder holding cifar-10-batches-py/, or that folder) in the autograder "
    "of the notebook with the final part, so that otter grade containers and Gradescope can score "
    "it (about 180 MB). Without it, otter scores the final part only where CIFAR10_DIR points at CIFAR-10.",
)
def build(check, root, otter_dir, cifar10_dir):
    """Write assignment/ from solutions/ (stubs per release.toml, notebooks by otter assign)
    and one otter autograder zip per notebook."""
    root = builder.check_root(root) if root is not None else builder.find_root(Path.cwd())
    target = f"{builder.RELEASE_DIR}/"
    if check:
        count = builder.check(root)
        click.echo(f"{target} is up to date ({count} files)")
        return
    if cifar10_dir is not None:
        notebooks.cifar10_batches(cifar10_dir)   # refuse a wrong folder before writing anything
    click.echo(builder.build(root).summary(target))
    zips = notebooks.write_autograders(root, otter_dir, cifar10_dir, load_config(root).course)
    if zips:
        click.echo("Otter autograders (build output, not committed; `otter run -a ZIP SUBMISSION`):")
        with_data = notebooks.final_part_masters(root) if cifar10_dir is not None else set()
        for path in zips:
            shown = path.relative_to(root) if path.is_relative_to(root) else path
            data = " (with CIFAR-10)" if path.name.replace("-autograder.zip", ".ipynb") in with_data else ""
            click.echo(f"  wrote   {shown.as_posix()}{data}")
