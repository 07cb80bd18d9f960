"""The calibration panels of the dashboard: which sessions wait for their owner, which sheets for a reviewer."""

from __future__ import annotations

import itertools

from qa.calibration import services
from qa.calibration.models import CalibrationSession, CalibrationSheet
from qa.evaluations.models import EvaluationForm, FormVersion
from servicecraft.extensions import db
from servicecraft.models import User

_serial = itertools.count(1)


def _session(owner_id: int, status: str, sheets: dict[int, str], title: str) -> CalibrationSession:
    n = next(_serial)
    form = EvaluationForm(slug=f"calibration-panel-{n}", kind="review", title={"en": f"Form {n}"})
    version = FormVersion(form=form, status="published", source="", fingerprint="sha256:" + "0" * 64)
    session = CalibrationSession(title=title, form_version=version, owner_id=owner_id, status=status)
    for reviewer_id, sheet_status in sheets.items():
        session.sheets.append(CalibrationSheet(reviewer_id=reviewer_id, status=sheet_status))
    db.session.add(session)
    return session


def test_the_owner_waits_on_sessions_ready_to_reveal_or_to_agree(app, make_user):
    owner = make_user(roles=["manager"])
    other = make_user(roles=["manager"])
    a, b, c = (make_user(roles=["mentor"]).id for _ in range(3))
    with app.app_context():
        _session(owner.id, "open", {a: "submitted", b: "submitted"}, "Two submitted")
        _session(owner.id, "open", {a: "submitted", b: "submitted", c: "draft"}, "Two of three")
        _session(owner.id, "open", {a: "submitted", b: "draft", c: "invited"}, "Only one submitted")
        _session(owner.id, "revealed", {}, "Revealed")
        _session(owner.id, "agreed", {a: "submitted", b: "submitted"}, "Agreed")
        _session(other.id, "open", {a: "submitted", b: "submitted"}, "Someone else's")
        db.session.commit()
        waiting = services.waiting_for_owner(db.session.get(User, owner.id))
        assert [s.title for s in waiting] == ["Two submitted", "Two of three", "Revealed"]


def test_a_reviewer_waits_on_unsubmitted_sheets_of_open_sessions(app, make_user):
    owner = make_user(roles=["manager"])
    reviewer = make_user(roles=["mentor"])
    with app.app_context():
        _session(owner.id, "open", {reviewer.id: "invited"}, "Invited")
        _session(owner.id, "open", {reviewer.id: "draft"}, "Draft")
        _session(owner.id, "open", {reviewer.id: "submitted"}, "Submitted")
        _session(owner.id, "revealed", {reviewer.id: "invited"}, "Revealed without them")
        _session(owner.id, "open", {}, "Not invited")
        db.session.commit()
        db.session.expunge_all()
        sheets = services.waiting_for_reviewer(db.session.get(User, reviewer.id))
        assert [sheet.session.title for sheet in sheets] == ["Invited", "Draft"]  # sessions loaded with the sheets
