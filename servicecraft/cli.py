"""The `servicecraft` command line: Flask's own commands plus people, tokens and the demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app():
    from servicecraft import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """Servicecraft: staff training and quality assurance for customer-support teams."""


def fail(problems: list[str]) -> None:
    """Print one line per problem on stderr and exit 1 (bad input)."""
    for line in problems:
        click.echo(line, err=True)
    sys.exit(1)


def emit_json(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


@click.group("users")
def users_group():
    """Create and import people."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="admin, manager, mentor, shopper or agent; repeat for several")
@click.option("--branch", default=None, help="branch code")
@click.option("--language", default="en", show_default=True)
@click.option("--password", default=None, help="without it a random password is printed once")
@with_appcontext
def users_create(email, name, roles, branch, language, password):
    """Create one person."""
    from servicecraft.extensions import db
    from servicecraft.people import services

    branch_id = None
    if branch:
        found = services._branch_by_code(branch)
        if found is None:
            fail([f"branch: no branch has the code {branch!r}"])
        branch_id = found.id
    data = services.PersonInput(email=email, name=name, roles=list(roles), language=language, branch_id=branch_id, password=password)
    try:
        user, generated = services.create_user(data, actor=None)
    except services.PeopleError as error:
        db.session.rollback()
        fail([f"{field}: {message}" for field, message in error.problems.items()])
    db.session.commit()
    click.echo(f"created {user.email}", err=True)
    if generated:
        click.echo(f"password: {generated}")


@users_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
@with_appcontext
def users_import(file: Path, as_json: bool):
    """Upsert people by e-mail from a CSV file (all rows or none)."""
    from servicecraft.extensions import db
    from servicecraft.people import services

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail([f"{file}: the file is not UTF-8 text"])
    result = services.import_users(text, actor=None)
    if result.errors:
        db.session.rollback()
    else:
        db.session.commit()
    if as_json:
        emit_json(result.as_dict())
    else:
        click.echo(f"created {len(result.created)}, updated {len(result.updated)}", err=True)
        for name in result.new_branches:
            click.echo(f"new branch {name}", err=True)
        for name in result.new_teams:
            click.echo(f"new team {name}", err=True)
    if result.errors:
        fail(result.errors)


@click.group("tokens")
def tokens_group():
    """API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="what the token is for")
@with_appcontext
def tokens_create(email, name):
    """Create an API token acting with EMAIL's rights; the token is the last line printed."""
    from servicecraft.auth import services
    from servicecraft.extensions import db

    user = services.find_user_by_email(email)
    if user is None:
        fail([f"email: nobody has the address {email!r}"])
    if not name.strip() or len(name) > 80:
        fail(["name: a token name is 1 to 80 characters"])
    _token, secret = services.create_api_token(user, name, actor=None)
    db.session.commit()
    click.echo(f"token for {user.email} ({name}); it is shown only once:", err=True)
    click.echo(secret)


@click.command("demo")
@click.option("--force", is_flag=True, help="load even when the database has people who are not from the demo")
@with_appcontext
def demo_command(force: bool):
    """Load the demo organisation."""
    from servicecraft import demo

    try:
        summary = demo.load(force=force)
    except demo.DemoRefused as error:
        fail([str(error)])
    click.echo(summary, err=True)


@click.command("ensure-demo")
@with_appcontext
def ensure_demo_command():
    """Load the demo only when the database has nobody yet (used by `make run`)."""
    from servicecraft import demo

    if demo.database_is_empty():
        click.echo(demo.load(force=False), err=True)
    else:
        click.echo("the database already has people; demo not loaded", err=True)


@click.group("jobs")
def jobs_group():
    """Background jobs."""


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def jobs_worker(burst: bool):
    """Run an RQ worker for the queue on REDIS_URL (the app's settings apply to every job)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    from servicecraft.jobs import QUEUE_NAME

    url = current_app.config.get("REDIS_URL")
    if not url:
        fail(["REDIS_URL is not set: without it jobs run inside the app processes and need no worker"])
    connection = Redis.from_url(url)
    # SimpleWorker runs jobs in this process, inside the app context (no fork sharing DB connections).
    SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=burst)


@jobs_group.command("prune")
@click.option("--older-than", "days", type=click.FloatRange(min=0), default=30, show_default=True,
              help="age in days of the finished jobs to forget")
@click.option("--json", "as_json", is_flag=True, help="print {jobs, files} as one JSON document")
@with_appcontext
def jobs_prune(days: float, as_json: bool):
    """Forget finished jobs older than --older-than days and delete the files they produced."""
    from servicecraft import jobs
    from servicecraft.extensions import db

    outcome = jobs.prune(days)
    db.session.commit()
    if as_json:
        emit_json(outcome)
    else:
        click.echo(f"{outcome['jobs']} finished job(s) and {outcome['files']} file(s) removed", err=True)


def register_commands(app) -> None:
    # Imported here: backup_cli uses this module's fail and emit_json.
    from servicecraft.backup_cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(users_group)
    app.cli.add_command(tokens_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(ensure_demo_command)
