"""Feedback on mentoring (anonymous, aggregated), dashboard panels, navigation and the demo."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update

from servicecraft.extensions import db
from servicecraft.models import User
from training.mentoring.models import FeedbackResponse, SignOff

from .helpers import fetch

FEEDBACK_URL = "/training/mentoring/feedback"


def _token(client) -> str:
    html = client.get(FEEDBACK_URL).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _rate(client, csrf_token=None, **data):
    token = csrf_token(FEEDBACK_URL) if csrf_token else _token(client)
    return client.post(FEEDBACK_URL, data={"csrf_token": token, **data})


def test_a_new_hire_rates_once_per_30_days_and_bad_ratings_are_refused(app, client, login, make_user, csrf_token):
    mentor = make_user(roles=["mentor"], name="Rita Rated")
    hire = make_user(roles=["agent"], mentor_id=mentor.id)
    login(client, hire)
    home = client.get("/").get_data(as_text=True)
    assert "Rate your mentoring" in home
    form = client.get(FEEDBACK_URL).get_data(as_text=True)
    assert "Rita Rated" in form and 'type="radio"' in form
    bad = _rate(client, csrf_token, availability="7", clarity="3")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Usefulness: choose a rating from 1 to 5." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(FeedbackResponse.id))) == 0
    ok = _rate(client, csrf_token, availability="5", clarity="4", usefulness="3", comment="Helpful!")
    assert ok.status_code == 303
    assert "Rate your mentoring" not in client.get("/").get_data(as_text=True)
    again = _rate(client, csrf_token, availability="1", clarity="1", usefulness="1")
    assert again.status_code == 422 and "recently" in again.get_data(as_text=True)
    with app.app_context():
        [row] = db.session.scalars(select(FeedbackResponse)).all()
        assert (row.mentor_id, row.availability, row.clarity, row.usefulness, row.comment) == (mentor.id, 5, 4, 3, "Helpful!")
        assert row.period == datetime.now(UTC).strftime("%Y-%m")
        # 31 days later they are asked again.
        from training.mentoring import services

        person = db.session.get(User, hire.id)
        assert not services.feedback_due(person)
        assert services.feedback_due(person, datetime.now(UTC) + timedelta(days=31))


def test_a_new_hire_without_mentor_has_nothing_to_rate(app, client, login, make_user, csrf_token):
    hire = make_user(roles=["agent"])
    login(client, hire)
    assert "nothing to rate" in client.get(FEEDBACK_URL).get_data(as_text=True)
    refused = _rate(client, csrf_token, availability="5", clarity="5", usefulness="5")
    assert refused.status_code == 422


def test_managers_see_feedback_aggregated_and_never_attributed(app, client, login, make_user, csrf_token):
    from training.mentoring import services

    mentor = make_user(roles=["mentor"], name="Anon Mentor")
    hires = [make_user(roles=["agent"], name=f"Secret Hire {i}", mentor_id=mentor.id) for i in range(3)]
    for hire, (a, c, u, comment) in zip(hires, [(5, 4, 3, "first words"), (3, 4, 5, ""), (4, 4, 4, "third words")], strict=True):
        client = app.test_client()
        login(client, hire)
        assert _rate(client, availability=str(a), clarity=str(c), usefulness=str(u), comment=comment).status_code == 303
        if hire is hires[1]:
            # With two answers only, no comment is shown yet.
            manager_view = app.test_client()
            login(manager_view, make_user(roles=["manager"]))
            page = manager_view.get("/training/mentoring/feedback/summary").get_data(as_text=True)
            assert "first words" not in page and "Comments are hidden" in page
    manager = app.test_client()
    login(manager, make_user(roles=["manager"]))
    page = manager.get("/training/mentoring/feedback/summary").get_data(as_text=True)
    assert "Anon Mentor" in page and "3 answers" in page and "first words" in page and "third words" in page
    assert "Secret Hire" not in page
    today = date.today()
    assert today.isoformat() not in page and f"{today:%Y-%m}" in page
    with app.app_context():
        [row] = services.feedback_summary(random.Random(1))
        assert row["count"] == 3 and row["averages"] == {"availability": 4, "clarity": 4, "usefulness": 4}
        assert sorted(c["text"] for c in row["comments"]) == ["first words", "third words"]
        assert set(row["comments"][0]) == {"month", "text"}
        orders = {tuple(c["text"] for c in services.feedback_summary(random.Random(seed))[0]["comments"]) for seed in range(20)}
        assert len(orders) == 2, "comments come in shuffled order"
    # The stored answers hold no link to their authors.
    columns = set(FeedbackResponse.__table__.columns.keys())
    assert columns == {"id", "mentor_id", "period", "availability", "clarity", "usefulness", "comment"}


def test_manager_dashboard_panels_and_navigation(app, client, login, make_user):
    manager = make_user(roles=["manager"])
    make_user(roles=["agent"], name="Ulla Unassigned", start_date=date(2026, 11, 20))
    login(client, manager)
    home = client.get("/").get_data(as_text=True)
    assert "Onboarding funnel" in home and "No mentor yet" in home
    assert "New hires without a mentor" in home and "Ulla Unassigned" in home
    assert 'href="/training/mentoring/"' in home
    agent = app.test_client()
    login(agent, make_user(roles=["agent"], live_since=date(2024, 1, 1)))
    assert 'href="/training/mentoring/"' not in agent.get("/").get_data(as_text=True)


def test_funnel_counts_each_stage(app, make_user):
    from training.mentoring import services

    from .helpers import define_track, pass_track

    slug = define_track(app)
    mentor = make_user(roles=["mentor"])
    make_user(roles=["agent"])  # no mentor
    make_user(roles=["agent"], mentor_id=mentor.id)  # mentor, no courses: courses done (none to do)
    passed = make_user(roles=["agent"], mentor_id=mentor.id)
    pass_track(app, passed.id, slug)
    with app.app_context():
        counts = services.funnel()
        assert counts == {"no_mentor": 1, "mentor_assigned": 0, "courses_done": 1, "track_passed": 1, "live": 0}


def test_demo_has_mentees_at_every_stage_and_is_rerunnable(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    from training.mentoring import services

    with app.app_context():
        counts = services.funnel()
        assert all(counts[stage] >= 1 for stage in services.FUNNEL_STAGES), counts
        assert [u.email for u in services.newhires_without_mentor()] == ["newhire4@demo.test"]
        assert db.session.scalar(select(func.count(SignOff.id))) == 8
        times = services.time_to_golive()
        assert times["branches"] and times["mentors"] and len({r["median"] for r in times["mentors"]}) > 1
        mentor = db.session.scalar(select(User).where(User.email == "mentor@demo.test"))
        [row] = [r for r in services.feedback_summary() if r["mentor"].id == mentor.id]
        assert row["count"] >= 3 and row["comments"]
        newhire = db.session.scalar(select(User).where(User.email == "newhire@demo.test"))
        assert services.sign_off_blockers(newhire) and services.feedback_due(newhire)
    assert fetch(app, mentor.id).email == "mentor@demo.test"


def test_every_page_opens_on_the_demo(app, runner, login):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        # Several demo people read Russian; these checks read the English pages.
        db.session.execute(update(User).values(language="en"))
        db.session.commit()
        people = {u.email: u for u in db.session.scalars(select(User))}
        for user in people.values():
            db.session.expunge(user)
    manager, mentor, newhire = people["manager@demo.test"], people["mentor@demo.test"], people["newhire@demo.test"]
    client = app.test_client()
    login(client, manager)
    for url in ("/", "/training/mentoring/", "/training/mentoring/auto-assign", "/training/mentoring/reports",
                "/training/mentoring/feedback/summary", f"/training/mentoring/people/{newhire.id}/assign",
                f"/training/mentoring/people/{people['agent1@demo.test'].id}/sign-off"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.get_data(as_text=True).count("<h1") == 1, url
    reports = client.get("/training/mentoring/reports").get_data(as_text=True)
    assert "Go-live track passed" in reports and "Mikhail Sokolov" in reports
    own = app.test_client()
    login(own, mentor)
    home = own.get("/").get_data(as_text=True)
    assert "Go-live sign-off" in home and f"/training/mentoring/people/{newhire.id}/sign-off" in home
    page = own.get(f"/training/mentoring/people/{newhire.id}/sign-off").get_data(as_text=True)
    assert "cannot be signed off yet" in page and "Pass the role-play" in page
    assert own.get(f"/training/mentoring/people/{people['newhire3@demo.test'].id}/sign-off").status_code == 403
    hire = app.test_client()
    login(hire, newhire)
    assert "Rate your mentoring" in hire.get("/").get_data(as_text=True)
    assert hire.get("/training/mentoring/feedback").status_code == 200
