"""Navigation links, dashboard panels and demo steps of training.library (registered on import)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from servicecraft import demo
from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

nav_item("training.library.index", _l("Protocols"), roles=("admin", "manager", "mentor", "agent"), order=40)


def _language(user) -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else (user.language or "en")


@panel("protocols-to-read", roles=("agent", "mentor"), template="training/library/panel_to_read.html", order=15)
def protocols_to_read(user):
    """The current protocol versions the person has not confirmed; hidden when there are none."""
    from training.library import services

    pending = services.pending_acknowledgements(user)
    if not pending:
        return None
    language = _language(user)
    items = [
        {"slug": v.protocol.slug, "title": services.title_of(v.protocol, language), "number": v.number, "is_update": v.number > 1}
        for v in pending
    ]
    return {"protocols": items}


@panel("protocol-coverage", roles=("admin", "manager"), template="training/library/panel_coverage.html", order=55)
def protocol_coverage(user):
    """How many agents and mentors read each protocol's current version, as bars and a table."""
    from servicecraft.charts import bar_chart
    from training.library import services

    overview = services.coverage_overview()
    if not overview:
        return None
    language = _language(user)
    rows = [
        {"slug": p.slug, "title": services.title_of(p, language), "number": p.current_version, "read": read, "total": total}
        for p, read, total in overview
    ]
    chart = bar_chart(
        [(row["title"], round(100 * row["read"] / row["total"], 1) if row["total"] else None) for row in rows],
        title=_("Share of agents and mentors who read the current version"), max_value=100, unit="%",
    )
    return {"rows": rows, "chart": chart}


# Live agents who already read version 2 of the response-time rules; the others read only version 1.
_READ_LATEST = ("mentor@demo.test", "mentor2@demo.test", "agent1@demo.test", "agent2@demo.test", "agent3@demo.test", "agent5@demo.test")
_READ_FIRST_ONLY = ("mentor3@demo.test", "agent4@demo.test", "agent6@demo.test", "agent7@demo.test", "agent8@demo.test")


@demo.step(10)
def protocols(ctx: dict) -> str:
    """Load the shipped protocols; experienced people have read them, some not yet the newest rules."""
    from sqlalchemy import select

    from servicecraft.extensions import db
    from training.library.models import ProtocolAcknowledgement
    from training.library.services import load_starter_protocols

    loaded = load_starter_protocols(actor=None)
    users = ctx.get("users", {})
    today = ctx.get("today")
    made = 0

    def ack(user, version, days_ago: int) -> None:
        nonlocal made
        found = db.session.scalar(select(ProtocolAcknowledgement).where(
            ProtocolAcknowledgement.version_id == version.id, ProtocolAcknowledgement.user_id == user.id))
        if found is None:
            when = datetime.combine(today, time(10, 0), tzinfo=timezone.utc) - timedelta(days=days_ago) if today else None
            db.session.add(ProtocolAcknowledgement(version_id=version.id, user_id=user.id, **({"acknowledged_at": when} if when else {})))
            made += 1

    for protocol in loaded:
        for version in protocol.versions:
            is_current = version.number == protocol.current_version
            for index, email in enumerate(_READ_LATEST + _READ_FIRST_ONLY):
                user = users.get(email)
                if user is None:
                    continue
                if protocol.slug == "response-times" and is_current and email in _READ_FIRST_ONLY:
                    continue
                if not is_current or protocol.slug == "response-times" or index % 4 != 3:
                    ack(user, version, days_ago=(20 if is_current else 200) + index)
    db.session.flush()
    return f"{len(loaded)} service protocols, {made} acknowledgements"
