"""Scenario versions, attempts at them, mentors' grades and the go-live track."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User

STATUSES = ("in_progress", "awaiting_review", "finished")
REQUIREMENT_KINDS = ("scenario", "course")


class ScenarioVersion(db.Model):
    """One loaded version of a scenario file; a changed file adds a version, attempts keep theirs."""

    __tablename__ = "training_scenario_version"
    __table_args__ = (UniqueConstraint("slug", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[Any] = mapped_column(JSON)
    category: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    difficulty: Mapped[int] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)

    loaded_by: Mapped[User | None] = relationship()


class Attempt(db.Model):
    """One person's play-through of one scenario version; the engine's state after each step."""

    __tablename__ = "training_roleplay_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("training_scenario_version.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    state: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="in_progress", index=True)
    # Bumped by every step; a step form carries it so a double submit never replays a step.
    step_counter: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_step_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(String(16))
    auto_score: Mapped[float | None] = mapped_column(Float)
    final_score: Mapped[float | None] = mapped_column(Float)
    points: Mapped[dict | None] = mapped_column(JSON)  # criterion -> points (final once graded)
    passed: Mapped[bool | None] = mapped_column(Boolean)

    user: Mapped[User] = relationship()
    version: Mapped[ScenarioVersion] = relationship()
    reviews: Mapped[list[Review]] = relationship(
        back_populates="attempt", order_by="Review.id", cascade="all, delete-orphan"
    )

    @property
    def latest_review(self) -> Review | None:
        return self.reviews[-1] if self.reviews else None


class Review(db.Model):
    """A mentor's grade of an attempt's free replies; a regrade is a new row, never an edit."""

    __tablename__ = "training_roleplay_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_roleplay_attempt.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    points: Mapped[dict] = mapped_column(JSON, default=dict)  # reply node -> {criterion: points}
    comments: Mapped[dict] = mapped_column(JSON, default=dict)  # reply node -> comment
    final_score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship()


class GoLiveRequirement(db.Model):
    """A scenario or course a new hire must pass before going live with real customers."""

    __tablename__ = "training_golive_requirement"
    __table_args__ = (UniqueConstraint("kind", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "scenario" or "course"
    slug: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()
