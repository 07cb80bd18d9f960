"""The question bank (categories, questions), quizzes drawn from it, attempts and responses.

A bank question keeps the pure question (``training.quizzes.questions``) as JSON in
``data``; ``training.quizzes.storage`` turns it back into the dataclass for grading.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User

ATTEMPT_STATUSES = ("in_progress", "awaiting_grading", "finished")


class QuestionCategory(db.Model):
    """A bank category, named by its Moodle path (``$CATEGORY: a/b``)."""

    __tablename__ = "training_question_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankQuestion(db.Model):
    """One question of the bank in one language."""

    __tablename__ = "training_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("training_question_category.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    qtype: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[QuestionCategory | None] = relationship()


class Quiz(db.Model):
    """A quiz: settings, and slots pointing at bank questions (in one or several languages)."""

    __tablename__ = "training_quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    pass_mark: Mapped[int] = mapped_column(Integer, default=80)  # percent
    attempts_allowed: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_answers: Mapped[bool] = mapped_column(Boolean, default=True)
    show_feedback: Mapped[bool] = mapped_column(Boolean, default=True)
    # Overall feedback bands: [{"min_percent": 80, "text": {"en": ...}}, ...], highest first.
    overall_feedback: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    slots: Mapped[list[QuizSlot]] = relationship(
        back_populates="quiz", order_by="QuizSlot.position", cascade="all, delete-orphan"
    )


class QuizSlot(db.Model):
    """One question of a quiz and the marks it is worth."""

    __tablename__ = "training_quiz_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("training_quiz.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("training_question.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    max_mark: Mapped[float] = mapped_column(Float, default=1.0)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[BankQuestion] = relationship()


class QuizAttempt(db.Model):
    """One person's attempt at a quiz: the layout they saw, their score, its state."""

    __tablename__ = "training_quiz_attempt"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("training_quiz.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(24), default="in_progress")
    # [{"slot": id, "order": [choice indices as shown]}] in the order questions were shown.
    layout: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    marks: Mapped[float | None] = mapped_column(Float)
    max_marks: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    is_passed: Mapped[bool | None] = mapped_column(Boolean)

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    responses: Mapped[list[AttemptResponse]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptResponse.id"
    )


class AttemptResponse(db.Model):
    """A learner's answer to one slot and the credit it earned."""

    __tablename__ = "training_attempt_response"
    __table_args__ = (UniqueConstraint("attempt_id", "slot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_quiz_attempt.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("training_quiz_slot.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("training_question.id"), index=True)
    response: Mapped[Any | None] = mapped_column(JSON)
    fraction: Mapped[float | None] = mapped_column(Float)  # None while a mentor has to grade it
    needs_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[list[str]] = mapped_column(JSON, default=list)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="responses")
    slot: Mapped[QuizSlot] = relationship()
    question: Mapped[BankQuestion] = relationship()
    grades: Mapped[list[EssayGrade]] = relationship(
        back_populates="response", order_by="EssayGrade.id", cascade="all, delete-orphan"
    )


class EssayGrade(db.Model):
    """A mentor's grade of an essay answer; a regrade is a new row, never an overwrite."""

    __tablename__ = "training_essay_grade"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("training_attempt_response.id", ondelete="CASCADE"), index=True)
    fraction: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[AttemptResponse] = relationship(back_populates="grades")
    graded_by: Mapped[User | None] = relationship()
