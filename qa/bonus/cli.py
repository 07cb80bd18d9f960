"""`servicecraft bonus propose` (interfaces.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import click
from flask.cli import with_appcontext

from servicecraft.cli import emit_json, fail


@click.group(help="Bonus rounds: propose recipients.")
def bonus():
    pass


def _date(value: str, name: str, problems: list[str]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"--{name}: {value!r} is not a date (YYYY-MM-DD)")
        return None


@bonus.command("propose")
@click.option("--from", "start", required=True, help="first day of the period (YYYY-MM-DD)")
@click.option("--to", "end", required=True, help="last day of the period (YYYY-MM-DD)")
@click.option("--min-tickets", type=int, default=None, help="fewest tickets solved in the period (default 20)")
@click.option("--min-composite", type=float, default=None, help="lowest composite (default 75)")
@click.option("--json", "as_json", is_flag=True, help="print the proposal as one JSON document")
@with_appcontext
def propose_command(start: str, end: str, min_tickets: int | None, min_composite: float | None, as_json: bool):
    """Propose bonus recipients for a period under the default rules and the current weights.

    Prints {"eligible": [{"agent", "rank", "composite"}], "ineligible": [{"agent", "reasons"}]}.
    Nothing is stored: open a round in the web app to keep a proposal.
    """
    from qa.bonus import services
    from qa.scorecards.bonus import DEFAULT_RULES

    problems: list[str] = []
    period_from, period_to = _date(start, "from", problems), _date(end, "to", problems)
    if problems:
        fail(problems)
    rules = DEFAULT_RULES
    if min_tickets is not None:
        rules = replace(rules, min_tickets=min_tickets)
    if min_composite is not None:
        rules = replace(rules, min_composite=int(min_composite) if min_composite == int(min_composite) else min_composite)
    try:
        figures = services.figures_for(period_from, period_to, rules)
    except services.BonusRoundError as error:
        fail([f"{field}: {message}" for field, message in error.problems.items()] or [str(error)])
    document = figures.proposal.as_json()
    if as_json:
        emit_json(document)
        return
    click.echo(f"eligible ({len(document['eligible'])}):")
    for row in document["eligible"]:
        click.echo(f"  {row['rank']}. {row['agent']}  composite {row['composite']}")
    click.echo(f"ineligible ({len(document['ineligible'])}):")
    for row in document["ineligible"]:
        click.echo(f"  {row['agent']}: {'; '.join(row['reasons'])}")
