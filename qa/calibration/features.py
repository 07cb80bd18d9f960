"""Navigation links, dashboard panels and demo steps of qa.calibration (registered on import).

The demo step of calibration lives in qa/reviews/demo.py (it needs the review sample's tickets).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

# Mentors see the link too: their list holds only the sessions they are invited to.
nav_item("qa.calibration.index", _l("Calibration"), roles=("admin", "manager", "mentor"), order=63)


@panel("calibration-waiting", roles=("admin", "manager"), template="qa/calibration/panel_waiting.html", order=31)
def waiting_panel(user) -> dict | None:
    """The owner's sessions ready to reveal or waiting for agreed answers."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from qa.calibration import services
    from qa.calibration.models import CalibrationSession
    from servicecraft.extensions import db

    # waiting_for_owner counts each session's submitted sheets: load the owner's open and revealed
    # sessions with their sheets first (two queries) and hold them, so that it finds them loaded.
    loaded = db.session.scalars(select(CalibrationSession).where(CalibrationSession.owner_id == user.id,
                                                                 CalibrationSession.status.in_(("open", "revealed")))
                                .options(selectinload(CalibrationSession.sheets))).all()
    sessions = services.waiting_for_owner(user) if loaded else []
    return {"sessions": sessions} if sessions else None


@panel("calibration-to-score", roles=("admin", "manager", "mentor"), template="qa/calibration/panel_to_score.html", order=32)
def to_score_panel(user) -> dict | None:
    """Sessions the user is invited to and has not scored yet."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from qa.calibration import services
    from qa.calibration.models import CalibrationSheet
    from servicecraft.extensions import db

    sheets = services.waiting_for_reviewer(user)
    if not sheets:
        return None
    # One more query loads the sheets' sessions (the panel shows their titles).
    db.session.scalars(select(CalibrationSheet).where(CalibrationSheet.id.in_([sheet.id for sheet in sheets]))
                       .options(joinedload(CalibrationSheet.session))).all()
    return {"sheets": sheets}
