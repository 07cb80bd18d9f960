"""Read help-desk exports into normalised records, one record at a time (pure Python).

Every reader is a generator of :data:`~qa.tickets.normalize.Record`: tickets, agents,
ratings, deleted tickets, and :class:`~qa.tickets.normalize.ImportProblem` for anything it
cannot read. Readers never raise for bad input; the caller decides (the importer refuses a
file with any problem). What is read from each source: qa/tickets/FORMATS.md.

A typical use::

    problems = [p for p in iter_file("freshdesk", path) if isinstance(p, ImportProblem)]
    if not problems:
        for record in iter_file("freshdesk", path):
            save(record)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import tzinfo
from os import PathLike, fspath
from typing import Any

from qa.tickets.normalize import (
    LABEL_FILE,
    SOURCES,
    ImportProblem,
    Record,
    msg_empty_file,
    msg_looks_like_csv,
    msg_not_json,
    msg_not_utf8,
    msg_unknown_source,
    msg_unknown_time_zone,
    msg_unreadable,
    resolve_tz,
)
from qa.tickets.sources._stream import Input, JsonSyntaxError, JsonValues, open_input, text_chunks

__all__ = ["SOURCES", "iter_file", "iter_files", "iter_payload", "iter_webhook", "check_file", "sniff"]

JSON_SOURCES = ("zendesk", "freshdesk", "zammad", "normalized")


def _reader(source: str):
    """Return the module reading `source` (imported lazily: each is small, but why load four)."""
    if source == "zendesk":
        from qa.tickets.sources import zendesk as module
    elif source == "freshdesk":
        from qa.tickets.sources import freshdesk as module
    elif source == "zammad":
        from qa.tickets.sources import zammad as module
    elif source == "normalized":
        from qa.tickets.sources import normalized as module
    else:
        from qa.tickets.sources import csv_source as module
    return module


def _file_problem(message: str) -> ImportProblem:
    return ImportProblem(LABEL_FILE, None, message)


def iter_file(source: str, path_or_stream: Input, *, tz: str | tzinfo | None = None) -> Iterator[Record]:
    """Yield the records of one export file (path, bytes or open stream) of `source`.

    `tz` is the time zone of times written without one (the Zendesk admin CSV's account
    time zone, or a generic CSV's); it defaults to UTC.
    """
    if source not in SOURCES:
        yield _file_problem(msg_unknown_source(source))
        return
    try:
        zone = resolve_tz(tz)
    except ValueError:
        yield _file_problem(msg_unknown_time_zone(tz))
        return
    try:
        with open_input(path_or_stream) as stream:
            if source == "csv":
                yield from _reader("csv").read_stream(stream, tz=zone)
            else:
                yield from _iter_json(source, stream)
    except OSError as error:
        yield _file_problem(msg_unreadable(error.strerror or error))


def _iter_json(source: str, stream: Any, **options: Any) -> Iterator[Record]:
    values = JsonValues(text_chunks(stream))
    try:
        first = values.first_char()
        if first == "":
            yield _file_problem(msg_empty_file())
            return
        if first not in "{[":
            yield _file_problem(msg_looks_like_csv() if _looks_like_csv(first) else msg_not_json("it does not start with { or ["))
            return
        yield from _reader(source).read_values(values, **options)
    except JsonSyntaxError as error:
        where = f"line {error.line}: " if error.line else ""
        yield _file_problem(msg_not_json(where + error.detail))
    except UnicodeDecodeError:
        yield _file_problem(msg_not_utf8())


def _looks_like_csv(first: str) -> bool:
    return first.isalnum() or first in "\"'_"


def iter_files(source: str, paths: Iterable[Input], *, tz: str | tzinfo | None = None) -> Iterator[Record]:
    """Yield the records of several files of one source, as the CLI's `PATH...` does.

    Zendesk's ticket list and ticket_metrics list are two files: the metrics files are read
    first whatever their order, so each ticket meets its metrics. Problems name their file.
    """
    paths = list(paths)
    if source == "zendesk":
        yield from _reader("zendesk").read_files(paths, _iter_json)
        return
    for path in paths:
        name = fspath(path) if isinstance(path, (str, PathLike)) else None
        for record in iter_file(source, path, tz=tz):
            yield replace(record, file=name) if name and isinstance(record, ImportProblem) else record


def iter_payload(source: str, payload: Any, *, tz: str | tzinfo | None = None) -> Iterator[Record]:
    """Yield the records of an already parsed JSON body (the API's `POST /tickets?source=`)."""
    if source not in JSON_SOURCES:
        yield _file_problem(msg_unknown_source(source, JSON_SOURCES))
        return
    values = payload if isinstance(payload, list) else [payload]
    yield from _reader(source).read_values(values)


def iter_webhook(source: str, body: bytes | str) -> Iterator[Record]:
    """Yield what one webhook request body says.

    Zendesk sends an event (a TicketEvent: status and assignee only); other senders post a
    body in their source's JSON shape (for `normalized`: our format, with `sent_at`).
    """
    if source == "zendesk":
        yield from _reader("zendesk").read_event_body(body)
        return
    if source not in JSON_SOURCES:
        yield _file_problem(msg_unknown_source(source, JSON_SOURCES))
        return
    yield from iter_file(source, body.encode("utf-8") if isinstance(body, str) else body)


def check_file(source: str, path_or_stream: Input, *, tz: str | tzinfo | None = None,
               limit: int = 100) -> list[ImportProblem]:
    """Return up to `limit` problems of a file (empty when it would import cleanly)."""
    problems: list[ImportProblem] = []
    for item in iter_file(source, path_or_stream, tz=tz):
        if isinstance(item, ImportProblem):
            problems.append(item)
            if len(problems) >= limit:
                break
    return problems


_ZENDESK_PAGE_KEYS = frozenset(("metric_sets", "ticket_metrics", "end_time", "after_cursor", "after_url",
                                "end_of_stream", "next_page", "previous_page", "before_cursor"))


def sniff(value: Any) -> str | None:
    """Guess which help desk produced a JSON value (a page, a list or one record); None if unsure."""
    if isinstance(value, list):
        value = next((item for item in value[:5] if isinstance(item, dict)), None)
    if not isinstance(value, dict):
        return None
    keys = value.keys()
    for inner_key in ("tickets", "satisfaction_ratings", "agents", "ratings"):
        inner = value.get(inner_key)
        if isinstance(inner, list) and inner and isinstance(inner[0], dict):
            found = sniff(inner[0])
            if found:
                return found
    if "assets" in keys and "tickets" in keys:
        return "zammad"
    if keys & _ZENDESK_PAGE_KEYS:
        return "zendesk"
    if "source_updated_at" in keys or "ticket_external_id" in keys:
        return "normalized"
    if ("responder_id" in keys or "fr_due_by" in keys or ("survey_id" in keys and "ratings" in keys)
            or (isinstance(value.get("contact"), dict) and ("occasional" in keys or "ticket_scope" in keys))):
        return "freshdesk"
    if "owner_id" in keys and ("state_id" in keys or "state" in keys or "number" in keys):
        return "zammad"
    if ("via" in keys or "assignee_id" in keys or "generated_timestamp" in keys
            or "reply_time_in_minutes" in keys or "requester_id" in keys):
        return "zendesk"
    return None
