"""Zendesk Support: incremental ticket exports, ticket/metrics lists, ratings, webhook events.

Read (see FORMATS.md): pages of ``GET /api/v2/incremental/tickets.json?include=metric_sets,users``
(time-based: ``end_time``, ``next_page``) and ``/incremental/tickets/cursor.json``
(cursor-based: ``after_cursor``, ``end_of_stream``, a ``metric_set`` inside each ticket),
``GET /api/v2/tickets.json`` with ``GET /api/v2/ticket_metrics.json``,
``GET /api/v2/satisfaction_ratings.json``, and event-webhook bodies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from os import PathLike, fspath
from typing import Any

from qa.tickets.normalize import (
    LABEL_EVENT,
    LABEL_FILE,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    SOLVED_STATUSES,
    STATUSES,
    CategoryHints,
    DeletedTicket,
    DuplicateGuard,
    ImportProblem,
    NormalizedAgent,
    NormalizedRating,
    NormalizedTicket,
    Record,
    TicketEvent,
    label_item,
    label_ticket,
    msg_metrics_after_ticket,
    msg_missing,
    msg_not_an_object,
    msg_not_json,
    msg_unreadable,
    msg_unrecognised,
    msg_wrong_source,
    problems_for,
    read_choice,
    read_count,
    read_epoch,
    read_id,
    read_minutes,
    read_tags,
    read_text,
    read_time,
)

SOURCE = "zendesk"

STATUS = {s: s for s in STATUSES}
PRIORITY = {"low": "low", "normal": "normal", "high": "high", "urgent": "urgent"}
# Zendesk's legacy CSAT: only good/bad are ratings; offered/unoffered mean "not rated yet".
SCORE = {"good": "positive", "bad": "negative", "offered": None, "unoffered": None}
SCORE_NAMES = ("good", "bad", "offered", "unoffered")
# `via.channel` -> our channel. Zendesk keeps adding channels; unknown ones become "other".
CHANNEL = {
    "email": "email", "mail": "email",
    "web": "web", "web_form": "web", "web_widget": "web", "mobile": "web", "mobile_sdk": "web",
    "help_center": "web", "forum": "web", "topic": "web",
    "voice": "phone", "phone": "phone", "phone_call_inbound": "phone", "phone_call_outbound": "phone",
    "voicemail": "phone",
    "chat": "chat", "chat_transcript": "chat", "native_messaging": "chat", "messaging": "chat",
    "sms": "chat", "apple_business_chat": "chat", "google_rcs": "chat",
    "api": "api", "web_service": "api",
    "twitter": "social", "twitter_dm": "social", "facebook": "social", "facebook_post": "social",
    "facebook_message": "social", "instagram_dm": "social", "whatsapp": "social", "line": "social",
    "wechat": "social", "telegram": "social", "viber": "social", "kakaotalk": "social",
}
AGENT_ROLES = frozenset(("agent", "admin"))
_METRIC_KEYS = ("metric_sets", "ticket_metrics")


def channel_of(via: Any) -> str:
    """Map a ticket's `via` object to our channel enum."""
    if isinstance(via, dict):
        name = via.get("channel")
        if isinstance(name, str):
            return CHANNEL.get(name.strip().lower(), "other")
    return "other"


def _calendar(value: Any) -> Any:
    """Return the calendar half of a {calendar, business} pair (a bare number is taken as is)."""
    return value.get("calendar") if isinstance(value, dict) else value


def _ticket_id_of(metric: dict[str, Any]) -> str | None:
    value = metric.get("ticket_id")
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    return str(value).strip() or None


def _flatten(values: Iterable[Any]) -> Iterator[Any]:
    """Yield values, and the items of list values (JSON Lines whose lines are arrays of pages)."""
    for value in values:
        if isinstance(value, list):
            yield from value
        else:
            yield value


