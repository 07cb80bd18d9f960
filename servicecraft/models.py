"""People (users, roles, teams, branches), API tokens, reset links and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db

ROLES = ("admin", "manager", "mentor", "shopper", "agent")


class Branch(db.Model):
    """An office or contact centre site; central or regional."""

    __tablename__ = "people_branch"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(120), default="")
    is_central: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="branch")

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"


class Team(db.Model):
    """A group of people working together, optionally inside one branch."""

    __tablename__ = "people_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("people_branch.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    branch: Mapped[Branch | None] = relationship()
    users: Mapped[list[User]] = relationship(back_populates="team")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class UserRole(db.Model):
    """One role held by one person (a person may hold several)."""

    __tablename__ = "people_user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class User(UserMixin, db.Model):
    """A person who signs in: admin, manager, mentor, mystery shopper or agent."""

    __tablename__ = "people_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    is_active_account: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    start_date: Mapped[date | None]
    # Set when a mentor signs a new hire off to work with real customers.
    live_since: Mapped[date | None]
    mentor_capacity: Mapped[int] = mapped_column(Integer, default=0)
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("people_team.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("people_branch.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on password change so other sessions of the same person stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )
    team: Mapped[Team | None] = relationship(back_populates="users")
    branch: Mapped[Branch | None] = relationship(back_populates="users")
    mentor: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[mentor_id])

    # Flask-Login asks for `is_active`; the column is named so in the database.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *names: str) -> bool:
        return bool(self.roles.intersection(names))

    def set_roles(self, names) -> None:
        wanted = set(names)
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for name in sorted(wanted - self.roles):
            self.role_rows.append(UserRole(role=name))

    @property
    def is_newhire(self) -> bool:
        """An agent who is still onboarding (not yet signed off to go live)."""
        return self.has_role("agent") and self.live_since is None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A named bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "auth_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class PasswordReset(db.Model):
    """A one-time password reset link issued by an admin."""

    __tablename__ = "auth_password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AuditEntry(db.Model):
    """One append-only line of the audit log: who did what to which record, and why."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()


class Job(db.Model):
    """A piece of slow work done off the request path, with progress people can watch."""

    __tablename__ = "jobs_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in ("done", "failed")
