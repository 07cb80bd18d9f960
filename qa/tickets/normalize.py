"""The normalised help-desk records every ticket source is mapped to (pure Python).

Field meanings follow ../shared/specs/metrics.md ("The normalised ticket"). Readers in
``qa.tickets.sources`` yield these records, and yield an :class:`ImportProblem` instead of
raising when a record is bad, so the caller can refuse the whole file and name every fault.

A typical use::

    for item in iter_file("zendesk", "export.json"):
        if isinstance(item, ImportProblem):
            problems.append(item)
        else:
            save(item)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from math import isfinite
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SOURCES = ("zendesk", "freshdesk", "zammad", "csv", "normalized")
CHANNELS = ("email", "web", "phone", "chat", "social", "api", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
SOLVED_STATUSES = frozenset(("solved", "closed"))
CSAT_VALUES = ("positive", "neutral", "negative")
# Column sizes of the database model (qa/tickets/models.py); longer values are refused here
# rather than truncated there.
MAX_ID_LENGTH = 64
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200

UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CategoryHints:
    """What a source says about a ticket's topic; category rules map it to the taxonomy."""

    tags: tuple[str, ...] = ()
    type: str | None = None
    subject: str | None = None


@dataclass(slots=True)
class NormalizedTicket:
    """One ticket in the normalised form of metrics.md, with the source payload kept for audit."""

    source: str
    external_id: str
    source_updated_at: datetime
    agent_external_id: str | None
    group_external_id: str | None
    channel: str
    priority: str | None
    status: str
    category: str | None
    created_at: datetime | None
    first_reply_at: datetime | None
    solved_at: datetime | None
    first_reply_minutes: float | None
    resolution_minutes: float | None
    reopens: int | None
    agent_replies: int | None
    csat: str | None
    raw: dict[str, Any] = field(repr=False)
    # Not a metrics.md field: tags, type and subject for the category rules of the database layer.
    category_hints: CategoryHints = CategoryHints()

    @property
    def tags(self) -> tuple[str, ...]:
        """Return the source's tags."""
        return self.category_hints.tags

    @property
    def ticket_type(self) -> str | None:
        """Return the source's ticket type (Zendesk `type`, Freshdesk `type`, ...)."""
        return self.category_hints.type

    @property
    def subject(self) -> str | None:
        """Return the ticket's subject line."""
        return self.category_hints.subject

    @property
    def is_solved(self) -> bool:
        """Tell whether the ticket counts as solved for the metrics (solved or closed, with a time)."""
        return self.status in SOLVED_STATUSES and self.solved_at is not None


@dataclass(frozen=True, slots=True)
class NormalizedAgent:
    """A help-desk agent as the source knows them; linked to a Servicecraft person by e-mail."""

    source: str
    external_id: str
    email: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class NormalizedRating:
    """A satisfaction rating; it credits `agent_external_id` when set, else the ticket's agent."""

    source: str
    ticket_external_id: str
    agent_external_id: str | None
    csat: str
    rated_at: datetime | None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class DeletedTicket:
    """A ticket the source reports as deleted (Zendesk exports keep them unless told not to)."""

    source: str
    external_id: str
    deleted_at: datetime | None


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """A webhook's partial update of one ticket: only the fields the event carries."""

    source: str
    external_id: str
    occurred_at: datetime
    status: str | None
    agent_external_id: str | None
    group_external_id: str | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """Why one record (or the whole file) cannot be imported, in plain words."""

    record: str
    field: str | None
    message: str
    index: int | None = None
    external_id: str | None = None
    file: str | None = None

    def __str__(self) -> str:
        if self.field is None and self.record in WHOLE_LABELS:
            text = f"{self.record} {self.message}"  # "the file is empty"
        elif self.field is None:
            text = f"{self.record}: {self.message}"
        else:
            text = f"{self.record}, field {self.field}: {self.message}"
        return f"{self.file}: {text}" if self.file else text

    def text(self, filename: str | None = None) -> str:
        """Return the one-line message, naming `filename` (or the problem's own file) first."""
        if filename and not self.file:
            return f"{filename}: {self}"
        return str(self)


