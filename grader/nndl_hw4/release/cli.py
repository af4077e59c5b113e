"""`nndl-hw4 build` (placeholder until the release builder lands)."""
import click


@click.command()
@click.option("--check", is_flag=True, help="Exit non-zero if assignment/ is stale.")
def build(check):
    """Write assignment/ from solutions/."""
    raise click.ClickException("not implemented yet")
