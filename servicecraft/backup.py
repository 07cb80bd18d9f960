"""Backups: one tar.gz holding the database, the uploads folder and a manifest.

SQLite is copied with the online backup API (consistent while the app runs); PostgreSQL is
dumped with ``pg_dump --format=custom`` inside an exported snapshot, so the row counts in the
manifest describe exactly what was dumped. A restore checks everything it can (archive,
manifest, migration revision, database kind, emptiness) before it changes anything, then
verifies the restored row counts and uploads against the manifest.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from servicecraft.extensions import db

FORMAT = "servicecraft-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
UPLOADS = "uploads"
SKIPPED_TABLES = {"alembic_version"}


class BackupError(Exception):
    """A backup or restore refused or failed; the message names the problem."""


@dataclass
class RestoreReport:
    counts: dict[str, int]
    uploads: dict[str, int]
    revision: str
    notes: list[str] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------------


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("servicecraft")
    except PackageNotFoundError:
        return "unknown"


def database_kind() -> str:
    name = db.engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"database: backups support SQLite and PostgreSQL, not {name}")
    return name


def _migration_revisions() -> tuple[set[str], str]:
    """Return the revisions this code knows and its head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    heads = script.get_heads()
    return {rev.revision for rev in script.walk_revisions()}, heads[0] if heads else ""


def _current_revision(conn) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _count_rows(conn) -> dict[str, int]:
    counts = {}
    for table in sorted(inspect(conn).get_table_names()):
        if table in SKIPPED_TABLES:
            continue
        counts[table] = int(conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar())
    return counts


