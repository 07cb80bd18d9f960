"""Who may open each route of qa.scorecards (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

STAFF = frozenset({"admin", "manager"})
# Everyone but shoppers has a scorecard page (agents are sent to their own).
SCORECARD_ROLES = frozenset({"admin", "manager", "mentor", "agent", "newhire"})
# The sample scorecard is the (live) agent's: they, managers and admins see it.
AGENT_VIEWERS = frozenset({"admin", "manager", "agent"})

EXPECTED: dict = {
    "qa.scorecards.index": SCORECARD_ROLES,
    "qa.scorecards.agent": AGENT_VIEWERS,
    "qa.scorecards.agent_pdf": AGENT_VIEWERS,
    "qa.scorecards.pack": STAFF,
    "qa.scorecards.weights": STAFF,
    "api_scorecards.Scorecards": SCORECARD_ROLES,
}


def sample_values(app, users) -> dict:
    """The live agent's scorecard."""
    return {"user_id": users["agent"].id}
