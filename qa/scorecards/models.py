"""Models of qa.scorecards: the versions of the managers' component weights."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User


class ScorecardWeights(db.Model):
    """One version of the composite's weights; a change adds a row, the latest row is active."""

    __tablename__ = "qa_scorecard_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)  # component key -> weight (number)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    created_by: Mapped[User | None] = relationship()
