"""Draw ticket-review samples (pure Python: no Flask, no database).

A rule picks candidate tickets; a seeded ``random.Random`` then draws from the candidates'
ids in ascending order, so the same tickets, rule, parameters and seed always give the same
sample on SQLite and PostgreSQL alike (``ORDER BY RANDOM()`` would not). A ticket is never
drawn twice in one sample.

Rules:

* ``random``: ``per_agent`` tickets per agent per ISO week of the solve date.
* ``low_csat``: tickets rated ``negative``.
* ``reopened``: tickets with ``reopens > 0``.
* ``slow``: first reply over ``first_reply_minutes`` (default 1440, the 24-hour rule) or
  resolution over ``resolution_hours`` (default 72) hours.
* ``category``: tickets of one request ``category``.

Every rule but ``random`` takes an optional ``limit``: draw that many of the matching tickets
at random (all of them when not set).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from servicecraft.messages import _

RULES = ("random", "low_csat", "reopened", "slow", "category")
DEFAULT_FIRST_REPLY_MINUTES = 1440
DEFAULT_RESOLUTION_HOURS = 72


@dataclass(frozen=True)
class Candidate:
    """What the rules need to know about one solved ticket."""

    id: int
    agent_id: int | None
    solved_on: date | None          # the solve date in the deployment's time zone
    csat: str | None = None
    reopens: int | None = None
    first_reply_minutes: float | None = None
    resolution_minutes: float | None = None
    category: str | None = None


class SamplingError(ValueError):
    """The rule or its parameters are wrong; ``problems`` maps a field to its message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))


def _positive_int(params: Mapping, key: str, problems: dict, *, required: bool, default=None):
    value = params.get(key)
    if value in (None, ""):
        if required:
            problems[key] = _("Give a whole number of 1 or more.")
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 1:
        problems[key] = _("Give a whole number of 1 or more.")
        return default
    return int(value)


def check_params(rule: str, params: Mapping) -> dict:
    """Return the rule's parameters, normalised; raise SamplingError naming each bad one."""
    problems: dict[str, str] = {}
    if rule not in RULES:
        raise SamplingError({"rule": _("Choose one of the sampling rules.")})
    clean: dict = {}
    if rule == "random":
        clean["per_agent"] = _positive_int(params, "per_agent", problems, required=True)
    else:
        limit = _positive_int(params, "limit", problems, required=False)
        if limit is not None:
            clean["limit"] = limit
    if rule == "slow":
        clean["first_reply_minutes"] = _positive_int(params, "first_reply_minutes", problems, required=False,
                                                     default=DEFAULT_FIRST_REPLY_MINUTES)
        clean["resolution_hours"] = _positive_int(params, "resolution_hours", problems, required=False,
                                                  default=DEFAULT_RESOLUTION_HOURS)
    if rule == "category":
        category = str(params.get("category") or "").strip()
        if not category:
            problems["category"] = _("Choose the category to review.")
        clean["category"] = category
    if problems:
        raise SamplingError(problems)
    return clean


def matches(rule: str, params: Mapping, ticket: Candidate) -> bool:
    """Tell whether *ticket* is a candidate of a filtering rule (every ticket is, for random)."""
    if rule == "low_csat":
        return ticket.csat == "negative"
    if rule == "reopened":
        return (ticket.reopens or 0) > 0
    if rule == "slow":
        first = ticket.first_reply_minutes
        resolution = ticket.resolution_minutes
        return (first is not None and first > params["first_reply_minutes"]) or (
            resolution is not None and resolution > params["resolution_hours"] * 60)
    if rule == "category":
        return ticket.category == params["category"]
    return True


def week_of(day: date) -> str:
    """Return the ISO week a date falls in, e.g. ``2026-W07``."""
    year, week, _weekday = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def draw(rule: str, params: Mapping, seed: int, tickets: Iterable[Candidate]) -> list[int]:
    """Return the ids of the drawn tickets, ascending; the same input always draws the same."""
    params = check_params(rule, params)
    rng = random.Random(seed)
    unique: dict[int, Candidate] = {}
    for ticket in tickets:
        if ticket.agent_id is not None and ticket.solved_on is not None:
            unique.setdefault(ticket.id, ticket)
    candidates = [unique[i] for i in sorted(unique) if matches(rule, params, unique[i])]
    if rule == "random":
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for ticket in candidates:
            groups[(ticket.agent_id, week_of(ticket.solved_on))].append(ticket.id)
        chosen: list[int] = []
        for key in sorted(groups):
            ids = groups[key]
            chosen.extend(rng.sample(ids, min(params["per_agent"], len(ids))))
        return sorted(chosen)
    ids = [ticket.id for ticket in candidates]
    limit = params.get("limit")
    if limit is not None and limit < len(ids):
        ids = rng.sample(ids, limit)
    return sorted(ids)


__all__ = ["RULES", "Candidate", "SamplingError", "check_params", "draw", "matches", "week_of"]