Record = NormalizedTicket | NormalizedAgent | NormalizedRating | DeletedTicket | TicketEvent | ImportProblem


# ---------------------------------------------------------------------------------------------
# Messages shown to users. Plain English strings built in one place so gettext can wrap them.
# ---------------------------------------------------------------------------------------------


def show(value: object) -> str:
    """Return a short, quoted rendering of a bad value for a message."""
    text = repr(value) if not isinstance(value, str) else '"' + value + '"'
    return text if len(text) <= 60 else text[:57] + "..."


def label_ticket(index: int, external_id: str | None) -> str:
    return f"ticket {index}" + (f" (id {external_id})" if external_id else "")


def label_item(kind: str, index: int, external_id: str | None) -> str:
    return f"{kind} {index}" + (f" (id {external_id})" if external_id else "")


def label_row(row: int, external_id: str | None) -> str:
    return f"row {row}" + (f" (ID {external_id})" if external_id else "")


LABEL_FILE = "the file"
LABEL_EVENT = "the event"
WHOLE_LABELS = frozenset((LABEL_FILE, LABEL_EVENT))


def msg_missing() -> str:
    return "is missing; every record needs it"


def msg_no_update_time() -> str:
    return "is missing, and the row has no other time (created_at, first_reply_at, solved_at) to use instead"


def msg_not_a_time(value: object) -> str:
    return f"{show(value)} is not a date and time (expected ISO 8601, e.g. 2024-03-01T09:15:00Z)"


def msg_time_without_zone(value: object) -> str:
    return f"{show(value)} has no time zone; add Z or an offset such as +03:00"


def msg_not_a_number(value: object) -> str:
    return f"{show(value)} is not a number of minutes"


def msg_negative(value: object) -> str:
    return f"{show(value)} is negative; a duration cannot be"


def msg_not_a_count(value: object) -> str:
    return f"{show(value)} is not a whole number of zero or more"


def msg_bad_id(value: object) -> str:
    return f"{show(value)} is not an id (expected a number or a short text)"


def msg_id_too_long() -> str:
    return f"is longer than {MAX_ID_LENGTH} characters"


def msg_text_too_long(limit: int) -> str:
    return f"is longer than {limit} characters"


def msg_not_text(value: object) -> str:
    return f"{show(value)} is not text"


def msg_unknown_value(value: object, allowed: tuple[str, ...] | list[str]) -> str:
    return f"{show(value)} is not one of: {', '.join(str(a) for a in allowed)}"


def msg_duplicate(first_label: str) -> str:
    return f"the same id appears again; first seen at {first_label}"


def msg_before_created(what: str) -> str:
    return f"{what} is earlier than the ticket's creation time"


def msg_not_an_object(kind: str) -> str:
    return f"is not a {kind} record (expected a JSON object)"


def msg_not_json(detail: str) -> str:
    return f"is not valid JSON ({detail})"


def msg_not_utf8() -> str:
    return "is not UTF-8 text; save it as UTF-8 and try again"


def msg_looks_like_csv() -> str:
    return "looks like CSV, not JSON; import it with the csv source"


def msg_looks_like_json() -> str:
    return "looks like JSON, not CSV; choose its help desk as the source (zendesk, freshdesk, zammad or normalized)"


def msg_wrong_source(expected: str, found: str) -> str:
    return f"looks like a {found.capitalize()} export, not {expected.capitalize()}; import it with the {found} source"


def msg_unrecognised(expected: str) -> str:
    return f"has nothing that looks like a {expected.capitalize()} export (no tickets, ratings or agents)"


def msg_unknown_source(source: object, allowed: tuple[str, ...] = SOURCES) -> str:
    return f"cannot be read: {show(source)} is not a ticket source here; use one of: {', '.join(allowed)}"


def msg_unknown_time_zone(name: object) -> str:
    return f"cannot be read: {show(name)} is not a time zone (use a name such as Europe/Moscow or UTC)"