def _sqlite_counts(path: Path) -> tuple[dict[str, int], str | None]:
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        counts = {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in sorted(names) if n not in SKIPPED_TABLES}
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0] if "alembic_version" in names else None
        return counts, revision
    finally:
        con.close()


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("database: an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    """The program with the connection URL's host, port, user and database, and its environment."""
    if shutil.which(program) is None:
        raise BackupError(f"{program}: not found on PATH (install the PostgreSQL client tools, e.g. apt-get install postgresql-client)")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    args = [program]
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    args.append(f"--dbname={url.database}")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, where `ps` would show it
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args + ["--no-password"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: " + (detail[-1] if detail else f"exit status {result.returncode}"))


def _upload_stats(root: Path) -> dict[str, int]:
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()] if root.is_dir() else []
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


# --- backup ---------------------------------------------------------------------------


def create_backup(output: Path) -> dict:
    """Write a backup archive to *output* (refusing to overwrite a file); return its manifest."""
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output}: the file already exists; choose another name")
    kind = database_kind()
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory(prefix="servicecraft-backup-") as tmp:
        tmpdir = Path(tmp)
        if kind == "sqlite":
            member = SQLITE_MEMBER
            counts, revision = _sqlite_snapshot(tmpdir / member)
        else:
            member = POSTGRES_MEMBER
            counts, revision = _postgres_snapshot(tmpdir / member)
        if revision is None:
            raise BackupError("database: it has no schema yet (run `servicecraft db upgrade` first)")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "alembic_revision": revision,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": kind,
            "counts": counts,
            "uploads": _upload_stats(uploads),
        }
        partial = output.with_name(output.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(datetime.now(UTC).timestamp())
                archive.addfile(info, io.BytesIO(data))
                archive.add(tmpdir / member, arcname=member)
                if uploads.is_dir():
                    for path in sorted(uploads.rglob("*")):
                        if path.is_file() and not path.is_symlink():
                            archive.add(path, arcname=f"{UPLOADS}/{path.relative_to(uploads).as_posix()}")
            partial.replace(output)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise BackupError(f"{output}: cannot write the archive ({error.strerror or error})") from error
    return manifest


def _sqlite_snapshot(target: Path) -> tuple[dict[str, int], str | None]:
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    # Counted on the copy itself, so the manifest describes exactly what is archived.
    return _sqlite_counts(target)


def _postgres_snapshot(target: Path) -> tuple[dict[str, int], str | None]:
    args, env = _pg_command("pg_dump")
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            counts = _count_rows(conn)
            revision = _current_revision(conn)
            # pg_dump reads the same snapshot while this transaction stays open.
            _run(args + ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"], env, "pg_dump")
    return counts, revision


# --- restore --------------------------------------------------------------------------


def read_manifest(archive_path: Path, into: Path) -> dict:
    """Check and unpack the archive into *into*; return its manifest."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            members = archive.getmembers()
            for member in members:
                name = member.name
                if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
                    raise BackupError(f"{archive_path}: the archive holds an unsafe entry {name!r}; refusing it")
            archive.extractall(into, filter="data")
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"{archive_path}: not a readable Servicecraft backup (the archive is damaged or not a tar.gz: {error})") from error
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(f"{archive_path}: not a Servicecraft backup (no {MANIFEST} inside)") from error
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{archive_path}: {MANIFEST} is not valid JSON ({error})") from error
    problems = []
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive_path}: not a Servicecraft backup ({MANIFEST} has no format {FORMAT!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        problems.append(f"format_version {manifest.get('format_version')!r} is not supported (this version reads {FORMAT_VERSION})")
    if manifest.get("database") not in ("sqlite", "postgresql"):
        problems.append("database: must be sqlite or postgresql")
    if not isinstance(manifest.get("alembic_revision"), str):
        problems.append("alembic_revision: missing")
    if not isinstance(manifest.get("counts"), dict):
        problems.append("counts: missing")
    if problems:
        raise BackupError(f"{archive_path}: {MANIFEST}: " + "; ".join(problems))
    return manifest


def database_has_rows() -> dict[str, int]:
    """Tables of the live database that hold rows (the migration bookkeeping aside)."""
    with db.engine.connect() as conn:
        return {t: n for t, n in _count_rows(conn).items() if n}


def restore_backup(archive_path: Path, *, force: bool = False) -> RestoreReport:
    """Replace the database and uploads with the archive's; refuse a non-empty database unless *force*."""
    archive_path = Path(archive_path)
    kind = database_kind()
    with tempfile.TemporaryDirectory(prefix="servicecraft-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = read_manifest(archive_path, unpacked)
        revision = manifest["alembic_revision"]
        known, head = _migration_revisions()
        if revision not in known:
            raise BackupError(
                f"{archive_path}: the backup was made by a newer Servicecraft (database revision {revision!r} is unknown "
                f"to this version, whose newest is {head!r}); upgrade Servicecraft before restoring it"
            )
        if manifest["database"] != kind:
            raise BackupError(f"{archive_path}: the backup holds a {manifest['database']} database but the app uses {kind}; "
                              "restore it into the same kind of database")
        member = unpacked / (SQLITE_MEMBER if kind == "sqlite" else POSTGRES_MEMBER)
        if not member.is_file():
            raise BackupError(f"{archive_path}: the database ({member.name}) is missing from the archive")
        _check_dump(member, kind, archive_path)
        if not force:
            filled = database_has_rows()
            if filled:
                sample = ", ".join(f"{t} ({n})" for t, n in sorted(filled.items())[:5])
                raise BackupError(f"the database is not empty ({len(filled)} tables hold rows: {sample}); "
                                  "restore into an empty database, or pass --force to replace everything in it")
        db.session.remove()
        db.engine.dispose()  # no pooled connection may hold a lock while the database is replaced
        if kind == "sqlite":
            _restore_sqlite(member)
        else:
            args, env = _pg_command("pg_restore")
            _run(args + ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(member)], env, "pg_restore")
        db.engine.dispose()
        _restore_uploads(unpacked / UPLOADS, Path(current_app.config["UPLOAD_FOLDER"]))

    with db.engine.connect() as conn:
        counts = _count_rows(conn)
    uploads = _upload_stats(Path(current_app.config["UPLOAD_FOLDER"]))
    report = RestoreReport(counts=counts, uploads=uploads, revision=revision)
    mismatches = [f"{table}: {manifest['counts'][table]} rows in the backup, {counts.get(table, 0)} restored"
                  for table in sorted(manifest["counts"]) if counts.get(table, 0) != manifest["counts"][table]]
    expected_uploads = manifest.get("uploads")
    if isinstance(expected_uploads, dict) and expected_uploads != uploads:
        mismatches.append(f"uploads: {expected_uploads} in the backup, {uploads} restored")
    if mismatches:
        raise BackupError("the restored data does not match the backup's manifest: " + "; ".join(mismatches))
    if revision != head:
        report.notes.append(f"the backup's database is at revision {revision}, older than this version's {head}: "
                            "run `servicecraft db upgrade` now")
    return report


def _check_dump(member: Path, kind: str, archive_path: Path) -> None:
    """Refuse a damaged database file before anything is replaced."""
    if kind == "sqlite":
        try:
            con = sqlite3.connect(member)
            try:
                ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                con.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{archive_path}: the SQLite database inside is damaged ({error})") from error
        if ok != "ok":
            raise BackupError(f"{archive_path}: the SQLite database inside is damaged ({ok})")
    else:
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore: not found on PATH (install the PostgreSQL client tools)")
        result = subprocess.run(["pg_restore", "--list", str(member)], capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"{archive_path}: the PostgreSQL dump inside is damaged ({result.stderr.strip()})")


def _restore_sqlite(member: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(member)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)  # page by page, under SQLite's own locking
    finally:
        destination.close()
        source.close()


def _restore_uploads(source: Path, target: Path) -> None:
    """Swap the uploads folder for the archive's (the old one is removed once the new one is in place)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".uploads-restore-", dir=target.parent))
    if source.is_dir():
        shutil.copytree(source, staged, dirs_exist_ok=True)
    previous = None
    if target.exists():
        previous = target.with_name(f".{target.name}-before-restore-{datetime.now(UTC):%Y%m%d%H%M%S%f}")
        target.rename(previous)
    staged.rename(target)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
