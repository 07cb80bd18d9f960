"""`servicecraft scorecards export|pdf` (interfaces.md)."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from servicecraft.cli import fail


def _period(start: date, end: date):
    from qa.scorecards.services import ScorecardError, period_of

    try:
        return period_of(start.date() if hasattr(start, "date") else start,
                         end.date() if hasattr(end, "date") else end)
    except ScorecardError as error:
        fail(list(error.problems.values()))


def _write(data: bytes | str, output: str | None) -> None:
    if output in (None, "-"):
        if isinstance(data, bytes):
            click.get_binary_stream("stdout").write(data)
        else:
            click.echo(data, nl=not data.endswith("\n"))
        return
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(output, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": ""})) as handle:
        handle.write(data)
    click.echo(f"wrote {output}", err=True)


@click.group(help="Scorecards: export tables and PDFs.")
def scorecards():
    pass


@scorecards.command("export")
@with_appcontext
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="first day (YYYY-MM-DD)")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="last day (YYYY-MM-DD)")
@click.option("--team", help="team name or id")
@click.option("--branch", help="branch code, name or id")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True)
@click.option("-o", "--output", help="file to write (default: standard output)")
def export(start, end, team, branch, fmt, output):
    """One row per agent: agent (e-mail), name and every key of metrics.md."""
    from qa.scorecards import services

    period = _period(start, end)
    try:
        team_row = services.resolve_team(team)
        branch_row = services.resolve_branch(branch)
    except services.ScorecardError as error:
        fail(list(error.problems.values()))
    rows = services.scorecards(period, team_id=team_row.id if team_row else None,
                               branch_id=branch_row.id if branch_row else None)
    if fmt == "json":
        data: bytes | str = json.dumps([services.row_as_export(row) for row in rows], ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        data = services.export_csv(rows)
    else:
        if output in (None, "-"):
            fail(["--format xlsx needs -o FILE"])
        data = services.export_xlsx(rows)
    _write(data, output)


@scorecards.command("pdf")
@with_appcontext
@click.option("--agent", required=True, help="the agent's e-mail")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="first day (YYYY-MM-DD)")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="last day (YYYY-MM-DD)")
@click.option("-o", "--output", required=True, help="the PDF file to write")
def pdf(agent, start, end, output):
    """The agent's scorecard as a PDF."""
    from sqlalchemy import func, select

    from qa.scorecards import services
    from servicecraft.extensions import db
    from servicecraft.models import User

    period = _period(start, end)
    person = db.session.scalars(select(User).where(func.lower(User.email) == agent.strip().lower())).first()
    if person is None:
        fail([f"--agent: nobody has the e-mail {agent}"])
    _write(services.scorecard_pdf([services.scorecard(person, period)]), output)
