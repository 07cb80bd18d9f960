"""The declarative base every model of every package derives from."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

# Named constraints let Alembic's SQLite batch mode alter tables reliably.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Store instants as naive UTC and hand them back time-zone aware, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite stores the text SQLAlchemy's DATETIME writes ("YYYY-MM-DD HH:MM:SS.ffffff");
        # isoformat writes the same text several times faster, which big imports feel.
        def process(value):
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given where an aware one is required")
            if value.tzinfo is not UTC:
                value = value.astimezone(UTC)
            return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"

        return process

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention and aware timestamps."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def utcnow() -> datetime:
    """Return the current instant in UTC (aware)."""
    return datetime.now(UTC)
