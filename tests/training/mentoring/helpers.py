"""Shared set-up for the mentoring tests: branches, a go-live track, passing it."""

from __future__ import annotations

from sqlalchemy import select

from servicecraft.extensions import db
from servicecraft.models import AuditEntry, Branch, User
from tests.training.simulations.helpers import EXAMPLE, FILENAME


def branch(app, code: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Branch).where(Branch.code == code))
        if found is None:
            found = Branch(code=code, name=f"Branch {code}")
            db.session.add(found)
            db.session.commit()
        return found.id


def define_track(app) -> str:
    """Require the spec's example role-play for going live; return its slug."""
    from training.simulations import services
    from training.simulations.models import GoLiveRequirement

    with app.app_context():
        version, _created = services.load_text(EXAMPLE, FILENAME, actor=None)
        db.session.add(GoLiveRequirement(kind="scenario", slug=version.slug))
        db.session.commit()
        return version.slug


def pass_track(app, user_id: int, slug: str, *, passed: bool = True) -> None:
    """Give the person a finished, graded attempt at the required role-play."""
    from training.simulations import services
    from training.simulations.models import Attempt

    with app.app_context():
        version = services.current_version(slug)
        db.session.add(Attempt(user_id=user_id, version_id=version.id, state={}, status="finished",
                               final_score=90.0 if passed else 40.0, passed=passed, outcome="resolved"))
        db.session.commit()


def fetch(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def audit_rows(app, action: str) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.entity_id, e.actor_label, e.reason)
                for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))]
