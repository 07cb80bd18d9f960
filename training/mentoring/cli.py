"""`servicecraft mentors auto-assign` (interfaces.md)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from servicecraft.cli import emit_json


@click.group(help="Mentors: automatic assignment of new hires.")
def mentors():
    pass


@mentors.command("auto-assign")
@click.option("--dry-run", is_flag=True, help="show what would be assigned, change nothing")
@click.option("--json", "as_json", is_flag=True, help='print {"assigned": [{"newhire", "mentor"}], "unassigned": [emails]}')
@with_appcontext
def auto_assign(dry_run, as_json):
    """Give every new hire without a mentor one: same branch first, then same language, then the
    least loaded; never over capacity; in order of start date, then e-mail. People who already
    have a mentor are never moved."""
    from servicecraft.extensions import db
    from training.mentoring import services

    result = services.auto_assign(None, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    if as_json:
        emit_json(result)
    else:
        for row in result["assigned"]:
            click.echo(f"{row['newhire']} -> {row['mentor']}")
        for email in result["unassigned"]:
            click.echo(f"{email}: no mentor has room", err=True)
    verb = "would be assigned" if dry_run else "assigned"
    click.echo(f"{len(result['assigned'])} {verb}, {len(result['unassigned'])} left without a mentor", err=True)
