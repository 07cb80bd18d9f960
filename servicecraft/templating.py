"""Template globals: the role-aware navigation, language list, localised formatting."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from servicecraft.i18n import LANGUAGE_NAMES


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]
    order: int = 100
    # Only for agents still onboarding (True), or only for everyone else (False).
    newhire: bool | None = None


_NAV: list[NavItem] = []


def nav_item(endpoint: str, label, *, roles: tuple[str, ...], order: int = 100, newhire: bool | None = None) -> None:
    """Add a link to the main navigation for people holding any of *roles* (and, with
    *newhire*, only for agents still onboarding or only for everyone else)."""
    if all(item.endpoint != endpoint for item in _NAV):
        _NAV.append(NavItem(endpoint, label, roles, order, newhire))


nav_item("core.index", _l("Home"), roles=("admin", "manager", "mentor", "shopper", "agent"), order=0)
nav_item("people.index", _l("People"), roles=("admin",), order=80)
nav_item("people.branches", _l("Branches"), roles=("admin",), order=81)
nav_item("people.teams", _l("Teams"), roles=("admin",), order=82)
nav_item("admin.audit", _l("Audit log"), roles=("admin",), order=90)


def navigation() -> list[dict]:
    if not getattr(current_user, "is_authenticated", False):
        return []
    items = []
    for item in sorted(_NAV, key=lambda i: i.order):
        if item.newhire is not None and current_user.is_newhire != item.newhire:
            continue
        if current_user.has_role(*item.roles):
            url = url_for(item.endpoint)
            active = request.path == url or (url != "/" and request.path.startswith(url))
            items.append({"url": url, "label": item.label, "active": active})
    return items


ROLE_LABELS = {
    "admin": _l("Admin"),
    "manager": _l("Manager"),
    "mentor": _l("Mentor"),
    "shopper": _l("Mystery shopper"),
    "agent": _l("Agent"),
    "newhire": _l("New hire"),
}


def register(app) -> None:
    app.jinja_env.globals.update(
        navigation=navigation,
        languages=LANGUAGE_NAMES,
        current_locale=lambda: str(get_locale() or "en"),
        role_label=lambda r: ROLE_LABELS.get(r, r),
    )
    app.jinja_env.filters.update(
        date=lambda d, fmt="medium": format_date(d, fmt) if d else "—",
        datetime=lambda d, fmt="medium": format_datetime(d, fmt) if d else "—",
        decimal=lambda n, fmt=None: format_decimal(n, fmt) if n is not None else "—",
        percent=lambda n: format_percent(n / 100, "#,##0.0%") if n is not None else "—",
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
