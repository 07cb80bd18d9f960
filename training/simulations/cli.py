"""`servicecraft scenarios validate|play|load` (interfaces.md, scenario-format.md)."""

import click


@click.group(help="Role-play scenarios: validate, play a route, load into the library.")
def scenarios():
    pass
