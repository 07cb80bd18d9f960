"""Count the SQL queries one dashboard panel costs: its data and its template, in a fresh session.

The panel tests build N rows, count, add rows up to 3N, count again, and expect the same number:
a panel must not run a query per mentee, enrolment, protocol or attempt (issue 9).
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import render_template_string
from flask_login import login_user
from sqlalchemy import event

from servicecraft import dashboard
from servicecraft.extensions import db
from servicecraft.models import User

# The dashboard includes each panel's template the same way (templates/core/index.html).
_PANEL = "{% with d = data %}{% include template %}{% endwith %}"


@contextmanager
def counting_queries():
    """Count the statements sent to the database inside the block: ``with counting_queries() as seen``."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def panel_queries(app, viewer_id: int, name: str) -> tuple[int, str]:
    """Return (queries, HTML) of panel *name* as the person *viewer_id* sees it ("" when the panel hides itself)."""
    panel = dashboard._PANELS[name]
    with app.test_request_context("/"):
        viewer = db.session.get(User, viewer_id)
        login_user(viewer)
        with counting_queries() as seen:
            data = panel.context(viewer)
            html = render_template_string(_PANEL, data=data, template=panel.template) if data is not None else ""
        db.session.rollback()
    return len(seen), html


def assert_constant(app, viewer_id: int, name: str, add_rows, *, expect) -> None:
    """Count panel *name* with the rows so far, call ``add_rows(2)`` (twice as many again), count again.

    *expect(html, factor)* checks that the panel shows what was built (factor 1, then 3), so the
    counts compare panels that really list their rows.
    """
    first, html = panel_queries(app, viewer_id, name)
    expect(html, 1)
    add_rows(2)
    again, html = panel_queries(app, viewer_id, name)
    expect(html, 3)
    assert again == first, f"{name}: {first} queries with N rows, {again} with 3N"
