"""Ticket-review samples: a named draw of imported tickets, each item assigned to a reviewer.

A sample keeps its rule, parameters, period and seed, so the draw can be repeated and
explained. Each item links a ticket to a reviewer and, once the review starts, to the
``qa.evaluations`` evaluation that holds its answers (kind ``review``, subject ``ticket``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa.evaluations.models import Evaluation, FormVersion
from qa.tickets.models import Ticket
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User

# open: not started; in_progress: a draft review exists; done: reviewed and released;
# skipped: the reviewer set it aside (with a reason, audited).
ITEM_STATUSES = ("open", "in_progress", "done", "skipped")


class ReviewSample(db.Model):
    """A named, reproducible draw of tickets to review."""

    __tablename__ = "qa_review_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    period_from: Mapped[date]
    period_to: Mapped[date]
    seed: Mapped[int] = mapped_column(Integer)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("qa_form_version.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    form_version: Mapped[FormVersion] = relationship()
    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[ReviewItem]] = relationship(
        back_populates="sample", order_by="ReviewItem.id", cascade="all, delete-orphan"
    )

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)


class ReviewItem(db.Model):
    """One ticket of a sample, assigned to a reviewer."""

    __tablename__ = "qa_review_item"
    __table_args__ = (UniqueConstraint("sample_id", "ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("qa_review_sample.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("qa_ticket.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("people_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("qa_evaluation.id"))
    note: Mapped[str] = mapped_column(Text, default="")   # why it was skipped
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sample: Mapped[ReviewSample] = relationship(back_populates="items")
    ticket: Mapped[Ticket] = relationship()
    reviewer: Mapped[User] = relationship()
    evaluation: Mapped[Evaluation | None] = relationship()
