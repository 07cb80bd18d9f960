"""Models of qa.missions: mystery-shop missions and their history.

A mission is the job a QA lead gives a mystery shopper: whom to shop (a branch and/or an
agent), on which channel, in which time window, with which form, for what fee. The answers
themselves live in the evaluation the mission starts (qa.evaluations), so scoring, release
and disputes work the same as for every other evaluation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qa.evaluations.models import Evaluation, FormVersion
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import Branch, User

CHANNELS = ("phone", "chat", "email", "office", "social")
# draft: being prepared; published: on the job board; assigned: a shopper has it;
# in_progress: the shopper started it; submitted: waiting for a validator; returned: sent
# back for correction; validated: accepted and released; cancelled: called off.
STATUSES = ("draft", "published", "assigned", "in_progress", "submitted", "returned", "validated", "cancelled")
OPEN_FOR_SHOPPER = ("assigned", "in_progress", "returned")
FEE_STATUSES = ("due", "paid")


class Mission(db.Model):
    """One mystery-shop job."""

    __tablename__ = "qa_mission"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("people_branch.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("qa_form_version.id"))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    brief: Mapped[str] = mapped_column(Text, default="")  # Markdown
    scenario_slug: Mapped[str | None] = mapped_column(String(64))  # training.simulations script
    fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    shopper_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("qa_evaluation.id"), index=True)
    # The waiting-time timer: seconds captured, and when the shopper pressed start/stop.
    wait_seconds: Mapped[int | None] = mapped_column(Integer)
    timer_started_at: Mapped[datetime | None]
    timer_stopped_at: Mapped[datetime | None]
    fee_status: Mapped[str | None] = mapped_column(String(8))  # due once validated, then paid
    fee_paid_at: Mapped[datetime | None]
    fee_paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    validated_at: Mapped[datetime | None]

    branch: Mapped[Branch | None] = relationship()
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    shopper: Mapped[User | None] = relationship(foreign_keys=[shopper_id])
    form_version: Mapped[FormVersion] = relationship()
    evaluation: Mapped[Evaluation | None] = relationship()
    events: Mapped[list[MissionEvent]] = relationship(
        back_populates="mission", order_by="MissionEvent.id", cascade="all, delete-orphan"
    )

    @property
    def fee(self) -> float:
        return self.fee_cents / 100


class MissionEvent(db.Model):
    """One line of a mission's history: who did what, when (and the validator's comment)."""

    __tablename__ = "qa_mission_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(ForeignKey("qa_mission.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mission: Mapped[Mission] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
