"""Who may open each route of training.library (merged into tests/training/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

MANAGERS = frozenset({"admin", "manager"})
READERS = frozenset({"agent", "newhire", "mentor"})

EXPECTED: dict = {
    "training.library.index": SIGNED_IN,
    "training.library.show": SIGNED_IN,
    "training.library.changes": SIGNED_IN,
    "training.library.acknowledge": READERS,
    "training.library.publish": MANAGERS,
    "training.library.acknowledgements": MANAGERS,
}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    from servicecraft.extensions import db
    from training.library.models import Protocol, ProtocolVersion

    with app.app_context():
        protocol = Protocol(slug="matrix-protocol", title={"en": "Matrix protocol"}, current_version=2)
        protocol.versions = [
            ProtocolVersion(number=1, body={"en": "# Matrix\n\n## First\n\nOne.\n"}),
            ProtocolVersion(number=2, body={"en": "# Matrix\n\n## First\n\nTwo.\n"}, change_note="Two"),
        ]
        db.session.add(protocol)
        db.session.commit()
        return {"slug": protocol.slug}
