"""Who may open each route of training.simulations (merged into tests/training/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

PLAYERS = frozenset({"admin", "manager", "mentor", "agent", "newhire"})
STAFF = frozenset({"admin", "manager", "mentor"})
MANAGERS = frozenset({"admin", "manager"})
ADMIN = frozenset({"admin"})

EXPECTED: dict = {
    "training.simulations.index": PLAYERS,
    "training.simulations.show": PLAYERS,
    "training.simulations.start": PLAYERS,
    "training.simulations.upload": MANAGERS,
    # The sample attempt belongs to the new hire (who has no mentor in the matrix).
    "training.simulations.attempt": frozenset({"admin", "manager", "newhire"}),
    # POST: the app-wide CSRF check answers 400 before the ownership check can answer 403,
    # so the matrix sees the role rule only; test_web checks that others get 403.
    "training.simulations.step": PLAYERS,
    "training.simulations.grade": MANAGERS,
    "training.simulations.reviews": STAFF,
    "training.simulations.statistics": STAFF,
    "training.simulations.statistics_show": STAFF,
    "training.simulations.golive": ADMIN,
    "training.simulations.golive_remove": ADMIN,
    # The sample person is the (live) agent: themselves, managers and admins.
    "training.simulations.golive_person": frozenset({"admin", "manager", "agent"}),
}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.simulations import engine, services
    from training.simulations.models import GoLiveRequirement

    from .helpers import EXAMPLE

    with app.app_context():
        version, _created = services.load_text(EXAMPLE, "double-charge.yaml", actor=None)
        newhire = db.session.get(User, users["newhire"].id)
        attempt = services.start_attempt(newhire, version.slug)
        for action in engine.model_path(services.scenario_of(version)):
            services.take_step(newhire, attempt, attempt.step_counter, action)
        requirement = GoLiveRequirement(kind="scenario", slug=version.slug)
        db.session.add(requirement)
        db.session.commit()
        return {"scenario_slug": version.slug, "roleplay_id": attempt.id, "requirement_id": requirement.id}
