"""Courses, their modules and lessons, enrolment rules, enrolments and lesson views.

Texts that a course ships in several languages (title, summary, lesson bodies) are stored
as ``{language: text}`` mappings; pages show the reader's language, else the first one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import Branch, Team, User

COURSE_STATUSES = ("draft", "published", "archived")
RULE_KINDS = ("newhires", "everyone", "team", "branch", "role")


class Course(db.Model):
    """One version of a course; copying a course makes the next version as a draft."""

    __tablename__ = "training_course"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    is_onboarding: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int | None] = mapped_column(Integer)
    # Completion: every lesson viewed (when set) and every quiz of the course passed.
    requires_all_lessons: Mapped[bool] = mapped_column(Boolean, default=True)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("training_course.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    modules: Mapped[list[CourseModule]] = relationship(
        back_populates="course", order_by="CourseModule.position", cascade="all, delete-orphan"
    )
    prerequisites: Mapped[list[Course]] = relationship(
        secondary="training_course_prerequisite",
        primaryjoin="Course.id == CoursePrerequisite.course_id",
        secondaryjoin="Course.id == CoursePrerequisite.required_id",
    )
    copied_from: Mapped[Course | None] = relationship(remote_side=[id])

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def __repr__(self) -> str:
        return f"<Course {self.slug} v{self.version}>"


class CoursePrerequisite(db.Model):
    """A course that must be completed before another can be started."""

    __tablename__ = "training_course_prerequisite"
    __table_args__ = (UniqueConstraint("course_id", "required_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    required_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"))


class CourseModule(db.Model):
    """A titled group of lessons inside a course."""

    __tablename__ = "training_course_module"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )


class Lesson(db.Model):
    """A lesson: Markdown per language, rendered and sanitised when shown."""

    __tablename__ = "training_lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("training_course_module.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    body: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    module: Mapped[CourseModule] = relationship(back_populates="lessons")


class CourseFile(db.Model):
    """An image uploaded to a course for its lessons to embed."""

    __tablename__ = "training_course_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(255))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EnrolmentRule(db.Model):
    """Enrol people automatically: every new hire, everyone, a team, a branch or a role."""

    __tablename__ = "training_enrolment_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("people_team.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("people_branch.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    # Due this many days after enrolment (or after the person's start date for new hires).
    due_days: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship()
    branch: Mapped[Branch | None] = relationship()


class Enrolment(db.Model):
    """One person enrolled on one course version, with a due date and completion."""

    __tablename__ = "training_enrolment"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("training_enrolment_rule.id", ondelete="SET NULL"))
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_date: Mapped[date | None]
    completed_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    rule: Mapped[EnrolmentRule | None] = relationship()

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_date is not None and self.due_date < today


class LessonView(db.Model):
    """The first time a person opened a lesson."""

    __tablename__ = "training_lesson_view"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("training_lesson.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)


def text_in(texts: dict[str, Any] | None, language: str) -> str:
    """Return *texts* in *language*, else in English, else the first language it has."""
    if not texts:
        return ""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")
