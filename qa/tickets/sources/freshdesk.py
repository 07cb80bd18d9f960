"""Freshdesk API v2: tickets (with `include=stats`), satisfaction ratings and agents.

Read (see FORMATS.md): the JSON arrays returned by ``GET /api/v2/tickets?include=stats``,
``GET /api/v2/surveys/satisfaction_ratings`` and ``GET /api/v2/agents``, in one file or
several, or one object ``{"tickets": [...], "satisfaction_ratings": [...], "agents": [...]}``.
Each element is recognised by its keys, so the three lists may be mixed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from qa.tickets.normalize import (
    LABEL_FILE,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    SOLVED_STATUSES,
    CategoryHints,
    DuplicateGuard,
    ImportProblem,
    NormalizedAgent,
    NormalizedRating,
    NormalizedTicket,
    Record,
    label_item,
    label_ticket,
    minutes_between,
    msg_closed_without_time,
    msg_missing,
    msg_needs_stats,
    msg_not_an_object,
    msg_unrecognised,
    msg_wrong_source,
    problems_for,
    read_choice,
    read_id,
    read_tags,
    read_text,
    read_time,
    show,
)

SOURCE = "freshdesk"

STATUS = {2: "open", 3: "pending", 4: "solved", 5: "closed"}
STATUS_NAMES = ("2 (open)", "3 (pending)", "4 (resolved)", "5 (closed)")
PRIORITY = {1: "low", 2: "normal", 3: "high", 4: "urgent"}
PRIORITY_NAMES = ("1 (low)", "2 (medium)", "3 (high)", "4 (urgent)")
# `source`: 1 email, 2 portal, 3 phone, 7 chat, 9 feedback widget, 10 outbound email; the
# older 4 forum, 5 Twitter, 6 Facebook, 8 MobiHub are still found in old tickets.
CHANNEL = {1: "email", 2: "web", 3: "phone", 4: "web", 5: "social", 6: "social", 7: "chat", 8: "web",
           9: "web", 10: "email"}
BUNDLE_KEYS = ("agents", "tickets", "satisfaction_ratings")  # agents first, so links exist early


def csat_of(value: Any) -> str | None:
    """Map a `default_question` answer: above 100 positive, 100 neutral, below 100 negative."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value > 100:
        return "positive"
    return "neutral" if value == 100 else "negative"


def _kind(item: dict[str, Any]) -> str:
    if "ratings" in item and ("survey_id" in item or "ticket_id" in item):
        return "rating"
    if isinstance(item.get("contact"), dict):
        return "agent"
    return "ticket"


