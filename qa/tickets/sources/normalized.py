"""Servicecraft's own JSON ticket format, for the API (`source=normalized`) and webhooks.

The fields are those of the normalised ticket (metrics.md) under the same names; see
FORMATS.md for the full shape. It is strict on purpose: an unknown field is refused rather
than ignored, so a misspelt `solved_at` cannot quietly leave tickets out of the metrics.
Every time must carry its time zone (Z or an offset).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from qa.tickets.normalize import (
    CHANNELS,
    CSAT_VALUES,
    LABEL_FILE,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    PRIORITIES,
    STATUSES,
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
    msg_missing,
    msg_not_an_object,
    msg_unknown_field,
    msg_unrecognised,
    msg_wrong_source,
    problems_for,
    read_category,
    read_choice,
    read_count,
    read_id,
    read_minutes,
    read_tags,
    read_text,
    read_time,
    show,
)

SOURCE = "normalized"

TICKET_FIELDS = frozenset((
    "source", "external_id", "source_updated_at", "agent_external_id", "agent", "group_external_id",
    "channel", "priority", "status", "category", "created_at", "first_reply_at", "solved_at",
    "first_reply_minutes", "resolution_minutes", "reopens", "agent_replies", "csat", "tags", "type", "subject",
))
AGENT_FIELDS = frozenset(("external_id", "email", "name"))
RATING_FIELDS = frozenset(("external_id", "ticket_external_id", "agent_external_id", "csat", "rated_at"))
BUNDLE_FIELDS = frozenset(("tickets", "agents", "ratings", "sent_at"))


def _same(values: Iterable[str]) -> dict[str, str]:
    return {value: value for value in values}


STATUS, CHANNEL, PRIORITY, CSAT = _same(STATUSES), _same(CHANNELS), _same(PRIORITIES), _same(CSAT_VALUES)


class Reader:
    """State of one import: counters and ids seen per kind of record."""

    def __init__(self) -> None:
        self.index = {"ticket": 0, "agent": 0, "rating": 0}
        self.guards = {kind: DuplicateGuard(kind) for kind in self.index}
        self.agents_seen: set[str] = set()
        self.found_anything = False

    def read_values(self, values: Iterable[Any]) -> Iterator[Record]:
        first = True
        for position, value in enumerate(values, 1):
            if first:
                first = False
                from qa.tickets.sources import sniff

                found = sniff(value)
                if found is not None and found != SOURCE:
                    yield ImportProblem(LABEL_FILE, None, msg_wrong_source(SOURCE, found))
                    return
            if isinstance(value, dict) and "external_id" in value and "sent_at" in value:
                # A webhook may send one ticket with the signed `sent_at` beside its fields.
                value = {key: item for key, item in value.items() if key != "sent_at"}
            if isinstance(value, dict) and "external_id" not in value and value.keys() & BUNDLE_FIELDS:
                yield from self.read_bundle(value, position)
            elif isinstance(value, list):
                for item in value:
                    yield from self.read_ticket(item)
            else:
                yield from self.read_ticket(value)
        if not self.found_anything and not first:
            yield ImportProblem(LABEL_FILE, None, msg_unrecognised(SOURCE))

    def read_bundle(self, bundle: dict[str, Any], position: int) -> Iterator[Record]:
        self.found_anything = True
        for key in bundle.keys() - BUNDLE_FIELDS:
            yield ImportProblem(f"item {position}", key, msg_unknown_field(key), position)
        for key, reader in (("agents", self.read_agent), ("tickets", self.read_ticket),
                            ("ratings", self.read_rating)):
            items = bundle.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                yield ImportProblem(f"item {position}", key, "is not a list", position)
                continue
            for item in items:
                yield from reader(item)

    def _start(self, kind: str, item: Any, fields: frozenset[str]) -> tuple[int, list[tuple[str, str]]] | ImportProblem:
        self.index[kind] += 1
        index = self.index[kind]
        if not isinstance(item, dict):
            return ImportProblem(label_item(kind, index, None), None, msg_not_an_object(kind), index)
        self.found_anything = True
        bad = [(key, msg_unknown_field(key)) for key in item.keys() - fields]
        return index, bad

    def read_agent(self, item: Any) -> Iterator[Record]:
        started = self._start("agent", item, AGENT_FIELDS)
        if isinstance(started, ImportProblem):
            yield started
            return
        index, bad = started
        external_id = read_id(item.get("external_id"), "external_id", bad, required=True)
        email = read_text(item.get("email"), "email", bad, limit=MAX_EMAIL_LENGTH)
        name = read_text(item.get("name"), "name", bad, limit=MAX_NAME_LENGTH)
        if bad:
            yield from problems_for(label_item("agent", index, external_id), bad, index, external_id)
        elif external_id not in self.agents_seen:
            self.agents_seen.add(external_id)
            yield NormalizedAgent(SOURCE, external_id, email, name)

    def read_ticket(self, item: Any) -> Iterator[Record]:
        started = self._start("ticket", item, TICKET_FIELDS)
        if isinstance(started, ImportProblem):
            yield started
            return
        index, bad = started
        get = item.get
        source = get("source")
        if source not in (None, SOURCE):
            bad.append(("source", f"{show(source)} must be \"normalized\" or left out"))
        external_id = read_id(get("external_id"), "external_id", bad, required=True)
        updated_at = read_time(get("source_updated_at"), "source_updated_at", bad)
        if updated_at is None and get("source_updated_at") in (None, ""):
            bad.append(("source_updated_at", msg_missing()))
        agent_value = get("agent")
        agent = read_id(get("agent_external_id"), "agent_external_id", bad)
        agent_record: dict[str, Any] | None = None
        if agent_value is not None:
            if not isinstance(agent_value, dict):
                bad.append(("agent", msg_not_an_object("agent")))
            else:
                agent_record = agent_value
                nested_id = read_id(agent_value.get("external_id"), "agent.external_id", bad, required=True)
                if agent is not None and nested_id is not None and nested_id != agent:
                    bad.append(("agent.external_id", "differs from agent_external_id"))
                agent = agent or nested_id
        group = read_id(get("group_external_id"), "group_external_id", bad)
        channel = read_choice(get("channel"), "channel", bad, CHANNEL, allowed=CHANNELS) or "other"
        priority = read_choice(get("priority"), "priority", bad, PRIORITY, allowed=PRIORITIES)
        status = read_choice(get("status"), "status", bad, STATUS, required=True, allowed=STATUSES)
        category = read_category(get("category"), "category", bad)
        created_at = read_time(get("created_at"), "created_at", bad)
        first_reply_at = read_time(get("first_reply_at"), "first_reply_at", bad)
        solved_at = read_time(get("solved_at"), "solved_at", bad)
        first_reply = read_minutes(get("first_reply_minutes"), "first_reply_minutes", bad)
        if first_reply is None and get("first_reply_minutes") is None:
            first_reply = minutes_between(created_at, first_reply_at, "first_reply_at", bad, "the first reply")
        resolution = read_minutes(get("resolution_minutes"), "resolution_minutes", bad)
        if resolution is None and get("resolution_minutes") is None:
            resolution = minutes_between(created_at, solved_at, "solved_at", bad, "the solve time")
        reopens = read_count(get("reopens"), "reopens", bad)
        replies = read_count(get("agent_replies"), "agent_replies", bad)
        csat = read_choice(get("csat"), "csat", bad, CSAT, allowed=CSAT_VALUES)
        tags = read_tags(get("tags"), "tags", bad)
        kind = read_text(get("type"), "type", bad)
        subject = read_text(get("subject"), "subject", bad)
        if external_id is not None:
            self.guards["ticket"].check(external_id, index, bad, "external_id")
        if bad:
            yield from problems_for(label_ticket(index, external_id), bad, index, external_id)
            return
        if agent_record is not None:
            yield from self.read_agent(agent_record)
        yield NormalizedTicket(
            SOURCE, external_id, updated_at, agent, group, channel, priority, status, category, created_at,
            first_reply_at, solved_at, first_reply, resolution, reopens, replies, csat, item,
            CategoryHints(tags, kind, subject),
        )

    def read_rating(self, item: Any) -> Iterator[Record]:
        started = self._start("rating", item, RATING_FIELDS)
        if isinstance(started, ImportProblem):
            yield started
            return
        index, bad = started
        external_id = read_id(item.get("external_id"), "external_id", bad)
        ticket_id = read_id(item.get("ticket_external_id"), "ticket_external_id", bad, required=True)
        agent = read_id(item.get("agent_external_id"), "agent_external_id", bad)
        csat = read_choice(item.get("csat"), "csat", bad, CSAT, required=True, allowed=CSAT_VALUES)
        rated_at = read_time(item.get("rated_at"), "rated_at", bad)
        if external_id is not None:
            self.guards["rating"].check(external_id, index, bad, "external_id")
        if bad:
            yield from problems_for(label_item("rating", index, external_id), bad, index, external_id)
            return
        yield NormalizedRating(SOURCE, ticket_id, agent, csat, rated_at, external_id)


def read_values(values: Iterable[Any]) -> Iterator[Record]:
    """Yield the records of normalised JSON values (bundles, ticket lists or single tickets)."""
    yield from Reader().read_values(values)
