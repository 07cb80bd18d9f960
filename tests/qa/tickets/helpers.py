"""Shared helpers for the ticket import tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from qa.tickets.normalize import (
    DeletedTicket,
    ImportProblem,
    NormalizedAgent,
    NormalizedRating,
    NormalizedTicket,
    Record,
)

FIXTURES = Path(__file__).parent / "fixtures"
UTC = timezone.utc


def fixture(name: str) -> Path:
    return FIXTURES / name


def utc(text: str) -> datetime:
    """Return an aware UTC datetime from "2024-03-04T08:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Split:
    """Records of one read, sorted by kind."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.all = list(records)
        self.tickets = [r for r in self.all if isinstance(r, NormalizedTicket)]
        self.agents = [r for r in self.all if isinstance(r, NormalizedAgent)]
        self.ratings = [r for r in self.all if isinstance(r, NormalizedRating)]
        self.deleted = [r for r in self.all if isinstance(r, DeletedTicket)]
        self.problems = [r for r in self.all if isinstance(r, ImportProblem)]

    def ticket(self, external_id: str) -> NormalizedTicket:
        return next(t for t in self.tickets if t.external_id == external_id)

    def problem_texts(self) -> list[str]:
        return [str(p) for p in self.problems]


def fields(ticket: NormalizedTicket) -> dict:
    """Return the metrics.md fields of a ticket as a dict (no raw payload)."""
    names = ("source", "external_id", "source_updated_at", "agent_external_id", "group_external_id", "channel",
             "priority", "status", "category", "created_at", "first_reply_at", "solved_at", "first_reply_minutes",
             "resolution_minutes", "reopens", "agent_replies", "csat")
    return {name: getattr(ticket, name) for name in names}