class Reader:
    """State shared by the pages of one import: counters, seen ids and metrics from lists."""

    def __init__(self) -> None:
        self.ticket_index = 0
        self.rating_index = 0
        self.page_index = 0
        self.found_anything = False
        self.agents_seen: set[str] = set()
        self.ratings = DuplicateGuard("rating")
        # ticket id -> metric set, from ticket_metrics lists read before their tickets.
        self.listed_metrics: dict[str, dict[str, Any]] = {}
        # ticket id -> index, for tickets yielded without metrics (to catch metrics arriving late).
        self.without_metrics: dict[str, int] = {}

    # -- values and pages -----------------------------------------------------------------
    def read_values(self, values: Iterable[Any]) -> Iterator[Record]:
        first = True
        for value in _flatten(values):
            if first:
                first = False
                from qa.tickets.sources import sniff

                found = sniff(value)
                if found is not None and found != SOURCE:
                    yield ImportProblem(LABEL_FILE, None, msg_wrong_source(SOURCE, found))
                    return
            self.page_index += 1
            if isinstance(value, dict) and ("tickets" in value or "users" in value
                                            or "satisfaction_ratings" in value
                                            or any(key in value for key in _METRIC_KEYS)):
                yield from self.read_page(value)
            elif isinstance(value, dict) and "id" in value:
                # A bare ticket (a JSON array of tickets, or one ticket per line).
                self.found_anything = True
                yield from self.read_ticket(value, {}, set())
            else:
                yield ImportProblem(f"item {self.page_index}", None, msg_not_an_object("Zendesk page or ticket"),
                                    self.page_index)
        if not self.found_anything and not first:
            yield ImportProblem(LABEL_FILE, None, msg_unrecognised(SOURCE))

    def _list(self, page: dict[str, Any], key: str) -> tuple[list[Any], ImportProblem | None]:
        value = page.get(key)
        if value is None:
            return [], None
        if isinstance(value, list):
            return value, None
        return [], ImportProblem(f"page {self.page_index}", key, "is not a list", self.page_index)

    def read_page(self, page: dict[str, Any]) -> Iterator[Record]:
        self.found_anything = True
        tickets, problem = self._list(page, "tickets")
        if problem:
            yield problem
        # Time-based pages sideload `metric_sets`; the metrics list endpoint says `ticket_metrics`.
        page_metrics: dict[str, dict[str, Any]] = {}
        for key in _METRIC_KEYS:
            metrics, problem = self._list(page, key)
            if problem:
                yield problem
            for position, metric in enumerate(metrics, 1):
                ticket_id = _ticket_id_of(metric) if isinstance(metric, dict) else None
                if ticket_id is None:
                    yield ImportProblem(f"page {self.page_index}, {key} {position}", "ticket_id", msg_missing(),
                                        position)
                    continue
                page_metrics[ticket_id] = metric
        if page_metrics and "tickets" not in page:
            # A metrics-only page: keep the metrics for tickets still to come.
            for ticket_id, metric in page_metrics.items():
                late = self.without_metrics.get(ticket_id)
                if late is not None:
                    yield ImportProblem(f"page {self.page_index}, metrics of ticket {ticket_id}", None,
                                        msg_metrics_after_ticket(late), None, ticket_id)
                else:
                    self.listed_metrics[ticket_id] = metric
            page_metrics = {}
        users, problem = self._list(page, "users")
        if problem:
            yield problem
        for user in users:
            yield from self.read_user(user)
        seen_in_page: set[str] = set()
        for ticket in tickets:
            yield from self.read_ticket(ticket, page_metrics, seen_in_page)
        ratings, problem = self._list(page, "satisfaction_ratings")
        if problem:
            yield problem
        for rating in ratings:
            yield from self.read_rating(rating)

    # -- records --------------------------------------------------------------------------
    def read_user(self, user: Any) -> Iterator[Record]:
        if not isinstance(user, dict) or not isinstance(user.get("role"), str) or user["role"] not in AGENT_ROLES:
            return  # requesters are sideloaded too; only agents and admins matter here
        bad: list[tuple[str, str]] = []
        external_id = read_id(user.get("id"), "id", bad, required=True)
        email = read_text(user.get("email"), "email", bad, limit=MAX_EMAIL_LENGTH)
        name = read_text(user.get("name"), "name", bad, limit=MAX_NAME_LENGTH)
        if bad:
            yield from problems_for(f"page {self.page_index}, user" + (f" {external_id}" if external_id else ""),
                                    bad, None, external_id)
            return
        if external_id not in self.agents_seen:
            self.agents_seen.add(external_id)
            yield NormalizedAgent(SOURCE, external_id, email, name)

    def read_ticket(self, ticket: Any, page_metrics: dict[str, dict[str, Any]],
                    seen_in_page: set[str]) -> Iterator[Record]:
        self.ticket_index += 1
        index = self.ticket_index
        if not isinstance(ticket, dict):
            yield ImportProblem(label_ticket(index, None), None, msg_not_an_object("ticket"), index)
            return
        bad: list[tuple[str, str]] = []
        get = ticket.get
        external_id = read_id(get("id"), "id", bad, required=True)
        status_value = get("status")
        if isinstance(status_value, str) and status_value.lower() == "deleted" and external_id:
            yield DeletedTicket(SOURCE, external_id, read_time(get("updated_at"), "updated_at", []))
            return
        status = read_choice(status_value, "status", bad, STATUS, required=True)
        generated = get("generated_timestamp")
        if generated is not None:
            updated_at = read_epoch(generated, "generated_timestamp", bad)
        else:
            updated_at = read_time(get("updated_at"), "updated_at", bad)
            if updated_at is None and get("updated_at") in (None, ""):
                bad.append(("updated_at", msg_missing()))
        created_at = read_time(get("created_at"), "created_at", bad)
        agent = read_id(get("assignee_id"), "assignee_id", bad)
        group = read_id(get("group_id"), "group_id", bad)
        priority = read_choice(get("priority"), "priority", bad, PRIORITY)
        csat = None
        rating = get("satisfaction_rating")
        if isinstance(rating, dict):
            csat = read_choice(rating.get("score"), "satisfaction_rating.score", bad, SCORE, allowed=SCORE_NAMES)
        elif rating is not None:
            bad.append(("satisfaction_rating", msg_not_an_object("satisfaction rating")))
        metric = get("metric_set")
        if metric is None and external_id is not None:
            metric = page_metrics.get(external_id) or self.listed_metrics.pop(external_id, None)
        first_reply = resolution = solved_at = reopens = replies = None
        if isinstance(metric, dict):
            first_reply = read_minutes(_calendar(metric.get("reply_time_in_minutes")),
                                       "metric_set.reply_time_in_minutes.calendar", bad)
            resolution = read_minutes(_calendar(metric.get("full_resolution_time_in_minutes")),
                                      "metric_set.full_resolution_time_in_minutes.calendar", bad)
            solved_at = read_time(metric.get("solved_at"), "metric_set.solved_at", bad)
            reopens = read_count(metric.get("reopens"), "metric_set.reopens", bad)
            replies = read_count(metric.get("replies"), "metric_set.replies", bad)
        elif metric is not None:
            bad.append(("metric_set", msg_not_an_object("metric set")))
        elif status in SOLVED_STATUSES:
            bad.append(("metric_set", "the ticket is solved but the export has no metrics for it; "
                                      "export with include=metric_sets (or add the ticket_metrics list)"))
        elif external_id is not None:
            self.without_metrics[external_id] = index
        tags = read_tags(get("tags"), "tags", bad)
        kind = read_text(get("type"), "type", bad)
        subject = read_text(get("subject"), "subject", bad)
        if external_id is not None:
            # Time-based exports may repeat a ticket on the next page (Zendesk documents it);
            # both versions pass and the newer wins in the database. Within a page it is an error.
            if external_id in seen_in_page:
                bad.append(("id", "the same ticket appears twice in one page"))
            seen_in_page.add(external_id)
        if bad:
            yield from problems_for(label_ticket(index, external_id), bad, index, external_id)
            return
        first_reply_at = created_at + timedelta(minutes=first_reply) if created_at and first_reply is not None else None
        yield NormalizedTicket(
            SOURCE, external_id, updated_at, agent, group, channel_of(get("via")), priority, status, None,
            created_at, first_reply_at, solved_at, first_reply, resolution, reopens, replies, csat, ticket,
            CategoryHints(tags, kind, subject),
        )

    def read_rating(self, rating: Any) -> Iterator[Record]:
        self.rating_index += 1
        index = self.rating_index
        if not isinstance(rating, dict):
            yield ImportProblem(label_item("rating", index, None), None, msg_not_an_object("rating"), index)
            return
        bad: list[tuple[str, str]] = []
        external_id = read_id(rating.get("id"), "id", bad)
        ticket_id = read_id(rating.get("ticket_id"), "ticket_id", bad, required=True)
        agent = read_id(rating.get("assignee_id"), "assignee_id", bad)
        csat = read_choice(rating.get("score"), "score", bad, SCORE, required=True, allowed=SCORE_NAMES)
        rated_at = read_time(rating.get("updated_at") or rating.get("created_at"), "updated_at", bad)
        if external_id is not None:
            self.ratings.check(external_id, index, bad)
        if bad:
            yield from problems_for(label_item("rating", index, external_id), bad, index, external_id)
        elif csat is not None:  # offered/unoffered: asked but not answered
            yield NormalizedRating(SOURCE, ticket_id, agent, csat, rated_at, external_id)


