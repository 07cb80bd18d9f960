"""`servicecraft mentors auto-assign` (interfaces.md)."""

import click


@click.group(help="Mentors: automatic assignment of new hires.")
def mentors():
    pass
