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


class TicketRating(db.Model):
    """A satisfaction rating given separately from the ticket; it credits the agent it names."""

    __tablename__ = "qa_ticket_rating"
    __table_args__ = (
        UniqueConstraint("source", "ticket_external_id", "rating_key"),
        Index("ix_qa_ticket_rating_ticket", "source", "ticket_external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    ticket_external_id: Mapped[str] = mapped_column(String(64))
    # The source's rating id, or "ticket" when the source gives none (one rating per ticket).
    rating_key: Mapped[str] = mapped_column(String(64))
    agent_external_id: Mapped[str | None] = mapped_column(String(64))
    csat: Mapped[str] = mapped_column(String(16))
    rated_at: Mapped[datetime | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class HelpdeskConnection(db.Model):
    """A configured help desk: where to pull changes from and how its webhooks are signed."""

    __tablename__ = "qa_helpdesk_connection"
    __table_args__ = (UniqueConstraint("source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    base_url: Mapped[str | None] = mapped_column(String(300))
    username: Mapped[str | None] = mapped_column(String(254))
    # Credentials and HMAC secrets must be usable, so they are stored as given (never hashed)
    # and never shown again after they are saved.
    api_token: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(500))
    is_sync_enabled: Mapped[bool] = mapped_column(default=False)
    cursor: Mapped[str | None] = mapped_column(String(500))
    last_sync_at: Mapped[datetime | None]
    last_sync_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_sync_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CategoryRule(db.Model):
    """Map a source tag or ticket type to a category of the request taxonomy (first match wins)."""

    __tablename__ = "qa_category_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str | None] = mapped_column(String(16))  # None: any source
    kind: Mapped[str] = mapped_column(String(16))  # tag, type
    value: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketImport(db.Model):
    """One import run (CLI, upload, API, sync or webhook) and what it did."""

    __tablename__ = "qa_ticket_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    via: Mapped[str] = mapped_column(String(16))  # cli, upload, api, sync, webhook
    filename: Mapped[str | None] = mapped_column(String(300))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    is_refused: Mapped[bool] = mapped_column(default=False)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


class SurveyResponse(db.Model):
    """A customer's post-contact survey answer, attributed to the ticket's agent."""

    __tablename__ = "qa_survey_response"
    __table_args__ = (UniqueConstraint("nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The link's one-time id (or the imported answer's id), so each link is answered once.
    nonce: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("qa_ticket.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    ticket_external_id: Mapped[str] = mapped_column(String(64))
    agent_external_id: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    csat: Mapped[int | None] = mapped_column(Integer)  # 1..5
    nps: Mapped[int | None] = mapped_column(Integer)  # 0..10
    ces: Mapped[int | None] = mapped_column(Integer)  # 1..7
    comment: Mapped[str | None] = mapped_column(String(2000))
    language: Mapped[str | None] = mapped_column(String(8))
    is_imported: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    ticket: Mapped[Ticket | None] = relationship()
