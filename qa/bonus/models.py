"""Models of qa.bonus: bonus rounds, their recipients and the log of every decision.

A round moves draft -> proposed -> submitted (awaiting a second manager) -> approved
(frozen) or returned (back to the manager, who may change it and submit again). Decisions
are never overwritten: every step appends a :class:`BonusDecision` (who, when, why, and the
final list as it stood) besides the audit entry, and each submission bumps ``revision``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User

STATUSES = ("draft", "proposed", "submitted", "approved", "returned")
SPLIT_MODES = ("equal", "tiers")
# Statuses in which the manager may still change the round.
EDITABLE = ("draft", "proposed", "returned")


class BonusRound(db.Model):
    """One bonus round: a period, a budget, the rules, and (once approved) a frozen snapshot."""

    __tablename__ = "qa_bonus_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    budget_cents: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    split_mode: Mapped[str] = mapped_column(String(8), default="equal")
    tiers: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Scorecard weights used for the proposal, and the numbers behind it (agent id -> figures).
    weights: Mapped[dict | None] = mapped_column(JSON)
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    proposal: Mapped[dict | None] = mapped_column(JSON)  # bonus propose --json, as proposed
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]

    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    recipients: Mapped[list[BonusRecipient]] = relationship(
        back_populates="round", order_by="BonusRecipient.position", cascade="all, delete-orphan"
    )
    decisions: Mapped[list[BonusDecision]] = relationship(
        back_populates="round", order_by="BonusDecision.id", cascade="all, delete-orphan"
    )

    @property
    def is_frozen(self) -> bool:
        return self.status == "approved"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def budget(self) -> str:
        return f"{self.budget_cents // 100}.{self.budget_cents % 100:02d}"

    @property
    def chosen(self) -> list[BonusRecipient]:
        return sorted((r for r in self.recipients if r.chosen), key=lambda r: (r.final_position or 0, r.position))


class BonusRecipient(db.Model):
    """One candidate of a round: proposed or not, chosen or not, with the reasons."""

    __tablename__ = "qa_bonus_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("qa_bonus_round.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("people_user.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the ranking (all candidates)
    rank: Mapped[int | None] = mapped_column(Integer)  # proposed rank (eligible only)
    composite: Mapped[float | None]
    tickets_solved: Mapped[int] = mapped_column(Integer, default=0)
    is_proposed: Mapped[bool] = mapped_column(Boolean, default=False)
    ineligible_reasons: Mapped[list] = mapped_column(JSON, default=list)
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    final_position: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    departure_reason: Mapped[str | None] = mapped_column(Text)

    round: Mapped[BonusRound] = relationship(back_populates="recipients")
    agent: Mapped[User] = relationship()

    @property
    def amount(self) -> str | None:
        if self.amount_cents is None:
            return None
        return f"{self.amount_cents // 100}.{self.amount_cents % 100:02d}"

    @property
    def is_departure(self) -> bool:
        return self.chosen != self.is_proposed


class BonusDecision(db.Model):
    """One step of a round's history, never changed: who did what, when, why, and the list then."""

    __tablename__ = "qa_bonus_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("qa_bonus_round.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    action: Mapped[str] = mapped_column(String(16))  # opened, proposed, chosen, submitted, approved, returned
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[BonusRound] = relationship(back_populates="decisions")
    actor: Mapped[User | None] = relationship()
