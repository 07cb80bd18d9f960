"""`servicecraft forms import|export` and `evaluations import|export` (forms.md)."""

import click


@click.group(help="Evaluation forms: import and export form files (YAML).")
def forms():
    pass


@click.group(help="Evaluations: exchange results with mystery-shopping providers (CSV, JSON).")
def evaluations():
    pass
