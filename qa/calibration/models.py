"""Calibration sessions: several reviewers score one interaction blind with one form version.

Answers are kept here, not as evaluations, so calibration never reaches an agent's record
or a scorecard. Until the owner reveals the session nobody sees another reviewer's sheet;
the agreed (reference) answers the owner records afterwards are audited on every change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa.evaluations.models import FormVersion
from qa.tickets.models import Ticket
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User

# open: reviewers are scoring blind; revealed: everyone sees every sheet and the figures;
# agreed: the owner recorded the reference answers (they may still be revised, audited).
SESSION_STATUSES = ("open", "revealed", "agreed")
SHEET_STATUSES = ("invited", "draft", "submitted")


class CalibrationSession(db.Model):
    """One interaction scored by several reviewers with one form version."""

    __tablename__ = "qa_calibration_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("qa_form_version.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("qa_ticket.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    recording_ref: Mapped[str] = mapped_column(String(500), default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("people_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reference_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    agreed_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revealed_at: Mapped[datetime | None]
    agreed_at: Mapped[datetime | None]

    form_version: Mapped[FormVersion] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    owner: Mapped[User] = relationship()
    sheets: Mapped[list[CalibrationSheet]] = relationship(
        back_populates="session", order_by="CalibrationSheet.id", cascade="all, delete-orphan"
    )


class CalibrationSheet(db.Model):
    """One invited reviewer's answers in a session."""

    __tablename__ = "qa_calibration_sheet"
    __table_args__ = (UniqueConstraint("session_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("qa_calibration_session.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("people_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="invited")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]

    session: Mapped[CalibrationSession] = relationship(back_populates="sheets")
    reviewer: Mapped[User] = relationship()
