"""`nndl-hw4 data download` and `nndl-hw4 data generate`: thin wrappers over download.py
and generate.py; defaults come from the library functions."""

import inspect
import os
import shlex

import click

from .checksums import OFFICIAL_MD5, OFFICIAL_URL
from .download import download_cifar10
from .generate import pack_cifar10, write_cifar10

_GENERATE_DEFAULTS = {name: p.default for name, p in
                      inspect.signature(write_cifar10).parameters.items()}


def _point_notebooks(batches_dir):
    parent = os.path.dirname(batches_dir)
    click.echo(f"CIFAR-10 data: {batches_dir}")
    click.echo("Point the notebooks at it with either of:")
    click.echo(f"  export CIFAR10_DIR={shlex.quote(parent)}")
    click.echo(f"  data = get_CIFAR10_data(cifar10_dir={parent!r})")
    click.echo("(Notebooks started in that folder find it without either.)")


@click.group()
def data():
    """Get CIFAR-10, or write synthetic data in its exact file format."""


@data.command()
@click.option("--dir", "dir_", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder to hold cifar-10-batches-py/ (created if missing).")
@click.option("--url", default=OFFICIAL_URL, show_default=True,
              help="Where to get cifar-10-python.tar.gz: an http(s):// or file:// URL or a "
                   "local path (a mirror, or a copy you already have).")
@click.option("--md5", default=OFFICIAL_MD5, show_default=True,
              help="Expected md5 of the archive; change it only for a different archive.")
@click.option("--force", is_flag=True, help="Download again, replacing an existing copy.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars; print only the folder.")
def download(dir_, url, md5, force, quiet):
    """Download CIFAR-10 (python version) into DIR/cifar-10-batches-py.

    The archive's md5 is checked before it is unpacked (and, for the official
    archive, the md5 of every batch after), members that would escape DIR are
    refused, and the folder appears complete or not at all. A copy that was
    verified before is not downloaded again.

    \b
    Examples:
      nndl-hw4 data download --dir ~/data
      nndl-hw4 data download --dir . --url ~/Downloads/cifar-10-python.tar.gz
    """
    batches_dir = download_cifar10(dir_, url=url, md5=md5, force=force, progress=not quiet)
    if quiet:
        click.echo(batches_dir)
    else:
        _point_notebooks(batches_dir)


@data.command()
@click.option("--dir", "dir_", required=True, type=click.Path(file_okay=False),
              help="Folder to hold cifar-10-batches-py/ (created if missing).")
@click.option("--per-batch", default=_GENERATE_DEFAULTS["per_batch"], show_default=True,
              type=click.IntRange(min=0), help="Images in each of data_batch_1..5.")
@click.option("--test", default=_GENERATE_DEFAULTS["test"], show_default=True,
              type=click.IntRange(min=0), help="Images in test_batch.")
@click.option("--seed", default=_GENERATE_DEFAULTS["seed"], show_default=True,
              type=click.IntRange(0, 2**32 - 1), help="Same seed and sizes, same bytes.")
@click.option("--force", is_flag=True, help="Replace an existing DIR/cifar-10-batches-py.")
@click.option("--tarball", type=click.Path(dir_okay=False),
              help="Also pack it like cifar-10-python.tar.gz at this path and print its md5 "
                   "(to try `data download --url PATH --md5 MD5`).")
def generate(dir_, per_batch, test, seed, force, tarball):
    """Write SYNTHETIC data in the exact CIFAR-10 python format (no internet needed).

    Ten learnable classes (a smooth colour template per class under random
    patterns and noise); the defaults give the official sizes, 5 x 10000
    training and 10000 test images, so get_CIFAR10_data() works unchanged.
    It is not CIFAR-10: accuracies on it say nothing about CIFAR-10.
    """
    batches_dir = write_cifar10(dir_, per_batch=per_batch, test=test, seed=seed, overwrite=force)
    click.echo(f"Wrote {5 * per_batch} training and {test} test images (synthetic, seed {seed}).")
    if 5 * per_batch < 50000 or test < 1000:
        click.echo(f"Note: get_CIFAR10_data() defaults need 50000 training and 1000 test images; "
                   f"here pass num_training + num_validation <= {5 * per_batch} and "
                   f"num_test <= {test}.")
    if tarball:
        md5 = pack_cifar10(batches_dir, tarball)
        click.echo(f"Packed {tarball} (md5 {md5}).")
    _point_notebooks(batches_dir)
