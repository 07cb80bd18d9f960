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
    from qa.calibration import services

    sessions = services.waiting_for_owner(user)
    return {"sessions": sessions} if sessions else None


@panel("calibration-to-score", roles=("admin", "manager", "mentor"), template="qa/calibration/panel_to_score.html", order=32)
def to_score_panel(user) -> dict | None:
    """Sessions the user is invited to and has not scored yet (the sheets come with their sessions)."""
    from qa.calibration import services

    sheets = services.waiting_for_reviewer(user)
    return {"sheets": sheets} if sheets else None
