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


def test_the_next_plan_items_ask_the_same_queries_for_three_times_the_items(app, make_user):
    from training.onboarding.models import ActionItem

    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    newhire = make_user(roles=["agent"], mentor_id=mentor.id, start_date=date.today())
    today = date.today()
    with app.app_context():
        plan = Plan(user_id=newhire.id, name="Plan", start_date=today)
        checkin = CheckIn(mentor_id=mentor.id, mentee_id=newhire.id, agenda="First week", status="held",
                          scheduled_at=datetime.combine(today, time(9, 0), tzinfo=UTC))
        db.session.add_all([plan, checkin])
        db.session.commit()
        plan_id, checkin_id = plan.id, checkin.id
    made = {"n": 0}

    def add(times: int) -> None:
        with app.app_context():
            for _ in range(times * N):
                made["n"] += 1
                n = made["n"]
                db.session.add_all([
                    PlanItem(plan_id=plan_id, key=f"late-{n}", position=n, title={"en": f"Late {n}"},
                             due_date=today - timedelta(days=n)),
                    ActionItem(checkin_id=checkin_id, owner="newhire", title=f"Action {n}", due_date=today),
                ])
            db.session.commit()

    def expect(html: str, factor: int) -> None:
        assert all(f"Late {n}" in html for n in range(N * factor, N * factor - min(4, N * factor), -1))
        assert all(f"Action {n}" in html for n in range(1, min(3, N * factor) + 1))

    add(1)
    assert_constant(app, newhire.id, "onboarding-next", add, expect=expect)


def test_checkins_ahead_are_the_checkins_due_and_the_upcoming_ones(app, make_user):
    from training.onboarding import services

    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    mentee = make_user(roles=["agent"], mentor_id=mentor.id)
    today = date.today()
    with app.app_context():
        for days, hour, status in ((-3, 9, "scheduled"), (0, 0, "scheduled"), (0, 23, "scheduled"), (1, 0, "scheduled"),
                                   (6, 12, "scheduled"), (7, 0, "scheduled"), (8, 0, "scheduled"), (2, 9, "held")):
            db.session.add(CheckIn(mentor_id=mentor.id, mentee_id=mentee.id, agenda=f"{days} {hour}", status=status,
                                   scheduled_at=datetime.combine(today + timedelta(days=days), time(hour, 0), tzinfo=UTC)))
        db.session.commit()
        from servicecraft.models import User

        person = db.session.get(User, mentor.id)
        due, upcoming = services.checkins_ahead(person, today, days=7)
        assert due == services.checkins_due(person, today)
        assert upcoming == services.upcoming_checkins(person, today, days=7)
        assert [c.agenda for c in due] == ["-3 9", "0 0", "0 23"]
        assert [c.agenda for c in upcoming] == ["1 0", "6 12", "7 0"]
