"""Enrolment by hand and by rules, due dates and the overdue flag, prerequisites."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from servicecraft.extensions import db
from servicecraft.models import Branch, Team, User
from tests.training.courses.helpers import make_course, post
from training.courses import services
from training.courses.models import Enrolment, EnrolmentRule, LessonView

BASE = "/training/courses"


def _team(app, name="Phone support") -> int:
    with app.app_context():
        branch = Branch(code="MSK", name="Moscow")
        db.session.add(branch)
        db.session.flush()
        team = Team(name=name, branch_id=branch.id)
        db.session.add(team)
        db.session.commit()
        return team.id


def _count(app, **where) -> int:
    with app.app_context():
        query = select(func.count(Enrolment.id))
        for name, value in where.items():
            query = query.where(getattr(Enrolment, name) == value)
        return db.session.scalar(query)


def test_enrolling_a_team_is_idempotent(app, client, login, make_user, csrf_token):
    team_id = _team(app)
    members = [make_user(roles=["agent"], team_id=team_id) for _ in range(3)]
    make_user(roles=["agent"])  # not in the team
    login(client, make_user(roles=["manager"]))
    ids = make_course(app, "team-course")
    due = (date.today() + timedelta(days=10)).isoformat()
    url = f"{BASE}/{ids['course_id']}/enrolments"
    page = post(client, csrf_token, url, {"kind": "team", "team_id": team_id, "due_date": due}, follow_redirects=True).get_data(as_text=True)
    assert "3 enrolled; 0 were enrolled already." in page
    page = post(client, csrf_token, url, {"kind": "team", "team_id": team_id, "due_date": due}, follow_redirects=True).get_data(as_text=True)
    assert "0 enrolled; 3 were enrolled already." in page
    assert _count(app, course_id=ids["course_id"]) == 3
    with app.app_context():
        enrolled = set(db.session.scalars(select(Enrolment.user_id)))
        assert enrolled == {m.id for m in members}


def test_enrolment_without_a_choice_or_on_a_draft_is_refused(app, client, login, make_user, csrf_token):
    login(client, make_user(roles=["admin"]))
    ids = make_course(app, "published")
    response = post(client, csrf_token, f"{BASE}/{ids['course_id']}/enrolments", {"kind": "team", "team_id": 0})
    assert response.status_code == 422 and "Choose a team." in response.get_data(as_text=True)
    draft = make_course(app, "draft-course", status="draft")
    person = make_user(roles=["agent"])
    response = post(client, csrf_token, f"{BASE}/{draft['course_id']}/enrolments", {"kind": "person", "user_id": person.id})
    assert response.status_code == 422 and "Only a published course can take enrolments." in response.get_data(as_text=True)
    assert _count(app) == 0


def test_a_rule_enrols_new_hires_with_due_dates_from_their_start(app, client, login, make_user, csrf_token):
    start = date.today() - timedelta(days=4)
    newhire = make_user(roles=["agent"], start_date=start)
    make_user(roles=["agent"], start_date=start, live_since=date(2024, 1, 1))  # already live: not a new hire
    login(client, make_user(roles=["manager"]))
    ids = make_course(app, "onboarding")
    page = post(client, csrf_token, f"{BASE}/rules", {"course_slug": "onboarding", "kind": "newhires", "due_days": 14},
                follow_redirects=True).get_data(as_text=True)
    assert "The rule is added and enrolled 1 people." in page
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.user_id == newhire.id and enrolment.course_id == ids["course_id"]
        assert enrolment.due_date == start + timedelta(days=14)
        # Applying again enrols no one twice.
        assert services.apply_enrolment_rules() == 0
        # A person added later is enrolled when the lead calls it for them.
        later = User(email="later@example.test", name="Later", start_date=date.today())
        later.set_roles(["agent"])
        db.session.add(later)
        db.session.flush()
        assert services.apply_enrolment_rules(user=later) == 1
        assert services.apply_enrolment_rules(user=later) == 0
        db.session.commit()
    assert _count(app) == 2


def test_a_rule_for_a_role_is_due_days_from_today(app, make_user):
    mentor = make_user(roles=["mentor"])
    make_user(roles=["shopper"])
    make_course(app, "coaching")
    with app.app_context():
        rule, count = services.create_rule("coaching", "role", None, role="mentor", due_days=30)
        db.session.commit()
        assert count == 1
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.user_id == mentor.id and enrolment.due_date == date.today() + timedelta(days=30)
        assert enrolment.rule_id == rule.id


def test_rules_skip_people_enrolled_on_an_older_version(app, make_user):
    person = make_user(roles=["agent"])
    first = make_course(app, "versioned", enrol=[person])
    with app.app_context():
        course = services.latest_published("versioned")
        copy = services.copy_course(course, None)
        services.set_status(copy, "published", None)
        db.session.add(EnrolmentRule(course_slug="versioned", kind="everyone", is_active=True))
        db.session.flush()
        assert services.apply_enrolment_rules() == 0
        db.session.commit()
        assert db.session.scalar(select(Enrolment.course_id)) == first["course_id"]


def test_due_date_and_overdue_flag_are_shown_to_the_learner(app, client, login, make_user):
    learner = make_user(roles=["agent"])
    make_course(app, "late-course", enrol=[learner], due_date=date.today() - timedelta(days=2))
    make_course(app, "later-course", enrol=[learner], due_date=date.today() + timedelta(days=20))
    login(client, learner)
    html = client.get(f"{BASE}/mine").get_data(as_text=True)
    assert "1 course is overdue." in html
    assert html.count("OVERDUE since") == 1
    assert "late-course title en" in html and "later-course title en" in html
    assert "Read: Lesson 1 en" in html
    home = client.get("/").get_data(as_text=True)
    assert "My training" in home and "1 course is overdue." in home


def test_a_course_cannot_be_started_before_its_prerequisites(app, client, login, make_user):
    learner = make_user(roles=["agent"])
    basics = make_course(app, "basics", enrol=[learner])
    advanced = make_course(app, "advanced", enrol=[learner], prerequisites=[basics["course_id"]])
    login(client, learner)
    response = client.get(f"{BASE}/lessons/{advanced['lesson_ids'][0]}")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Finish these courses first" in html and "basics title en" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(LessonView.id))) == 0
    # Completing the prerequisite opens the course.
    for lesson_id in basics["lesson_ids"]:
        assert client.get(f"{BASE}/lessons/{lesson_id}").status_code == 200
    assert client.get(f"{BASE}/lessons/{advanced['lesson_ids'][0]}").status_code == 200


def test_a_person_created_by_an_admin_is_enrolled_by_the_rules(app, runner):
    """A new hire added from the command line gets the onboarding course at once."""
    from sqlalchemy import select

    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.courses import services
    from training.courses.models import Enrolment

    with app.app_context():
        services.load_starter_courses()
        onboarding = {c.slug for c in db.session.scalars(select(services.Course)).all() if c.is_onboarding}
        db.session.commit()
        assert onboarding
    result = runner.invoke(args=["users", "create", "--email", "fresh@example.test", "--name", "Fresh Hire", "--role", "agent"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "fresh@example.test"))
        slugs = {e.course.slug for e in db.session.scalars(select(Enrolment).where(Enrolment.user_id == person.id))}
        assert onboarding <= slugs


def test_a_manager_moves_a_due_date_with_a_reason_kept_in_the_audit_log(app, client, login, make_user, csrf_token):
    from datetime import date, timedelta

    from sqlalchemy import select

    from servicecraft.extensions import db
    from servicecraft.models import AuditEntry
    from training.courses.models import Enrolment

    from .helpers import make_course, post

    learner = make_user(roles=["agent"], name="Late Learner")
    ids = make_course(app, enrol=[learner], due_date=date.today() + timedelta(days=2))
    login(client, make_user(roles=["manager"]))
    with app.app_context():
        enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == learner.id))
    url = f"/training/courses/enrolments/{enrolment_id}/due"
    new_due = date.today() + timedelta(days=30)
    refused = post(client, csrf_token, url, {"due_date": new_due.isoformat(), "reason": ""}, follow_redirects=True)
    assert "Say why the due date changes." in refused.get_data(as_text=True)
    post(client, csrf_token, url, {"due_date": new_due.isoformat(), "reason": "Sick leave"})
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).due_date == new_due
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "enrolment", AuditEntry.action == "due_date"))
        assert entry.reason == "Sick leave"
    page = client.get(f"/training/courses/{ids['course_id']}/enrolments").get_data(as_text=True)
    assert new_due.isoformat() in page
