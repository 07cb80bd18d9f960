"""`servicecraft quiz import|export|count` (interfaces.md)."""

import click


@click.group(help="The question bank: Moodle GIFT import and export.")
def quiz():
    pass