def read_values(values: Iterable[Any], *, context: Reader | None = None) -> Iterator[Record]:
    """Yield the records of Zendesk pages (or bare tickets), one value at a time."""
    yield from (context or Reader()).read_values(values)


def _is_metrics_file(path: Any) -> bool:
    """Tell whether a file's first page is a ticket_metrics list (reads one page only)."""
    if not isinstance(path, (str, PathLike, bytes, bytearray)):
        return False
    from qa.tickets.sources._stream import JsonValues, open_input, text_chunks

    try:
        with open_input(path) as stream:
            first = next(iter(JsonValues(text_chunks(stream))), None)
    except Exception:  # noqa: BLE001 - a broken file is reported by the real pass
        return False
    return isinstance(first, dict) and "tickets" not in first and any(key in first for key in _METRIC_KEYS)


def read_files(paths: list[Any], iter_json: Callable[..., Iterator[Record]]) -> Iterator[Record]:
    """Yield the records of several Zendesk files, reading ticket_metrics lists first."""
    from qa.tickets.sources._stream import open_input

    reader = Reader()
    metrics_first = sorted(paths, key=lambda path: not _is_metrics_file(path))
    for path in metrics_first:
        name = fspath(path) if isinstance(path, (str, PathLike)) else None
        try:
            with open_input(path) as stream:
                for record in iter_json(SOURCE, stream, context=reader):
                    yield replace(record, file=name) if name and isinstance(record, ImportProblem) else record
        except OSError as error:
            yield ImportProblem(LABEL_FILE, None, msg_unreadable(error.strerror or error), file=name)