def msg_unknown_field(name: str) -> str:
    return "is not a field of the normalised format (see qa/tickets/FORMATS.md); check its spelling"


def msg_unreadable(detail: object) -> str:
    return f"cannot be read ({detail})"


def msg_empty_file() -> str:
    return "is empty"


def msg_metrics_after_ticket(index: int) -> str:
    return (f"these metrics come after ticket {index} was read; put the ticket_metrics list first, "
            "or in the same page as its tickets")


def msg_needs_stats() -> str:
    return "the ticket is resolved but has no stats; export tickets with include=stats"


def msg_needs_expand() -> str:
    return "has no state name; export tickets with expand=true"


def msg_closed_without_time() -> str:
    return "is missing, but the ticket is solved or closed; the solve time is needed for the metrics"


# ---------------------------------------------------------------------------------------------
# Value readers. Each returns the parsed value (or None) and appends (field, message) to `bad`
# instead of raising, so one record can report all of its faults at once.
# ---------------------------------------------------------------------------------------------

Bad = list  # list[tuple[str, str]]


def resolve_tz(tz: str | tzinfo | None) -> tzinfo:
    """Return a tzinfo for a name or tzinfo (UTC when None); raise ValueError with a message."""
    if tz is None:
        return UTC
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str) and tz.strip():
        try:
            return ZoneInfo(tz.strip())
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ValueError(msg_unknown_time_zone(tz))


def to_utc(moment: datetime) -> datetime:
    """Return an aware datetime converted to UTC."""
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def read_time(value: Any, name: str, bad: Bad, *, naive_tz: tzinfo | None = None) -> datetime | None:
    """Parse an ISO 8601 time to aware UTC; a naive time is read in `naive_tz` or refused."""
    if type(value) is str and value.endswith("Z"):
        # Fast path: vendors write UTC times as "...Z", which fromisoformat returns as UTC.
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = _parse_spaced_offset(value.strip())
            if moment is None:
                bad.append((name, msg_not_a_time(value)))
                return None
        if moment.tzinfo is None:
            if naive_tz is None:
                bad.append((name, msg_time_without_zone(value)))
                return None
            moment = moment.replace(tzinfo=naive_tz)
        try:
            return to_utc(moment)
        except (OverflowError, ValueError):
            bad.append((name, msg_not_a_time(value)))
            return None
    bad.append((name, msg_not_a_time(value)))
    return None


def _parse_spaced_offset(text: str) -> datetime | None:
    """Parse "2024-03-01 09:15:00 +0300", a form spreadsheet exports write; None otherwise."""
    for pattern in ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def read_epoch(value: Any, name: str, bad: Bad) -> datetime | None:
    """Parse epoch seconds (Zendesk `generated_timestamp`) to aware UTC."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and isfinite(value) and value >= 0:
        try:
            return _EPOCH + timedelta(seconds=value)
        except OverflowError:
            pass
    bad.append((name, msg_not_a_time(value)))
    return None


def read_minutes(value: Any, name: str, bad: Bad) -> float | None:
    """Parse a duration in minutes (number, or numeric text); null stays null ("not yet")."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            bad.append((name, msg_not_a_number(value)))
            return None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        bad.append((name, msg_not_a_number(value)))
        return None
    if not isfinite(number):
        bad.append((name, msg_not_a_number(value)))
        return None
    if number < 0:
        bad.append((name, msg_negative(value)))
        return None
    return number


