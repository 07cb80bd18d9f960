"""`servicecraft tickets import` (metrics.md)."""

import click


@click.group(help="Help-desk tickets: import exports and API responses.")
def tickets():
    pass