# ---------------------------------------------------------------------------------------------
# Webhooks. Event payloads (`zen:event-type:ticket.*`) carry ids as strings and upper-case
# enums in `detail`, and no metrics: an event updates status and assignee only.
# ---------------------------------------------------------------------------------------------

EVENT_STATUS = {s: s for s in STATUSES} | {"on-hold": "hold", "on_hold": "hold"}


def read_event(payload: Any) -> Iterator[Record]:
    """Yield the TicketEvent (or DeletedTicket) of one webhook event payload."""
    label = LABEL_EVENT
    if not isinstance(payload, dict) or not isinstance(payload.get("detail"), dict):
        yield ImportProblem(label, "detail", msg_not_an_object("ticket event"))
        return
    detail = payload["detail"]
    bad: list[tuple[str, str]] = []
    external_id = read_id(detail.get("id"), "detail.id", bad, required=True)
    occurred_at = read_time(payload.get("time") or detail.get("updated_at"), "time", bad)
    if occurred_at is None and not bad:
        bad.append(("time", msg_missing()))
    status_value = detail.get("status")
    if isinstance(status_value, str) and status_value.lower() == "deleted" and external_id:
        yield DeletedTicket(SOURCE, external_id, occurred_at)
        return
    status = read_choice(status_value, "detail.status", bad, EVENT_STATUS)
    assignee = detail.get("assignee_id")
    # Event ids are strings; "0" or null mean nobody is assigned.
    agent = None if assignee in (None, "", "0", 0) else read_id(assignee, "detail.assignee_id", bad)
    group_value = detail.get("group_id")
    group = None if group_value in (None, "", "0", 0) else read_id(group_value, "detail.group_id", bad)
    if bad:
        yield from problems_for(label, bad, None, external_id)
        return
    yield TicketEvent(SOURCE, external_id, occurred_at, status, agent, group, payload)


def read_event_body(body: bytes | str) -> Iterator[Record]:
    """Parse a webhook request body and yield its event."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        yield ImportProblem(LABEL_EVENT, None, msg_not_json(str(error)))
        return
    yield from read_event(payload)
