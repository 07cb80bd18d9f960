"""The demo step of ticket reviews and calibration."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from qa.calibration.models import CalibrationSession
from qa.evaluations.models import Evaluation
from qa.reviews.demo import reviews_and_calibration
from qa.reviews.models import ReviewSample
from servicecraft import demo
from servicecraft.extensions import db
from tests.qa.reviews.helpers import make_ticket


def test_demo_step_needs_tickets_and_is_rerunnable(app):
    with app.app_context():
        ctx: dict = {}
        demo.people(ctx)
        message = reviews_and_calibration(ctx)
        assert "no imported tickets" in message
        assert db.session.scalar(select(func.count(ReviewSample.id))) == 0
        agents = [u for e, u in ctx["users"].items() if e.startswith("agent")]
        start = datetime(2026, 2, 2, 10, tzinfo=UTC)
        for n in range(40):
            make_ticket(agents[n % len(agents)].id, solved_at=start + timedelta(hours=17 * n),
                        csat="negative" if n % 6 == 0 else "positive")
        reviews_and_calibration(ctx)
        reviews_and_calibration(ctx)   # again: nothing doubles
        assert db.session.scalar(select(func.count(ReviewSample.id))) == 1
        released = db.session.scalar(select(func.count(Evaluation.id)).where(Evaluation.status == "released",
                                                                             Evaluation.kind == "review"))
        assert released >= 3
        session = db.session.scalar(select(CalibrationSession))
        assert session.status == "revealed" and sum(s.status == "submitted" for s in session.sheets) == 3
        db.session.rollback()
