"""`servicecraft bonus propose` (interfaces.md)."""

import click


@click.group(help="Bonus rounds: propose recipients.")
def bonus():
    pass