def read_count(value: Any, name: str, bad: Bad) -> int | None:
    """Parse a whole count of zero or more (int, integral float, or digits)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        bad.append((name, msg_not_a_count(value)))
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        number = int(value.strip())
    else:
        bad.append((name, msg_not_a_count(value)))
        return None
    if number < 0:
        bad.append((name, msg_not_a_count(value)))
        return None
    return number


def read_id(value: Any, name: str, bad: Bad, *, required: bool = False) -> str | None:
    """Return an id as text (numbers become their digits); refuse other types and long ids."""
    if type(value) is int and 0 <= value < 10 ** 18:  # fast path: the usual numeric id
        return str(value)
    if value is None or value == "":
        if required:
            bad.append((name, msg_missing()))
        return None
    if isinstance(value, bool):
        bad.append((name, msg_bad_id(value)))
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            if required:
                bad.append((name, msg_missing()))
            return None
    else:
        bad.append((name, msg_bad_id(value)))
        return None
    if len(text) > MAX_ID_LENGTH:
        bad.append((name, msg_id_too_long()))
        return None
    return text


def read_text(value: Any, name: str, bad: Bad, *, limit: int | None = None) -> str | None:
    """Return optional text, trimmed; refuse non-text and, with `limit`, over-long text."""
    if value is None:
        return None
    if not isinstance(value, str):
        bad.append((name, msg_not_text(value)))
        return None
    text = value.strip()
    if limit is not None and len(text) > limit:
        bad.append((name, msg_text_too_long(limit)))
        return None
    return text or None


_CATEGORY = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")


def read_category(value: Any, name: str, bad: Bad) -> str | None:
    """Return a `main/sub` category code (scenario-format.md's taxonomy shape), or None."""
    text = read_text(value, name, bad, limit=MAX_ID_LENGTH)
    if text is not None and not _CATEGORY.match(text):
        bad.append((name, f"{show(text)} is not a main/sub category code such as payment/refund"))
        return None
    return text


def read_tags(value: Any, name: str, bad: Bad) -> tuple[str, ...]:
    """Return tags from a JSON list of texts, or from text separated by spaces, commas or ';'."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(t for t in value.replace(";", " ").replace(",", " ").split() if t)
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return tuple(t.strip() for t in value if t.strip())
    bad.append((name, msg_not_text(value)))
    return ()


def read_choice(value: Any, name: str, bad: Bad, mapping: dict[Any, str | None], *,
                required: bool = False, allowed: tuple[str, ...] | None = None) -> str | None:
    """Map a source value through `mapping`; unknown values are a problem naming the choices."""
    if type(value) is str or type(value) is int:
        hit = mapping.get(value, _MISSING)  # fast path: already in the mapping's spelling
        if hit is not _MISSING:
            return hit
    if value is None or value == "":
        if required:
            bad.append((name, msg_missing()))
        return None
    key = value.strip().lower() if isinstance(value, str) else value
    try:
        if isinstance(value, bool):  # True == 1 would otherwise pass as a number code
            raise TypeError
        if key in mapping:
            return mapping[key]
    except TypeError:  # unhashable (a list or object where a word belongs)
        pass
    bad.append((name, msg_unknown_value(value, allowed or tuple(str(k) for k in mapping))))
    return None


_MISSING = object()


def minutes_between(start: datetime | None, end: datetime | None, name: str, bad: Bad,
                    what: str) -> float | None:
    """Return calendar minutes from `start` to `end`; an end before the start is a problem."""
    if start is None or end is None:
        return None
    minutes = (end - start).total_seconds() / 60.0
    if minutes < 0:
        bad.append((name, msg_before_created(what)))
        return None
    return minutes


def problems_for(label: str, bad: Bad, index: int | None, external_id: str | None) -> list[ImportProblem]:
    """Turn a record's collected (field, message) pairs into problems naming the record."""
    return [ImportProblem(label, name, message, index, external_id) for name, message in bad]


class DuplicateGuard:
    """Remember the ids seen in one file and report a repeat with where it was first seen."""

    __slots__ = ("kind", "_seen")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        # id -> position of its first record; ints keep a million ids well under 100 MB.
        self._seen: dict[str, int] = {}

    def check(self, external_id: str, index: int, bad: Bad, name: str = "id") -> None:
        first = self._seen.setdefault(external_id, index)
        if first != index:
            bad.append((name, msg_duplicate(f"{self.kind} {first}")))

    def forget(self) -> None:
        self._seen.clear()
