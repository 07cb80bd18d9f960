"""Share a read between the panels of one page: the first call queries, the later ones reuse it (issue 9).

The dashboard's panels are independent functions, and several of them ask the same question
(the active new hires, a mentor's mentees). ``per_request(key, load)`` answers it once per
request. The memo is kept in :data:`flask.g`, tied to the request that filled it, so it never
outlives that request; it is forgotten as soon as the session flushes, commits or rolls back,
and bypassed while the session holds unflushed changes, so a caller never sees rows older than
the request's own writes. Outside a request (CLI, jobs, a test's app context) nothing is kept.

Callers get the memoized object itself: treat it as read-only and copy a list before changing it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from servicecraft.extensions import db

T = TypeVar("T")

_G_KEY = "_training_memo"


def _memo() -> dict[Hashable, Any] | None:
    """The current request's memo (made on first use); None outside a request."""
    if not has_request_context():
        return None
    current = request._get_current_object()
    held = g.get(_G_KEY)
    # g belongs to the app context, which a test may keep across several requests: check whose memo it is.
    if held is None or held[0] is not current:
        held = (current, {})
        setattr(g, _G_KEY, held)
    return held[1]


def per_request(key: Hashable, load: Callable[[], T]) -> T:
    """Return ``load()``, computed at most once per request for *key* while the session does not write."""
    memo = _memo()
    if memo is None:
        return load()
    session = db.session
    if session.new or session.dirty or session.deleted:
        return load()  # the query flushes these changes first, which forgets the memo
    if key not in memo:
        memo[key] = load()
    return memo[key]


def forget(*_args: Any) -> None:
    """Drop the current request's memo (called after every flush, commit and rollback)."""
    if has_request_context():
        g.pop(_G_KEY, None)


# Any session: the app has one, and forgetting too often only costs a query.
event.listen(Session, "after_flush", forget)
event.listen(Session, "after_transaction_end", forget)
