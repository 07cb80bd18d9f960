"""Zammad: tickets from ``GET /api/v1/tickets?expand=true`` (a JSON array, page by page).

`expand=true` adds the names (`state`, `priority`, `owner` login, `group`,
`create_article_type`) beside the numeric ids; the state name is needed. Zammad's
`*_in_min` fields are business minutes under an SLA, so calendar minutes are computed from
`created_at`, `first_response_at` and `close_at`. Owner id 1 is Zammad's "nobody".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from qa.tickets.normalize import (
    LABEL_FILE,
    MAX_EMAIL_LENGTH,
    PRIORITIES,
    CategoryHints,
    DeletedTicket,
    DuplicateGuard,
    ImportProblem,
    NormalizedAgent,
    NormalizedTicket,
    Record,
    label_ticket,
    minutes_between,
    msg_closed_without_time,
    msg_missing,
    msg_needs_expand,
    msg_not_an_object,
    msg_unrecognised,
    msg_wrong_source,
    problems_for,
    read_choice,
    read_id,
    read_tags,
    read_text,
    read_time,
)

SOURCE = "zammad"
UNASSIGNED_OWNER = "1"

# Zammad's built-in states. "merged" is closed but not a solve; "removed" is a deletion.
STATUS = {"new": "new", "open": "open", "pending reminder": "pending", "pending close": "pending",
          "closed": "closed", "merged": "closed", "removed": "deleted"}
CHANNEL = {
    "email": "email", "web": "web", "phone": "phone", "chat": "chat", "sms": "chat",
    "twitter status": "social", "twitter direct-message": "social", "facebook feed post": "social",
    "facebook feed comment": "social", "telegram personal-message": "social", "whatsapp message": "social",
}


def priority_of(value: Any) -> str | None:
    """Map "2 normal" style names to our priority; custom priorities become None."""
    if not isinstance(value, str):
        return None
    word = value.strip().lstrip("0123456789").strip().lower()
    return word if word in PRIORITIES else None


def channel_of(value: Any) -> str:
    """Map `create_article_type` (e.g. "email", "phone", "twitter status") to our channel."""
    return CHANNEL.get(value.strip().lower(), "other") if isinstance(value, str) else "other"


class Reader:
    """State of one import: the ticket counter, ids seen and owners already reported."""

    def __init__(self) -> None:
        self.index = 0
        self.guard = DuplicateGuard("ticket")
        self.owners_seen: set[str] = set()
        self.found_anything = False

    def read_values(self, values: Iterable[Any]) -> Iterator[Record]:
        first = True
        for value in values:
            if first:
                first = False
                from qa.tickets.sources import sniff

                found = sniff(value)
                if found is not None and found != SOURCE:
                    yield ImportProblem(LABEL_FILE, None, msg_wrong_source(SOURCE, found))
                    return
            items = value if isinstance(value, list) else [value]  # JSON Lines of pages or of tickets
            for item in items:
                yield from self.read_ticket(item)
        if not self.found_anything and not first:
            yield ImportProblem(LABEL_FILE, None, msg_unrecognised(SOURCE))

    def read_ticket(self, ticket: Any) -> Iterator[Record]:
        self.index += 1
        index = self.index
        if not isinstance(ticket, dict):
            yield ImportProblem(label_ticket(index, None), None, msg_not_an_object("ticket"), index)
            return
        self.found_anything = True
        bad: list[tuple[str, str]] = []
        get = ticket.get
        external_id = read_id(get("id"), "id", bad, required=True)
        state = get("state")
        if state is None and "state_id" in ticket:
            bad.append(("state", msg_needs_expand()))
            status = None
        else:
            status = read_choice(state, "state", bad, STATUS, required=True)
        if status == "deleted" and external_id:
            yield DeletedTicket(SOURCE, external_id, read_time(get("updated_at"), "updated_at", []))
            return
        updated_at = read_time(get("updated_at"), "updated_at", bad)
        if updated_at is None and get("updated_at") in (None, ""):
            bad.append(("updated_at", msg_missing()))
        created_at = read_time(get("created_at"), "created_at", bad)
        owner = read_id(get("owner_id"), "owner_id", bad)
        if owner == UNASSIGNED_OWNER:
            owner = None
        group = read_id(get("group_id"), "group_id", bad)
        first_reply_at = read_time(get("first_response_at"), "first_response_at", bad)
        close_at = read_time(get("close_at"), "close_at", bad)
        is_merged = isinstance(state, str) and state.strip().lower() == "merged"
        solved_at = None if is_merged else close_at
        if status == "closed" and not is_merged and close_at is None and get("close_at") in (None, ""):
            bad.append(("close_at", msg_closed_without_time()))
        first_reply = minutes_between(created_at, first_reply_at, "first_response_at", bad, "the first response")
        resolution = minutes_between(created_at, solved_at, "close_at", bad, "the close time")
        login = read_text(get("owner"), "owner", bad, limit=MAX_EMAIL_LENGTH)
        tags = read_tags(get("tags"), "tags", bad)
        kind = read_text(get("type"), "type", bad)
        subject = read_text(get("title"), "title", bad)
        if external_id is not None:
            self.guard.check(external_id, index, bad)
        if bad:
            yield from problems_for(label_ticket(index, external_id), bad, index, external_id)
            return
        if owner is not None and owner not in self.owners_seen:
            self.owners_seen.add(owner)
            # Zammad logins are usually e-mail addresses; expand=true gives no agent name.
            yield NormalizedAgent(SOURCE, owner, login if login and "@" in login else None, None)
        yield NormalizedTicket(
            SOURCE, external_id, updated_at, owner, group, channel_of(get("create_article_type")),
            priority_of(get("priority")), status, None, created_at, first_reply_at, solved_at, first_reply,
            resolution, None, None, None, ticket, CategoryHints(tags, kind, subject),
        )


def read_values(values: Iterable[Any]) -> Iterator[Record]:
    """Yield the records of Zammad ticket lists, one JSON value at a time."""
    yield from Reader().read_values(values)
