"""Models of training.onboarding: plan templates, plans of new hires, coaching check-ins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import Branch, User


class PlanTemplate(db.Model):
    """A reusable onboarding plan for the new hires of one branch (or of every branch)."""

    __tablename__ = "training_plan_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Applies to new hires holding this role, in this branch (None: every branch).
    role: Mapped[str] = mapped_column(String(16), default="agent")
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("people_branch.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    branch: Mapped[Branch | None] = relationship()
    items: Mapped[list[PlanTemplateItem]] = relationship(
        back_populates="template", cascade="all, delete-orphan",
        order_by="(PlanTemplateItem.due_offset_days, PlanTemplateItem.position, PlanTemplateItem.id)",
    )


class PlanTemplateItem(db.Model):
    """One step of a template: what to do, by which day after the start date, who ticks it."""

    __tablename__ = "training_plan_template_item"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("training_plan_template.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(24), default="task")
    link: Mapped[str] = mapped_column(String(120), default="")
    due_offset_days: Mapped[int] = mapped_column(Integer, default=0)
    ticked_by: Mapped[str] = mapped_column(String(16), default="either")
    depends_on: Mapped[list[str]] = mapped_column(JSON, default=list)

    template: Mapped[PlanTemplate] = relationship(back_populates="items")


class Plan(db.Model):
    """One new hire's onboarding plan, copied from a template with dates from their start."""

    __tablename__ = "training_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), unique=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("training_plan_template.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    template: Mapped[PlanTemplate | None] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan",
        order_by="(PlanItem.due_date, PlanItem.position, PlanItem.id)",
    )


class PlanItem(db.Model):
    """One step of a new hire's plan; ticked (and unticked, audited) by whom the template says."""

    __tablename__ = "training_plan_item"
    __table_args__ = (UniqueConstraint("plan_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(24), default="task")
    link: Mapped[str] = mapped_column(String(120), default="")
    due_date: Mapped[date]
    ticked_by: Mapped[str] = mapped_column(String(16), default="either")
    depends_on: Mapped[list[str]] = mapped_column(JSON, default=list)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))

    plan: Mapped[Plan] = relationship(back_populates="items")
    done_by: Mapped[User | None] = relationship()

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CheckIn(db.Model):
    """A coaching session a mentor schedules with a mentee."""

    __tablename__ = "training_checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people_user.id"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    agenda: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled, held, cancelled
    held_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[User] = relationship(foreign_keys=[mentee_id])
    notes: Mapped[list[CheckInNote]] = relationship(
        back_populates="checkin", cascade="all, delete-orphan", order_by="CheckInNote.id")
    actions: Mapped[list[ActionItem]] = relationship(
        back_populates="checkin", cascade="all, delete-orphan", order_by="ActionItem.id")
    links: Mapped[list[CheckInLink]] = relationship(
        back_populates="checkin", cascade="all, delete-orphan", order_by="CheckInLink.id")


class CheckInNote(db.Model):
    """One version of a check-in's shared notes or of one mentor's private notes (never overwritten)."""

    __tablename__ = "training_checkin_note"
    __table_args__ = (UniqueConstraint("checkin_id", "kind", "author_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("training_checkin.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # shared, private
    author_id: Mapped[int] = mapped_column(ForeignKey("people_user.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[CheckIn] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class ActionItem(db.Model):
    """Something agreed at a check-in: who does it, by when, and when it was done."""

    __tablename__ = "training_action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("training_checkin.id", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(String(16), default="newhire")  # newhire, mentor
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[CheckIn] = relationship(back_populates="actions")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class CheckInLink(db.Model):
    """Something discussed at a check-in: a quiz attempt, a role-play attempt, an evaluation."""

    __tablename__ = "training_checkin_link"
    __table_args__ = (UniqueConstraint("checkin_id", "kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("training_checkin.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # quiz, roleplay, evaluation
    ref_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    checkin: Mapped[CheckIn] = relationship(back_populates="links")
