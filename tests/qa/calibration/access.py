"""Who may open each route of qa.calibration (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

MANAGERS = frozenset({"admin", "manager"})
STAFF = frozenset({"admin", "manager", "mentor"})

EXPECTED: dict = {
    "qa.calibration.index": STAFF,
    "qa.calibration.new": MANAGERS,
    # The sample session is owned by the manager, with the manager and the mentor invited:
    # admins see every session; the mentor only because invited.
    "qa.calibration.show": STAFF,
    # Only invited reviewers have a sheet: the admin is not invited.
    "qa.calibration.sheet": frozenset({"manager", "mentor"}),
    # The mentor's sheet, before the reveal: blind, so only the mentor may read it.
    "qa.calibration.sheet_view": frozenset({"mentor"}),
    # POST-only: the role rule answers first; ownership is checked after CSRF (tested separately).
    "qa.calibration.reveal": MANAGERS,
    # The owner (manager) or an admin.
    "qa.calibration.agree": MANAGERS,
}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    from qa.calibration.models import CalibrationSession, CalibrationSheet
    from servicecraft.extensions import db
    from tests.qa.reviews.helpers import review_form

    with app.app_context():
        version = review_form()
        session = CalibrationSession(title="Matrix session", form_version_id=version.id, owner_id=users["manager"].id,
                                     description="A call", status="open")
        session.sheets = [CalibrationSheet(reviewer_id=users["manager"].id, status="invited", answers={}),
                          CalibrationSheet(reviewer_id=users["mentor"].id, status="invited", answers={})]
        db.session.add(session)
        db.session.commit()
        return {"session_id": session.id, "sheet_id": session.sheets[1].id}
