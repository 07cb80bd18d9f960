"""Who may open each route of qa.scorecards (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

EXPECTED: dict = {}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    return {}
