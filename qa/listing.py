"""The first rows of a list and the list's length, in one query (what a dashboard panel shows)."""

from __future__ import annotations

from sqlalchemy import Select, func

from servicecraft.extensions import db


def head_and_total(query: Select, limit: int) -> tuple[list, int]:
    """Return the first *limit* entities an ORM select finds and how many it finds in all.

    ``count(*) OVER ()`` is computed before LIMIT cuts the rows, so each row carries the
    whole list's length: one round trip instead of a count and a page. Eager-load only
    to-one relationships in *query* (a joined collection would multiply rows and count).
    """
    found = db.session.execute(query.add_columns(func.count().over()).limit(limit)).all()
    return [row[0] for row in found], (found[0][1] if found else 0)
