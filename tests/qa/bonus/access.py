"""Who may open each route of qa.bonus (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

LEADS = frozenset({"admin", "manager"})
AGENTS = frozenset({"agent", "newhire"})

# POST routes: the app-wide CSRF check answers 400 after the role check, so the matrix sees
# the role rule only; the feature's tests check the four-eyes and frozen-round refusals.
EXPECTED: dict = {
    "qa.bonus.index": LEADS,
    "qa.bonus.new": LEADS,
    "qa.bonus.show": LEADS,
    "qa.bonus.propose": LEADS,
    "qa.bonus.choose": LEADS,
    "qa.bonus.submit": LEADS,
    "qa.bonus.approve": LEADS,
    "qa.bonus.send_back": LEADS,
    "qa.bonus.payroll_csv": LEADS,
    "qa.bonus.payroll_pdf": LEADS,
    "qa.bonus.mine": AGENTS,
}


def sample_values(app, users) -> dict:
    """An approved round that pays the matrix's agent."""
    from datetime import UTC, date, datetime

    from qa.bonus.models import BonusDecision, BonusRecipient, BonusRound
    from servicecraft.extensions import db

    with app.app_context():
        round_ = BonusRound(
            name="Matrix round", period_from=date(2026, 1, 1), period_to=date(2026, 1, 31), budget_cents=10000,
            currency="EUR", rules={"min_tickets": 20, "no_critical_fail": True, "training_complete": True, "min_composite": 75},
            split_mode="equal", status="approved", revision=1, weights={"qa_pct": 25}, snapshot={}, proposal={"eligible": [], "ineligible": []},
            opened_by_id=users["manager"].id, submitted_by_id=users["manager"].id, approved_by_id=users["admin"].id,
            approved_at=datetime.now(UTC),
        )
        round_.recipients.append(BonusRecipient(agent_id=users["agent"].id, position=1, rank=1, composite=80.0, tickets_solved=30,
                                                is_proposed=True, ineligible_reasons=[], chosen=True, final_position=1,
                                                amount_cents=10000))
        round_.decisions.append(BonusDecision(action="approved", actor_id=users["admin"].id, revision=1))
        db.session.add(round_)
        db.session.commit()
        return {"round_id": round_.id}
