"""`servicecraft tickets import` and `servicecraft tickets sync` (interfaces.md, metrics.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from servicecraft.cli import emit_json, fail

IMPORT_SOURCES = ("zendesk", "freshdesk", "zammad", "csv", "normalized")
SYNC_SOURCES = ("zendesk", "freshdesk", "zammad")


@click.group(help="Help-desk tickets: import exports and API responses, sync from a configured help desk.")
def tickets():
    pass


@tickets.command("import")
@click.option("--source", required=True, type=click.Choice(IMPORT_SOURCES),
              help="the help desk that produced the files (csv: our header or Zendesk's admin CSV export)")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tz", default=None, help="time zone of times written without one (CSV exports), e.g. Europe/Moscow")
@click.option("--json", "as_json", is_flag=True, help="print the result as one JSON document")
@with_appcontext
def import_command(source: str, paths: tuple[Path, ...], tz: str | None, as_json: bool):
    """Import ticket export files; a file with any bad record imports nothing.

    Tickets are matched by (source, id): new ones are created, newer versions update, the
    same version is unchanged and an older one is skipped as stale. Zendesk's ticket and
    ticket_metrics lists may be given as two files.
    """
    from qa.tickets import importer
    from qa.tickets.sources import iter_files
    from servicecraft.extensions import db

    records = iter_files(source, paths, tz=tz)
    label = ", ".join(str(p) for p in paths)
    if sys.stderr.isatty():
        with click.progressbar(records, label=f"importing {label}", file=sys.stderr, show_pos=True,
                               item_show_func=lambda _item: None) as bar:
            result = importer.import_records(bar)
    else:
        result = importer.import_records(records)
    if result.is_refused:
        db.session.rollback()
    else:
        db.session.commit()
    importer.log_import(result, source=source, via="cli", filename=label)
    db.session.commit()
    if as_json:
        emit_json(result.as_dict())
    else:
        click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
                   f"stale {result.stale}", err=True)
    if result.is_refused:
        click.echo("nothing was imported; correct these records and import the file again:", err=True)
        fail(result.errors)
    click.echo(f"deleted {result.deleted}, new agents {result.agents}, linked by e-mail {result.linked}, "
               f"ratings {result.ratings}", err=True)


@tickets.command("sync")
@click.option("--source", required=True, type=click.Choice(SYNC_SOURCES), help="the configured help desk to pull from")
@click.option("--json", "as_json", is_flag=True, help="print the result as one JSON document")
@with_appcontext
def sync_command(source: str, as_json: bool):
    """Pull the changes since the stored cursor from a configured help desk's API.

    Each page is stored with the cursor after it, so a failed run resumes where it stopped.
    """
    from qa.tickets import sync

    try:
        outcome = sync.sync_source(source)
    except sync.SyncError as error:
        fail([str(error)])
    if as_json:
        emit_json(outcome)
    else:
        click.echo(f"{outcome['pages']} page(s): created {outcome['created']}, updated {outcome['updated']}, "
                   f"unchanged {outcome['unchanged']}, stale {outcome['stale']}", err=True)
    if outcome.get("errors"):
        fail(outcome["errors"])


@tickets.command("import-surveys")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print {imported, errors} as one JSON document")
@with_appcontext
def import_surveys_command(path: Path, as_json: bool):
    """Import post-contact survey answers collected elsewhere (CSV); all rows or none.

    Columns: response_id, source, ticket_external_id, answered_at (required), csat (1-5),
    nps (0-10), ces (1-7), comment. Answers are credited to the ticket's agent.
    """
    from qa.tickets import surveys
    from servicecraft.extensions import db

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail([f"{path.name}: the file is not UTF-8 text"])
    stored, errors = surveys.import_answers(text)
    if errors:
        db.session.rollback()
        if as_json:
            emit_json({"imported": 0, "errors": errors})
        fail(errors)
    db.session.commit()
    if as_json:
        emit_json({"imported": stored, "errors": []})
    else:
        click.echo(f"{stored} survey answer(s) imported", err=True)
