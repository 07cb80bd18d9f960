"""Count the SQL queries one dashboard panel (or one page) costs: its data and its template, in a fresh session.

The panel tests build N rows, count, add rows up to 3N, count again, and expect the same number:
a panel must not run a query per mentee, enrolment, protocol or attempt (issue 9). The page
tests do the same for a whole GET through the test client.
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


def panels_queries(app, viewer_id: int, names: list[str]) -> tuple[list[str], str]:
    """Return (statements, HTML) of the panels *names*, in that order, gathered in one request as the dashboard does."""
    html = []
    with app.test_request_context("/"):
        viewer = db.session.get(User, viewer_id)
        login_user(viewer)
        with counting_queries() as seen:
            for name in names:
                panel = dashboard._PANELS[name]
                data = panel.context(viewer)
                if data is not None:
                    html.append(render_template_string(_PANEL, data=data, template=panel.template))
        db.session.rollback()
    return seen, "".join(html)


def page_queries(app, client, path: str) -> tuple[list[str], str]:
    """GET *path* with *client* (signed in already); return (statements, HTML) of that one request."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    # Listen on the engine outside any app context: the request must get its own context and session.
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    return seen, response.get_data(as_text=True)


def assert_page_constant(app, client, path: str, add_rows, *, expect) -> list[str]:
    """assert_constant() for a whole page: GET *path*, ``add_rows(2)``, GET again; return the last statements."""
    first, html = page_queries(app, client, path)
    expect(html, 1)
    add_rows(2)
    again, html = page_queries(app, client, path)
    expect(html, 3)
    assert len(again) == len(first), f"{path}: {len(first)} queries with N rows, {len(again)} with 3N"
    return again


def matching(statements: list[str], *fragments: str, without: str | None = None) -> list[str]:
    """The statements (whitespace folded) that contain every fragment, and not *without*."""
    folded = [" ".join(s.split()) for s in statements]
    return [s for s in folded if all(f in s for f in fragments) and (without is None or without not in s)]
