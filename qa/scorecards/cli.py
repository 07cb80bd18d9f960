"""`servicecraft scorecards export|pdf` (interfaces.md)."""

import click


@click.group(help="Scorecards: export tables and PDFs.")
def scorecards():
    pass
