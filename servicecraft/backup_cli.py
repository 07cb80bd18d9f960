"""`servicecraft backup` and `servicecraft restore`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from servicecraft.cli import emit_json, fail


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the archive to write (default: servicecraft-backup-<UTC time>.tar.gz here)")
@click.option("--json", "as_json", is_flag=True, help="print the manifest as JSON")
@with_appcontext
def backup_command(output: Path | None, as_json: bool):
    """Write the database, the uploads and a manifest into one tar.gz (safe while the app runs)."""
    from servicecraft import backup

    output = output or Path(f"servicecraft-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz")
    try:
        manifest = backup.create_backup(output)
    except backup.BackupError as error:
        fail([str(error)])
    rows = sum(manifest["counts"].values())
    click.echo(f"backed up {rows} rows in {len(manifest['counts'])} tables and {manifest['uploads']['files']} uploaded files "
               f"({manifest['database']}, revision {manifest['alembic_revision']})", err=True)
    if as_json:
        emit_json({"file": str(output), **manifest})
    else:
        click.echo(str(output))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
@click.option("--json", "as_json", is_flag=True, help="print the restored counts as JSON")
@with_appcontext
def restore_command(file: Path, force: bool, as_json: bool):
    """Replace the database and uploads with a backup's, then check them against its manifest."""
    from servicecraft import backup

    try:
        report = backup.restore_backup(file, force=force)
    except backup.BackupError as error:
        fail([str(error)])
    if as_json:
        emit_json({"revision": report.revision, "counts": report.counts, "uploads": report.uploads, "notes": report.notes})
    else:
        for table, count in report.counts.items():
            click.echo(f"{table}: {count}")
        click.echo(f"uploads: {report.uploads['files']} files, {report.uploads['bytes']} bytes")
    click.echo("restored; every count matches the backup's manifest", err=True)
    for note in report.notes:
        click.echo(note, err=True)