class Reader:
    """State of one import: counters and ids seen, per kind of record."""

    def __init__(self) -> None:
        self.index = {"ticket": 0, "rating": 0, "agent": 0}
        self.guards = {"ticket": DuplicateGuard("ticket"), "rating": DuplicateGuard("rating"),
                       "agent": DuplicateGuard("agent")}
        self.found_anything = False

    def read_values(self, values: Iterable[Any]) -> Iterator[Record]:
        first = True
        position = 0
        for value in values:
            position += 1
            if first:
                first = False
                from qa.tickets.sources import sniff

                found = sniff(value)
                if found is not None and found != SOURCE:
                    yield ImportProblem(LABEL_FILE, None, msg_wrong_source(SOURCE, found))
                    return
            if isinstance(value, dict) and any(key in value for key in BUNDLE_KEYS) and "id" not in value:
                for key in BUNDLE_KEYS:
                    items = value.get(key)
                    if items is None:
                        continue
                    if not isinstance(items, list):
                        yield ImportProblem(f"item {position}", key, "is not a list", position)
                        continue
                    for item in items:
                        yield from self.read_item(item)
            elif isinstance(value, list):  # JSON Lines, one API page (an array) per line
                for item in value:
                    yield from self.read_item(item)
            else:
                yield from self.read_item(value)
        if not self.found_anything and not first:
            yield ImportProblem(LABEL_FILE, None, msg_unrecognised(SOURCE))

    def read_item(self, item: Any) -> Iterator[Record]:
        if not isinstance(item, dict):
            self.index["ticket"] += 1
            index = self.index["ticket"]
            yield ImportProblem(label_ticket(index, None), None, msg_not_an_object("ticket, rating or agent"), index)
            return
        self.found_anything = True
        kind = _kind(item)
        self.index[kind] += 1
        index = self.index[kind]
        if kind == "rating":
            yield from self.read_rating(item, index)
        elif kind == "agent":
            yield from self.read_agent(item, index)
        else:
            yield from self.read_ticket(item, index)

    def read_ticket(self, ticket: dict[str, Any], index: int) -> Iterator[Record]:
        bad: list[tuple[str, str]] = []
        get = ticket.get
        external_id = read_id(get("id"), "id", bad, required=True)
        status = read_choice(get("status"), "status", bad, STATUS, required=True, allowed=STATUS_NAMES)
        updated_at = read_time(get("updated_at"), "updated_at", bad)
        if updated_at is None and get("updated_at") in (None, ""):
            bad.append(("updated_at", msg_missing()))
        created_at = read_time(get("created_at"), "created_at", bad)
        agent = read_id(get("responder_id"), "responder_id", bad)
        group = read_id(get("group_id"), "group_id", bad)
        priority = read_choice(get("priority"), "priority", bad, PRIORITY, allowed=PRIORITY_NAMES)
        source_value = get("source")
        channel = CHANNEL.get(source_value, "other") if isinstance(source_value, int) else "other"
        stats = get("stats")
        first_reply_at = solved_at = None
        reopens = None
        if isinstance(stats, dict):
            first_reply_at = read_time(stats.get("first_responded_at"), "stats.first_responded_at", bad)
            resolved_at = read_time(stats.get("resolved_at"), "stats.resolved_at", bad)
            closed_at = read_time(stats.get("closed_at"), "stats.closed_at", bad)
            reopened_at = read_time(stats.get("reopened_at"), "stats.reopened_at", bad)
            solved_at = resolved_at or closed_at
            reopens = 1 if reopened_at is not None else 0
            if solved_at is None and status in SOLVED_STATUSES and not bad:
                bad.append(("stats.resolved_at", msg_closed_without_time()))
        elif stats is not None:
            bad.append(("stats", msg_not_an_object("stats")))
        elif status in SOLVED_STATUSES:
            bad.append(("stats", msg_needs_stats()))
        # A reopened ticket keeps its earlier resolved_at; its open status keeps it out of the metrics.
        first_reply = minutes_between(created_at, first_reply_at, "stats.first_responded_at", bad, "the first response")
        resolution = minutes_between(created_at, solved_at, "stats.resolved_at", bad, "the resolution")
        tags = read_tags(get("tags"), "tags", bad)
        kind = read_text(get("type"), "type", bad)
        subject = read_text(get("subject"), "subject", bad)
        if external_id is not None:
            self.guards["ticket"].check(external_id, index, bad)
        if bad:
            yield from problems_for(label_ticket(index, external_id), bad, index, external_id)
            return
        yield NormalizedTicket(
            SOURCE, external_id, updated_at, agent, group, channel, priority, status, None,
            created_at, first_reply_at, solved_at, first_reply, resolution, reopens, None, None, ticket,
            CategoryHints(tags, kind, subject),
        )

    def read_rating(self, rating: dict[str, Any], index: int) -> Iterator[Record]:
        bad: list[tuple[str, str]] = []
        external_id = read_id(rating.get("id"), "id", bad)
        ticket_id = read_id(rating.get("ticket_id"), "ticket_id", bad, required=True)
        agent = read_id(rating.get("agent_id"), "agent_id", bad)
        ratings = rating.get("ratings")
        csat = None
        if not isinstance(ratings, dict):
            bad.append(("ratings", msg_not_an_object("ratings")))
        else:
            answer = ratings.get("default_question")
            csat = csat_of(answer)
            if csat is None:
                bad.append(("ratings.default_question",
                            msg_missing() if answer is None else f"{show(answer)} is not a rating number"))
        rated_at = read_time(rating.get("created_at"), "created_at", bad)
        if external_id is not None:
            self.guards["rating"].check(external_id, index, bad)
        if bad:
            yield from problems_for(label_item("rating", index, external_id), bad, index, external_id)
            return
        yield NormalizedRating(SOURCE, ticket_id, agent, csat, rated_at, external_id)

    def read_agent(self, agent: dict[str, Any], index: int) -> Iterator[Record]:
        bad: list[tuple[str, str]] = []
        external_id = read_id(agent.get("id"), "id", bad, required=True)
        contact = agent["contact"]
        email = read_text(contact.get("email"), "contact.email", bad, limit=MAX_EMAIL_LENGTH)
        name = read_text(contact.get("name"), "contact.name", bad, limit=MAX_NAME_LENGTH)
        if external_id is not None:
            self.guards["agent"].check(external_id, index, bad)
        if bad:
            yield from problems_for(label_item("agent", index, external_id), bad, index, external_id)
            return
        yield NormalizedAgent(SOURCE, external_id, email, name)


def read_values(values: Iterable[Any]) -> Iterator[Record]:
    """Yield the records of Freshdesk lists, one JSON value at a time."""
    yield from Reader().read_values(values)
