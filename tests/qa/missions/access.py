"""Who may open each route of qa.missions (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

LEADS = frozenset({"admin", "manager"})
SHOPPERS = frozenset({"shopper"})
LEADS_AND_SHOPPERS = LEADS | SHOPPERS

# The sample mission belongs to the matrix's shopper, so pages about it open for that
# shopper and the QA leads. POST routes: the app-wide CSRF check answers 400 before the
# ownership check can answer 403, so the matrix sees the role rule only; the feature's
# tests check that another shopper gets 403.
EXPECTED: dict = {
    "qa.missions.index": LEADS_AND_SHOPPERS,
    "qa.missions.board": SHOPPERS,
    "qa.missions.claim": SHOPPERS,
    "qa.missions.history": SHOPPERS,
    "qa.missions.queue": LEADS,
    "qa.missions.new": LEADS,
    "qa.missions.edit": LEADS,
    "qa.missions.publish": LEADS,
    "qa.missions.assign": LEADS,
    "qa.missions.cancel": LEADS,
    "qa.missions.show": LEADS_AND_SHOPPERS,
    "qa.missions.work": SHOPPERS,
    "qa.missions.submit": SHOPPERS,
    "qa.missions.evidence": LEADS_AND_SHOPPERS,
    "qa.missions.remove_evidence": SHOPPERS,
    "qa.missions.return_shop": LEADS,
    "qa.missions.validate": LEADS,
    "qa.missions.mark_paid": LEADS,
}


def sample_values(app, users) -> dict:
    """A mission of the matrix's shopper, started, with one photo attached."""
    import io

    from servicecraft.extensions import db
    from servicecraft.models import User
    from tests.qa.missions.helpers import PNG, make_mission

    with app.app_context():
        shopper = db.session.get(User, users["shopper"].id)
        manager = db.session.get(User, users["manager"].id)
        mission = make_mission(manager, shopper=shopper)
        from qa.missions import services

        photo_item = next(i for i in services.definition_of(mission).items() if i.type == "photo")
        services.save_work(mission, shopper, {}, uploads=[services.Upload(photo_item.id, io.BytesIO(PNG), "receipt.png")])
        db.session.commit()
        evidence_id = mission.evaluation.evidence[0].id
        return {"mission_id": mission.id, "evidence_id": evidence_id}
