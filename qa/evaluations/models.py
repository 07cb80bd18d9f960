"""Evaluation forms (with immutable published versions) and evaluations (with revisions).

One model serves mystery shops and ticket reviews (forms.md). A form version keeps the YAML
it was made from; ``qa.evaluations.formfile.parse_form`` turns it into the definition that
``qa.evaluations.scoring`` scores. An evaluation's answers and score are never overwritten
once submitted: a correction, a dispute outcome or a re-score adds an ``EvaluationRevision``
and points ``current_revision`` at it (scorecards read the current one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import Branch, User

FORM_STATUSES = ("draft", "published", "retired")
EVALUATION_KINDS = ("mystery_shop", "review")
# draft: being filled in; submitted: waiting for a validator; returned: sent back to the
# author for correction; validated: accepted, not yet shown to the agent; released: visible
# to the agent and branch, counts in scorecards; void: withdrawn (kept for the record).
EVALUATION_STATUSES = ("draft", "submitted", "returned", "validated", "released", "void")
COUNTING_STATUSES = ("validated", "released")


class EvaluationForm(db.Model):
    """A form by its slug (forms.md ``id``); its versions hold the content."""

    __tablename__ = "qa_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[FormVersion]] = relationship(
        back_populates="form", order_by="FormVersion.number", cascade="all, delete-orphan"
    )


class FormVersion(db.Model):
    """One version of a form: a draft while edited, then published and immutable."""

    __tablename__ = "qa_form_version"
    __table_args__ = (UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("qa_form.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str] = mapped_column(Text)  # the form file (YAML), as forms.md describes it
    fingerprint: Mapped[str] = mapped_column(String(80))  # "sha256:" and 64 hex digits
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    form: Mapped[EvaluationForm] = relationship(back_populates="versions")


class Evaluation(db.Model):
    """One evaluated contact: a mystery shop or a ticket review, of an agent and/or a branch."""

    __tablename__ = "qa_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("qa_form_version.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("people_branch.id"), index=True)
    # Who filled it in: the shopper, the reviewer, or None for a provider's import.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    happened_at: Mapped[datetime | None] = mapped_column(index=True)
    # What was evaluated, for ticket reviews and calibration: e.g. ("ticket", "<qa_ticket.id>").
    subject_kind: Mapped[str | None] = mapped_column(String(16))
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="web")  # web, api, import
    # Answers being edited while a draft (or returned); frozen into a revision on submit.
    draft_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("qa_evaluation_revision.id", use_alter=True, name="fk_qa_evaluation_current_revision_id"),
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    validated_at: Mapped[datetime | None]
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    released_at: Mapped[datetime | None]

    form_version: Mapped[FormVersion] = relationship()
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])
    branch: Mapped[Branch | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    revisions: Mapped[list[EvaluationRevision]] = relationship(
        back_populates="evaluation", order_by="EvaluationRevision.number",
        foreign_keys="EvaluationRevision.evaluation_id", cascade="all, delete-orphan",
    )
    current_revision: Mapped[EvaluationRevision | None] = relationship(foreign_keys=[current_revision_id], post_update=True)
    comments: Mapped[list[EvaluationComment]] = relationship(
        back_populates="evaluation", order_by="EvaluationComment.id", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="evaluation", order_by="Evidence.id", cascade="all, delete-orphan"
    )

    @property
    def score(self) -> float | None:
        return self.current_revision.score if self.current_revision else None

    @property
    def critical_fail(self) -> bool:
        return bool(self.current_revision and self.current_revision.critical_fail)


class EvaluationRevision(db.Model):
    """The answers and score of an evaluation at one moment; never changed once written."""

    __tablename__ = "qa_evaluation_revision"
    __table_args__ = (UniqueConstraint("evaluation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluation.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[float | None] = mapped_column(Float)  # percent, one decimal (metrics.md)
    critical_fail: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per item: {"item_id": {"points": .., "max": .., "na": bool}}, as scoring computed it.
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")  # why this revision (submit, correction, dispute ...)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation: Mapped[Evaluation] = relationship(back_populates="revisions", foreign_keys=[evaluation_id])
    created_by: Mapped[User | None] = relationship()


class EvaluationComment(db.Model):
    """A comment on an evaluation (a validator's note, a reviewer's remark for the agent)."""

    __tablename__ = "qa_evaluation_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluation.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    item_id: Mapped[str | None] = mapped_column(String(64))  # None: about the whole evaluation
    body: Mapped[str] = mapped_column(Text)
    # Who may read it: "agent" (released with the evaluation) or "internal" (QA staff only).
    visibility: Mapped[str] = mapped_column(String(16), default="agent")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation: Mapped[Evaluation] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()


class Evidence(db.Model):
    """A photo or audio recording attached to an evaluation item (stored by servicecraft.storage)."""

    __tablename__ = "qa_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluation.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation: Mapped[Evaluation] = relationship(back_populates="evidence")


class Dispute(db.Model):
    """An agent contesting a released evaluation; resolved by upholding it or by a new revision."""

    __tablename__ = "qa_dispute"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluation.id", ondelete="CASCADE"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("people_user.id"))
    item_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, upheld, changed
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    resolved_at: Mapped[datetime | None]
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("qa_evaluation_revision.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation: Mapped[Evaluation] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
