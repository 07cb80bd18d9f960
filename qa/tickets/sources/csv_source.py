"""CSV tickets: Servicecraft's generic header, and Zendesk's admin CSV export (recognised by its header).

Generic header (FORMATS.md): the normalised field names, `external_id` and `status`
required, matched case-insensitively; an unknown column is refused so a misspelt column
cannot silently empty a metric. Times without a zone are read in the import's time zone.

Zendesk admin CSV export: headers such as `ID`, `Assignee`, `Status`, `Solved at`,
`Reopens`, `Replies`, `Satisfaction Score`, `First reply time in minutes`, `Full resolution
time in minutes`; its times are in the account's time zone, given on import. Its other
columns are ignored. Its tickets are stored under the `zendesk` source (the ids are
Zendesk's), so a later API import updates them rather than duplicating them.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta, tzinfo
from itertools import chain
from typing import IO, Any

from qa.tickets.normalize import (
    CHANNELS,
    CSAT_VALUES,
    LABEL_FILE,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    PRIORITIES,
    STATUSES,
    CategoryHints,
    DeletedTicket,
    DuplicateGuard,
    ImportProblem,
    NormalizedAgent,
    NormalizedTicket,
    Record,
    label_row,
    minutes_between,
    msg_empty_file,
    msg_looks_like_json,
    msg_no_update_time,
    msg_not_utf8,
    problems_for,
    read_category,
    read_choice,
    read_count,
    read_id,
    read_minutes,
    read_tags,
    read_text,
    read_time,
)

GENERIC_COLUMNS = (
    "external_id", "source_updated_at", "agent_external_id", "agent_email", "agent_name", "group_external_id",
    "channel", "priority", "status", "category", "created_at", "first_reply_at", "solved_at",
    "first_reply_minutes", "resolution_minutes", "reopens", "agent_replies", "csat", "tags", "type", "subject",
)
GENERIC_REQUIRED = ("external_id", "status")
ZENDESK_MARKERS = frozenset(("first reply time in minutes", "full resolution time in minutes", "satisfaction score",
                             "solved at", "reopens", "replies"))
ZENDESK_REQUIRED = ("id", "status")


def _same(values: tuple[str, ...]) -> dict[str, str | None]:
    return {value: value for value in values}


ZENDESK_STATUS: dict[Any, str | None] = _same(STATUSES) | {"on-hold": "hold", "on hold": "hold", "deleted": "deleted"}
ZENDESK_PRIORITY: dict[Any, str | None] = _same(PRIORITIES) | {"-": None}
ZENDESK_SCORE: dict[Any, str | None] = {
    "good": "positive", "bad": "negative", "good with comment": "positive", "bad with comment": "negative",
    "offered": None, "not offered": None, "unoffered": None, "-": None,
}
# Zendesk's "Via" column holds display names ("Web form", "Mail", "Phone call (incoming)");
# the first keyword found decides, "web service" before "web".
_VIA_WORDS = (
    ("web service", "api"), ("api", "api"), ("mail", "email"), ("phone", "phone"), ("voice", "phone"),
    ("call", "phone"), ("chat", "chat"), ("messag", "chat"), ("sms", "chat"), ("twitter", "social"),
    ("facebook", "social"), ("instagram", "social"), ("whatsapp", "social"), ("line", "social"),
    ("wechat", "social"), ("telegram", "social"), ("web", "web"), ("mobile", "web"), ("widget", "web"),
    ("help center", "web"), ("forum", "web"),
)


def via_to_channel(text: str) -> str:
    """Map a Zendesk CSV "Via" display name to our channel enum."""
    lowered = text.lower()
    for word, channel in _VIA_WORDS:
        if word in lowered:
            return channel
    return "other"


def _text_stream(stream: IO[bytes] | IO[str]) -> tuple[IO[str], io.TextIOWrapper | None]:
    if isinstance(stream.read(0), str):
        return stream, None  # type: ignore[return-value]
    wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    return wrapper, wrapper


def read_stream(stream: IO[bytes] | IO[str], *, tz: tzinfo) -> Iterator[Record]:
    """Yield the records of a CSV file of either dialect."""
    text, wrapper = _text_stream(stream)
    try:
        yield from _read_text(text, tz)
    except UnicodeDecodeError:
        yield ImportProblem(LABEL_FILE, None, msg_not_utf8())
    finally:
        if wrapper is not None:
            wrapper.detach()  # leave the caller's stream open


def _read_text(text: IO[str], tz: tzinfo) -> Iterator[Record]:
    first_line = text.readline()
    while first_line and not first_line.strip():
        first_line = text.readline()
    if not first_line:
        yield ImportProblem(LABEL_FILE, None, msg_empty_file())
        return
    if first_line.lstrip("\ufeff \t")[:1] in ("{", "["):
        yield ImportProblem(LABEL_FILE, None, msg_looks_like_json())
        return
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(chain([first_line], text), delimiter=delimiter)
    try:
        header = [cell.strip().lstrip("\ufeff").lower() for cell in next(reader)]
    except csv.Error as error:
        yield ImportProblem("row 1", None, f"the header is not valid CSV ({error})")
        return
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in columns and name:
            yield ImportProblem("row 1", name, "appears twice in the header")
            return
        columns.setdefault(name, position)
    if "external_id" not in columns and "id" in columns and columns.keys() & ZENDESK_MARKERS:
        row_reader = _ZendeskRows(header, columns, tz)
        required = ZENDESK_REQUIRED
    else:
        row_reader = _GenericRows(header, columns, tz)
        required = GENERIC_REQUIRED
        unknown = [name for name in header if name and name not in GENERIC_COLUMNS]
        if unknown:
            yield ImportProblem("row 1", ", ".join(unknown),
                                "is not a column of the ticket CSV format; the columns are: " + ", ".join(GENERIC_COLUMNS))
            return
    missing = [name for name in required if name not in columns]
    if missing:
        yield ImportProblem("row 1", ", ".join(missing), "is missing from the header; these columns are required: "
                            + ", ".join(required))
        return
    row_number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield ImportProblem(label_row(row_number + 1, None), None, f"the row is not valid CSV ({error})",
                                row_number + 1)
            return
        row_number += 1
        if not any(cell.strip() for cell in row):
            continue
        yield from row_reader.read(row, row_number)


class _Rows:
    source = "csv"

    def __init__(self, header: list[str], columns: dict[str, int], tz: tzinfo) -> None:
        self.header = header
        self.columns = columns
        self.tz = tz
        self.guard = DuplicateGuard("row")
        self.agents_seen: set[str] = set()

    def cell(self, row: list[str], name: str) -> str | None:
        position = self.columns.get(name)
        if position is None or position >= len(row):
            return None
        value = row[position].strip()
        return value or None

    def agent(self, external_id: str | None, email: str | None, name: str | None) -> Iterator[Record]:
        if external_id is not None and (email or name) and external_id not in self.agents_seen:
            self.agents_seen.add(external_id)
            yield NormalizedAgent(self.source, external_id, email, name)

    def updated(self, row: list[str], column: str, label: str, bad: list[tuple[str, str]],
                *candidates: datetime | None, times_failed: bool = False) -> datetime | None:
        """Read the update time, or fall back to the latest time the row gives."""
        text = self.cell(row, column)
        value = read_time(text, label, bad, naive_tz=self.tz)
        if value is not None or text is not None:
            return value
        known = [moment for moment in candidates if moment is not None]
        if known:
            return max(known)
        if not times_failed:  # a bad created_at is already reported; do not report it twice
            bad.append((label, msg_no_update_time()))
        return None


class _GenericRows(_Rows):
    source = "csv"

    def read(self, row: list[str], number: int) -> Iterator[Record]:
        cell = self.cell
        bad: list[tuple[str, str]] = []
        tz = self.tz
        external_id = read_id(cell(row, "external_id"), "external_id", bad, required=True)
        status = read_choice(cell(row, "status"), "status", bad, _same(STATUSES), required=True, allowed=STATUSES)
        before = len(bad)
        created_at = read_time(cell(row, "created_at"), "created_at", bad, naive_tz=tz)
        first_reply_at = read_time(cell(row, "first_reply_at"), "first_reply_at", bad, naive_tz=tz)
        solved_at = read_time(cell(row, "solved_at"), "solved_at", bad, naive_tz=tz)
        updated_at = self.updated(row, "source_updated_at", "source_updated_at", bad, created_at, first_reply_at,
                                  solved_at, times_failed=len(bad) > before)
        email = read_text(cell(row, "agent_email"), "agent_email", bad, limit=MAX_EMAIL_LENGTH)
        agent_name = read_text(cell(row, "agent_name"), "agent_name", bad, limit=MAX_NAME_LENGTH)
        agent = read_id(cell(row, "agent_external_id"), "agent_external_id", bad)
        if agent is None and email is not None:
            agent = read_id(email, "agent_email", bad)  # the e-mail stands in for a missing agent id
        group = read_id(cell(row, "group_external_id"), "group_external_id", bad)
        channel = read_choice(cell(row, "channel"), "channel", bad, _same(CHANNELS), allowed=CHANNELS) or "other"
        priority = read_choice(cell(row, "priority"), "priority", bad, _same(PRIORITIES), allowed=PRIORITIES)
        category = read_category(cell(row, "category"), "category", bad)
        first_reply = read_minutes(cell(row, "first_reply_minutes"), "first_reply_minutes", bad)
        if first_reply is None and cell(row, "first_reply_minutes") is None:
            first_reply = minutes_between(created_at, first_reply_at, "first_reply_at", bad, "the first reply")
        resolution = read_minutes(cell(row, "resolution_minutes"), "resolution_minutes", bad)
        if resolution is None and cell(row, "resolution_minutes") is None:
            resolution = minutes_between(created_at, solved_at, "solved_at", bad, "the solve time")
        reopens = read_count(cell(row, "reopens"), "reopens", bad)
        replies = read_count(cell(row, "agent_replies"), "agent_replies", bad)
        csat = read_choice(cell(row, "csat"), "csat", bad, _same(CSAT_VALUES), allowed=CSAT_VALUES)
        tags = read_tags(cell(row, "tags"), "tags", bad)
        kind = cell(row, "type")
        subject = cell(row, "subject")
        if external_id is not None:
            self.guard.check(external_id, number, bad, "external_id")
        if bad:
            yield from problems_for(label_row(number, external_id), bad, number, external_id)
            return
        yield from self.agent(agent, email, agent_name)
        yield NormalizedTicket(
            self.source, external_id, updated_at, agent, group, channel, priority, status, category, created_at,
            first_reply_at, solved_at, first_reply, resolution, reopens, replies, csat,
            dict(zip(self.header, row)), CategoryHints(tags, kind, subject),
        )


class _ZendeskRows(_Rows):
    source = "zendesk"

    def read(self, row: list[str], number: int) -> Iterator[Record]:
        cell = self.cell
        bad: list[tuple[str, str]] = []
        tz = self.tz
        external_id = read_id(cell(row, "id"), "ID", bad, required=True)
        status = read_choice(cell(row, "status"), "Status", bad, ZENDESK_STATUS, required=True, allowed=STATUSES)
        if status == "deleted" and external_id:
            yield DeletedTicket(self.source, external_id, read_time(cell(row, "updated at"), "Updated at", [], naive_tz=tz))
            return
        before = len(bad)
        created_at = read_time(cell(row, "created at"), "Created at", bad, naive_tz=tz)
        solved_at = read_time(cell(row, "solved at"), "Solved at", bad, naive_tz=tz)
        updated_at = self.updated(row, "updated at", "Updated at", bad, created_at, solved_at,
                                  times_failed=len(bad) > before)
        name = read_text(cell(row, "assignee"), "Assignee", bad, limit=MAX_NAME_LENGTH)
        email = read_text(cell(row, "assignee email"), "Assignee email", bad, limit=MAX_EMAIL_LENGTH)
        # The export names the assignee; an "Assignee id" column, when present, is better.
        agent = read_id(cell(row, "assignee id") or name, "Assignee", bad)
        group = read_id(cell(row, "group"), "Group", bad)
        priority = read_choice(cell(row, "priority"), "Priority", bad, ZENDESK_PRIORITY, allowed=PRIORITIES)
        csat = read_choice(cell(row, "satisfaction score"), "Satisfaction Score", bad, ZENDESK_SCORE,
                           allowed=("Good", "Bad", "Offered", "Unoffered"))
        first_reply = read_minutes(cell(row, "first reply time in minutes"), "First reply time in minutes", bad)
        resolution = read_minutes(cell(row, "full resolution time in minutes"), "Full resolution time in minutes", bad)
        if resolution is None and cell(row, "full resolution time in minutes") is None:
            resolution = minutes_between(created_at, solved_at, "Solved at", bad, "the solve time")
        reopens = read_count(cell(row, "reopens"), "Reopens", bad)
        replies = read_count(cell(row, "replies"), "Replies", bad)
        tags = read_tags(cell(row, "tags"), "Tags", bad)
        via = cell(row, "via")
        if external_id is not None:
            self.guard.check(external_id, number, bad, "ID")
        if bad:
            yield from problems_for(label_row(number, external_id), bad, number, external_id)
            return
        first_reply_at = created_at + timedelta(minutes=first_reply) if created_at and first_reply is not None else None
        yield from self.agent(agent, email, name)
        yield NormalizedTicket(
            self.source, external_id, updated_at, agent, group, via_to_channel(via) if via else "other", priority,
            status, None, created_at, first_reply_at, solved_at, first_reply, resolution, reopens, replies, csat,
            dict(zip(self.header, row)), CategoryHints(tags, cell(row, "ticket type"), cell(row, "subject")),
        )
