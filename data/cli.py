"""`nndl-hw4 data ...` (placeholder until the data tools land)."""
import click


@click.group()
def data():
    """Download CIFAR-10 or generate data in its format."""
