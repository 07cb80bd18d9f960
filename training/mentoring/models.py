"""Models of training.mentoring: go-live sign-offs and anonymous feedback on mentoring.

The assignment itself is ``User.mentor_id``; who changed it and why is in the audit log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User


class SignOff(db.Model):
    """A new hire signed off to work with real customers: by whom, when, and on what evidence."""

    __tablename__ = "training_signoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    newhire_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    # The mentor at the time of the sign-off (for time to go-live per mentor).
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("people_branch.id"), index=True)
    start_date: Mapped[date | None]
    live_since: Mapped[date]
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_override: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    # golive_progress() as it stood when signing off.
    track: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    newhire: Mapped[User] = relationship(foreign_keys=[newhire_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_id])

    @property
    def days_to_live(self) -> int | None:
        return (self.live_since - self.start_date).days if self.start_date else None


class FeedbackResponse(db.Model):
    """One anonymous rating of a mentor: no author, no date finer than the month."""

    __tablename__ = "training_mentoring_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    availability: Mapped[int] = mapped_column(Integer)
    clarity: Mapped[int] = mapped_column(Integer)
    usefulness: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")


class FeedbackReceipt(db.Model):
    """That a new hire answered (to ask again only after 30 days); not linked to the answer."""

    __tablename__ = "training_mentoring_feedback_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    newhire_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
