"""`servicecraft scenarios validate|play|load` (interfaces.md, scenario-format.md)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from servicecraft.cli import emit_json, fail


def _extra() -> tuple[str, ...]:
    return tuple(current_app.config.get("EXTRA_CATEGORIES", ()) or ())


@click.group(help="Role-play scenarios: validate, play a route, load into the library.")
def scenarios():
    pass


@scenarios.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@with_appcontext
def validate(paths):
    """Check scenario files (a folder means its *.yaml files): one line per problem, exit 1 when any."""
    from pathlib import Path

    from training.simulations.authoring import validate_paths

    problems = validate_paths(paths, extra_categories=_extra())
    if problems:
        fail(problems)
    count = 0
    for raw in paths:
        path = Path(raw)
        count += len(list(path.glob("*.yaml"))) if path.is_dir() else 1
    click.echo(f"{count} scenario file{'s' if count != 1 else ''} valid", err=True)


@scenarios.command("play")
@click.argument("path", type=click.Path())
@click.option("--path", "steps", default=None,
              help="comma-separated steps: a choice index (0 is the first), c:main/sub or r:text")
@click.option("--best", is_flag=True, help="play the model path")
@click.option("--json", "as_json", is_flag=True, help="print the result as one JSON document")
@with_appcontext
def play(path, steps, best, as_json):
    """Play a route through a scenario file and print its outcome, mood and score."""
    from training.simulations.authoring import AuthoringError
    from training.simulations.authoring import play as play_route

    if best == (steps is not None):
        raise click.UsageError("give exactly one of --path STEPS or --best")
    try:
        result = play_route(path, steps, best=best, extra_categories=_extra())
    except AuthoringError as exc:
        fail(exc.lines)
    if as_json:
        emit_json(result)
        return
    click.echo(f"{result['id']}: {result['outcome']}, mood {result['mood']}, score {result['score']}"
               + (" (awaiting a mentor's review)" if result["awaiting_review"] else ""))
    for name, points in result["points"].items():
        click.echo(f"  {name}: {points}")


@scenarios.command("load")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="print {created, unchanged, errors} as JSON")
@with_appcontext
def load(paths, as_json):
    """Load scenario files into the library (default scenarios/*.yaml); all or none."""
    from servicecraft.extensions import db
    from training.simulations import services

    result = services.load_paths(paths or [services.SHIPPED], actor=None)
    if result["errors"]:
        db.session.rollback()
        if as_json:
            emit_json(result)
        fail(result["errors"])
    db.session.commit()
    if as_json:
        emit_json(result)
    for line in result["created"]:
        click.echo(f"loaded {line}", err=True)
    click.echo(f"{len(result['created'])} loaded, {len(result['unchanged'])} unchanged", err=True)
