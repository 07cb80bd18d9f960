"""Who may open each route of training.mentoring (merged into tests/training/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

MANAGERS = frozenset({"admin", "manager"})

EXPECTED: dict = {
    "training.mentoring.index": MANAGERS,
    "training.mentoring.assign": MANAGERS,
    "training.mentoring.auto_assign": MANAGERS,
    "training.mentoring.reports": MANAGERS,
    "training.mentoring.feedback_summary": MANAGERS,
    # The sample new hire has no mentor: the matrix mentor is not theirs (403); managers may override.
    "training.mentoring.signoff": MANAGERS,
    "training.mentoring.feedback": frozenset({"newhire"}),
}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    return {"newhire_id": users["newhire"].id}
