"""The mentoring dashboard panels (and the people panels beside them) cost as many queries for 3N people as for N."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from servicecraft.extensions import db
from servicecraft.models import User
from tests.training.courses.helpers import make_course
from tests.training.querycount import assert_constant, panel_queries
from training.courses.models import Enrolment
from training.simulations.models import GoLiveRequirement

from .helpers import branch, define_track, pass_track

N = 2


def _track(app) -> tuple[str, int]:
    """A go-live track of one role-play and one course; return the role-play slug and the course id."""
    slug = define_track(app)
    course_id = make_course(app, "golive-basics")["course_id"]
    with app.app_context():
        db.session.add(GoLiveRequirement(kind="course", slug="golive-basics"))
        db.session.commit()
    return slug, course_id


def _enrol(app, user_id: int, course_id: int, *, completed: bool) -> None:
    with app.app_context():
        db.session.add(Enrolment(course_id=course_id, user_id=user_id, due_date=date.today() + timedelta(days=5),
                                 completed_at=datetime.now(UTC) if completed else None))
        db.session.commit()


def _count(html: str, label: str) -> int:
    found = re.search(re.escape(label) + r'</span><span class="bar-track">.*?<span class="bar-value">(\d+)</span>', html)
    assert found, f"no bar for {label}"
    return int(found.group(1))


def test_the_funnel_asks_the_same_queries_for_three_times_the_new_hires(app, make_user):
    slug, course_id = _track(app)
    manager = make_user(roles=["manager"])
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1), mentor_capacity=50)
    start = date.today() - timedelta(days=10)

    def add(times: int) -> None:
        for _ in range(times * N):
            make_user(roles=["agent"], start_date=start)  # no mentor yet
            assigned = make_user(roles=["agent"], mentor_id=mentor.id, start_date=start)
            _enrol(app, assigned.id, course_id, completed=False)
            pass_track(app, assigned.id, slug, passed=False)
            done = make_user(roles=["agent"], mentor_id=mentor.id, start_date=start)
            _enrol(app, done.id, course_id, completed=True)
            passed = make_user(roles=["agent"], mentor_id=mentor.id, start_date=start)
            _enrol(app, passed.id, course_id, completed=True)
            pass_track(app, passed.id, slug)

    def expect(html: str, factor: int) -> None:
        for label in ("No mentor yet", "Mentor assigned", "Courses done", "Go-live track passed"):
            assert _count(html, label) == N * factor, label

    add(1)
    assert_constant(app, manager.id, "mentoring-funnel", add, expect=expect)


def test_the_signoff_panel_asks_the_same_queries_for_three_times_the_mentees(app, make_user):
    slug, course_id = _track(app)
    mentor = make_user(roles=["mentor", "agent"], live_since=date(2020, 1, 1), mentor_capacity=50)

    def add(times: int) -> None:
        for _ in range(times * N):
            ready = make_user(roles=["agent"], mentor_id=mentor.id)
            pass_track(app, ready.id, slug)
            _enrol(app, ready.id, course_id, completed=True)
            missing = make_user(roles=["agent"], mentor_id=mentor.id)
            _enrol(app, missing.id, course_id, completed=False)

    def expect(html: str, factor: int) -> None:
        assert html.count("Ready to sign off") == N * factor
        assert html.count("2 items missing") == N * factor

    add(1)
    assert_constant(app, mentor.id, "mentoring-signoff", add, expect=expect)


def test_the_people_overview_asks_the_same_queries_for_three_times_the_new_hires(app, make_user):
    manager = make_user(roles=["manager"])
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            # Each new hire has a branch and a mentor of their own: the table names both.
            mentor = make_user(roles=["mentor"], name=f"Mentor {made['n']}", live_since=date(2020, 1, 1))
            make_user(roles=["agent"], mentor_id=mentor.id, branch_id=branch(app, f"B{made['n']}"), start_date=date.today())

    def expect(html: str, factor: int) -> None:
        assert all(f"<td>B{n}</td>" in html and f"<td>Mentor {n}</td>" in html for n in range(1, N * factor + 1))

    add(1)
    assert_constant(app, manager.id, "people-overview", add, expect=expect)


def test_my_mentees_asks_the_same_queries_for_three_times_the_mentees(app, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1), mentor_capacity=50)

    def add(times: int) -> None:
        for _ in range(times * N):
            make_user(roles=["agent"], mentor_id=mentor.id, start_date=date.today(), name="Mentee")
            make_user(roles=["agent"], mentor_id=mentor.id, start_date=date.today(), name="Live", live_since=date.today())

    def expect(html: str, factor: int) -> None:
        assert html.count("<strong>Mentee</strong>") == N * factor
        assert html.count("<strong>Live</strong>") == N * factor
        assert html.count('<span class="tag">New hire</span>') == N * factor  # the mentees still onboarding

    add(1)
    assert_constant(app, mentor.id, "my-mentees", add, expect=expect)


def test_one_person_and_many_people_get_the_same_go_live_answers(app, make_user):
    from training.mentoring import services

    slug, course_id = _track(app)
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    people = [make_user(roles=["agent"], mentor_id=mentor.id) for _ in range(4)]
    make_user(roles=["agent"])  # no mentor
    pass_track(app, people[0].id, slug)
    _enrol(app, people[0].id, course_id, completed=True)
    _enrol(app, people[1].id, course_id, completed=True)
    _enrol(app, people[2].id, course_id, completed=False)
    live = make_user(roles=["agent"], live_since=date.today())
    with app.app_context():
        everyone = [db.session.get(User, p.id) for p in [*people, live]] + services.newhires_without_mentor()
        stages = services.stages_of(everyone)
        assert stages == {p.id: services.stage_of(p) for p in everyone}
        assert [stages[p.id] for p in everyone[:5]] == ["track_passed", "courses_done", "mentor_assigned",
                                                         "courses_done", "live"]
        blockers = services.sign_off_blockers_many(everyone)
        assert blockers == {p.id: services.sign_off_blockers(p) for p in everyone}
        assert blockers[people[0].id] == [] and len(blockers[people[3].id]) == 2
        assert services.sign_off_missing_counts(everyone) == {p.id: len(lines) for p, lines in
                                                              ((p, blockers[p.id]) for p in everyone)}


def test_the_onboarding_status_reads_the_mentor_but_not_their_roles(app, make_user):
    mentor = make_user(roles=["mentor", "agent"], name="Mona Mentor", email="mona@example.test", live_since=date(2020, 1, 1))
    newhire = make_user(roles=["agent"], mentor_id=mentor.id, start_date=date.today() - timedelta(days=3))
    queries, html = panel_queries(app, newhire.id, "onboarding-status")
    assert "Mona Mentor · <a href=\"mailto:mona@example.test\">" in html and "3 days ago" in html
    assert queries == 1, "the mentor only: the panel never shows their roles"
