"""Who may open each route of qa.evaluations (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

STAFF = frozenset({"admin", "manager"})
# The sample evaluation: authored by the shopper, released, of the (live) agent.
EVALUATION_VIEWERS = frozenset({"admin", "manager", "shopper", "agent"})
# Its author may still edit the sample draft.
DRAFT_EDITORS = frozenset({"admin", "manager", "shopper"})

EXPECTED: dict = {
    "qa.evaluations.index": frozenset({"admin", "manager", "mentor", "shopper", "agent", "newhire"}),
    "qa.evaluations.show": EVALUATION_VIEWERS,
    "qa.evaluations.edit": DRAFT_EDITORS,
    "qa.evaluations.attach": DRAFT_EDITORS,
    "qa.evaluations.remove_evidence": DRAFT_EDITORS,
    "qa.evaluations.evidence": EVALUATION_VIEWERS,
    "qa.evaluations.validate": STAFF,
    "qa.evaluations.release": STAFF,
    "qa.evaluations.return_": STAFF,
    "qa.evaluations.comment": SIGNED_IN,  # POST: the view checks the evaluation after the CSRF check
    "qa.evaluations.revise": STAFF,
    "qa.evaluations.dispute": frozenset({"agent", "newhire", "mentor"}),  # POST: ownership checked in the view
    "qa.evaluations.disputes": STAFF,
    "qa.evaluations.resolve": STAFF,
    "qa.evaluations.forms_index": STAFF,
    "qa.evaluations.form_new": STAFF,
    "qa.evaluations.form_show": STAFF,
    "qa.evaluations.version_download": STAFF,
    "qa.evaluations.form_draft": STAFF,
    "qa.evaluations.version_edit": STAFF,
    "qa.evaluations.version_publish": STAFF,
    "qa.evaluations.form_import": STAFF,
    "qa.evaluations.results_import": STAFF,
    "qa.evaluations.reports": STAFF,
    "api_evaluations.Evaluations": SIGNED_IN,
}

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def sample_values(app, users) -> dict:
    """A released evaluation of the agent by the shopper (with a photo) and the shopper's draft."""
    import io
    from datetime import datetime, timezone

    from qa.evaluations import services
    from servicecraft.extensions import db
    from servicecraft.models import User
    from tests.qa.evaluations.helpers import EXAMPLE_FORM, full_marks

    version, _created = services.import_form(EXAMPLE_FORM, filename="phone-shop.yaml", actor=None)
    shopper = db.session.get(User, users["shopper"].id)
    agent = db.session.get(User, users["agent"].id)
    manager = db.session.get(User, users["manager"].id)
    when = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
    released = services.start_evaluation(version, author=shopper, agent=agent, happened_at=when)
    services.save_draft(released, full_marks(), shopper)
    evidence = services.attach_evidence(released, "receipt", io.BytesIO(JPEG), "receipt.jpg", shopper)
    services.submit(released, shopper)
    services.release(released, manager)
    dispute = services.open_dispute(released, agent, "I disagree")
    draft = services.start_evaluation(version, author=shopper, agent=agent, happened_at=when)
    draft_evidence = services.attach_evidence(draft, "receipt", io.BytesIO(JPEG), "receipt.jpg", shopper)
    db.session.commit()
    return {
        "evaluation_id": released.id, "evaluation_evidence_id": evidence.id, "dispute_id": dispute.id,
        "form_id": version.form_id, "form_version_id": version.id, "draft_id": draft.id,
        "draft_evidence_id": draft_evidence.id,
    }
