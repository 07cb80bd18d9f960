"""Normalised help-desk tickets and the links from help-desk agents to Servicecraft people.

Field meanings follow ../shared/specs/metrics.md ("The normalised ticket").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User

SOURCES = ("zendesk", "freshdesk", "zammad", "csv", "normalized")
CHANNELS = ("email", "web", "phone", "chat", "social", "api", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
CSAT_VALUES = ("positive", "neutral", "negative")


class Ticket(db.Model):
    """One help-desk ticket in the normalised form, with the source's raw payload beside it."""

    __tablename__ = "qa_ticket"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_qa_ticket_agent_solved", "agent_id", "solved_at"),
        Index("ix_qa_ticket_source_agent", "source", "agent_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    source_updated_at: Mapped[datetime]
    agent_external_id: Mapped[str | None] = mapped_column(String(64))
    # Denormalised from the agent link so metrics are one indexed aggregate; kept in step
    # whenever a link is made or removed.
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    group_external_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="other")
    priority: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    tags: Mapped[list[str] | None] = mapped_column(JSON)
    ticket_type: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None]
    first_reply_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None] = mapped_column(index=True)
    first_reply_minutes: Mapped[float | None] = mapped_column(Float)
    resolution_minutes: Mapped[float | None] = mapped_column(Float)
    reopens: Mapped[int | None] = mapped_column(Integer)
    agent_replies: Mapped[int | None] = mapped_column(Integer)
    csat: Mapped[str | None] = mapped_column(String(16))
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    agent: Mapped[User | None] = relationship()


class AgentLink(db.Model):
    """A help-desk agent (source, external id) and the Servicecraft person it is, once linked."""

    __tablename__ = "qa_agent_link"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    linked_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
