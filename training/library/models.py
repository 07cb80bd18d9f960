"""Service protocols, their versions (Markdown per language) and who acknowledged which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User


class Protocol(db.Model):
    """A written procedure the team works by, e.g. complaint handling or response times."""

    __tablename__ = "training_protocol"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[ProtocolVersion]] = relationship(
        back_populates="protocol", order_by="ProtocolVersion.number", cascade="all, delete-orphan"
    )


class ProtocolVersion(db.Model):
    """One published version of a protocol; earlier versions stay to show what changed."""

    __tablename__ = "training_protocol_version"
    __table_args__ = (UniqueConstraint("protocol_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("training_protocol.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # language -> Markdown
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("people_user.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    protocol: Mapped[Protocol] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()


class ProtocolAcknowledgement(db.Model):
    """A person confirming they have read one version of a protocol."""

    __tablename__ = "training_protocol_ack"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("training_protocol_version.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("people_user.id", ondelete="CASCADE"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[ProtocolVersion] = relationship()
    user: Mapped[User] = relationship()
