"""Records the ticket-review and calibration tests need, made through the real models and services."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from qa.evaluations import services as evaluation_services
from qa.tickets.models import Ticket
from servicecraft.extensions import db

STARTER_FORMS = Path(__file__).resolve().parents[3] / "qa" / "evaluations" / "starter_forms"
_counter = {"n": 0}


def make_ticket(agent_id, solved_at=datetime(2026, 3, 4, 12, 0, tzinfo=UTC), **fields) -> Ticket:
    """Add a solved ticket (flushed, not committed)."""
    _counter["n"] += 1
    values = dict(source="zendesk", external_id=str(1000 + _counter["n"]), source_updated_at=solved_at,
                  agent_id=agent_id, status="solved", channel="email", created_at=solved_at, solved_at=solved_at,
                  first_reply_minutes=30.0, resolution_minutes=120.0, reopens=0, agent_replies=1, csat="positive",
                  subject=f"Ticket {_counter['n']}")
    values.update(fields)
    ticket = Ticket(**values)
    db.session.add(ticket)
    db.session.flush()
    return ticket


def review_form():
    """Return the published starter ticket-review form (its protocol links left out, so the
    test does not depend on which protocols the library holds)."""
    version = evaluation_services.latest_published("ticket-review")
    if version is None:
        text = (STARTER_FORMS / "ticket-review.yaml").read_text(encoding="utf-8")
        text = re.sub(r"^\s*protocol: .*$\n", "", text, flags=re.M)
        version, _created = evaluation_services.import_form(text, filename="ticket-review.yaml", actor=None)
    return version


def good_answers() -> dict:
    """Complete answers of the ticket-review form, as a form post sends them."""
    return {"item-first_reply_time": "600", "item-acknowledged": "yes", "item-clarified": "na",
            "item-details_recorded": "yes", "item-categorised": "yes", "item-no_wrong_info": "yes",
            "item-accuracy": "3", "item-apologised": "na", "item-fair_solution": "2", "item-kept_informed": "na",
            "item-concise": "yes", "item-literate": "no", "item-polite": "yes", "item-closing": "yes",
            "item-feedback": "Well done."}
