"""Every access rule of Servicecraft in one place: roles, ownership, and deny-by-default.

Each view is marked ``@public`` or ``@require(rule, ...)``. An app-level check refuses any
endpoint left unmarked, so a forgotten decorator fails closed (403), never open.
Ownership predicates (``can_view_user`` ...) answer "may this person see that record?" and
are used by views, the API and queries alike.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user

Rule = Callable[[object], bool]

_ACCESS_ATTR = "_servicecraft_access"
PUBLIC = "public"


def public(view):
    """Mark a view as open to everyone, signed in or not."""
    setattr(view, _ACCESS_ATTR, PUBLIC)
    return view


def require(*rules: Rule):
    """Mark a view as open to signed-in people for whom every rule holds."""

    def decorate(view):
        setattr(view, _ACCESS_ATTR, tuple(rules) or (signed_in,))
        return view

    return decorate


def access_of(view) -> object:
    """Return a view's access marker (``PUBLIC``, a tuple of rules) or None when unmarked."""
    return getattr(view, _ACCESS_ATTR, None)


# --- rules -------------------------------------------------------------------------------


def signed_in(user) -> bool:
    """Any signed-in, active person."""
    return bool(getattr(user, "is_authenticated", False))


def role(*names: str) -> Rule:
    """A rule that holds for people holding any of the named roles."""

    def rule(user) -> bool:
        return signed_in(user) and user.has_role(*names)

    rule.__name__ = "role_" + "_".join(names)
    rule.roles = names  # type: ignore[attr-defined]
    return rule


is_admin = role("admin")
is_manager = role("admin", "manager")
is_mentor = role("mentor")
is_staff_lead = role("admin", "manager", "mentor")
is_shopper = role("shopper")
is_agent = role("agent")


# --- ownership predicates -------------------------------------------------------------------


def sees_everyone(user) -> bool:
    """Admins and managers see every person's records."""
    return signed_in(user) and user.has_role("admin", "manager")


def can_view_user(viewer, target) -> bool:
    """Admins and managers see everyone; mentors their mentees; everyone themselves."""
    if not signed_in(viewer) or target is None:
        return False
    if viewer.id == target.id or sees_everyone(viewer):
        return True
    return viewer.has_role("mentor") and target.mentor_id == viewer.id


def can_manage_people(viewer) -> bool:
    """Only admins create, edit and deactivate people."""
    return is_admin(viewer)


def can_view_job(viewer, job) -> bool:
    """People see the jobs they started; admins see every job."""
    return signed_in(viewer) and (job.created_by_id == viewer.id or viewer.has_role("admin"))


def visible_user_filter(viewer, user_model):
    """Return a SQL condition limiting a query of users to those *viewer* may see."""
    from sqlalchemy import false, or_

    if sees_everyone(viewer):
        return user_model.id.isnot(None)
    if not signed_in(viewer):
        return false()
    if viewer.has_role("mentor"):
        return or_(user_model.id == viewer.id, user_model.mentor_id == viewer.id)
    return user_model.id == viewer.id


def get_or_404(model, ident, *, allowed: Callable[[object], bool] | None = None):
    """Load a record or answer 404; answer 403 when *allowed* says it is not the viewer's."""
    from servicecraft.extensions import db

    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    if allowed is not None and not allowed(obj):
        abort(403)
    return obj


# --- the app-level guard --------------------------------------------------------------------


def is_api_request() -> bool:
    """Tell whether the current request is for the JSON API."""
    return request.path.startswith("/api/")


def check_access():
    """Before every request: refuse unmarked endpoints and enforce the marked rules."""
    if is_api_request():
        from servicecraft.api import authenticate_api_request

        authenticate_api_request()
    if request.endpoint is None:
        return None  # 404/405 are answered by Flask's routing
    view = current_app.view_functions.get(request.endpoint)
    marker = access_of(view)
    if marker is None:
        if request.endpoint in current_app.config.get("PUBLIC_ENDPOINTS", ()):
            return None
        abort(403)
    if marker == PUBLIC:
        return None
    user = current_user
    if not signed_in(user):
        if is_api_request():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not all(rule(user) for rule in marker):
        abort(403)
    g.access_checked = True
    return None

