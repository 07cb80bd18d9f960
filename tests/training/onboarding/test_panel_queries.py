"""The mentor's check-ins panel costs as many queries for 3N mentees as for N."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from servicecraft.extensions import db
from tests.training.querycount import assert_constant
from training.onboarding.models import CheckIn, Plan, PlanItem

N = 2


def test_checkins_ask_the_same_queries_for_three_times_the_mentees(app, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    today = date.today()
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            mentee = make_user(roles=["agent"], mentor_id=mentor.id, name=f"Mentee {made['n']}", start_date=today)
            with app.app_context():
                db.session.add_all([
                    CheckIn(mentor_id=mentor.id, mentee_id=mentee.id, agenda="Due",
                            scheduled_at=datetime.combine(today - timedelta(days=1), time(9, 0), tzinfo=UTC)),
                    CheckIn(mentor_id=mentor.id, mentee_id=mentee.id, agenda="Next week",
                            scheduled_at=datetime.combine(today + timedelta(days=2), time(9, 0), tzinfo=UTC)),
                ])
                plan = Plan(user_id=mentee.id, name="Plan", start_date=today - timedelta(days=10))
                plan.items = [PlanItem(key="late", position=1, title={"en": "Late item"}, due_date=today - timedelta(days=2)),
                              PlanItem(key="later", position=2, title={"en": "Later item"}, due_date=today + timedelta(days=9))]
                db.session.add(plan)
                db.session.commit()

    def expect(html: str, factor: int) -> None:
        n = N * factor
        assert html.count('<span class="tag bad">Overdue</span>') == n  # every check-in due is listed
        assert all(f"Mentee {k} · " in html for k in range(1, n + 1))
        assert html.count("Late item · ") == min(6, n)  # the panel lists six overdue plan items at most
        assert "Next: Mentee 1," in html

    add(1)
    assert_constant(app, mentor.id, "onboarding-checkins", add, expect=expect)
