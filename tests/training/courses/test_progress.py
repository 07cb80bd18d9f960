"""Lesson views, completion, and who may see whose progress."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from servicecraft.extensions import db
from servicecraft.models import AuditEntry
from tests.training.courses.helpers import make_course
from training.courses import services
from training.courses.models import Course, Enrolment, LessonView
from training.courses.progress import Progress, due_status, next_step

BASE = "/training/courses"


def test_lesson_views_are_recorded_once_and_complete_a_course_without_quizzes(app, client, login, make_user):
    learner = make_user(roles=["agent"])
    ids = make_course(app, "short", lessons=2, enrol=[learner])
    login(client, learner)
    first, second = ids["lesson_ids"]
    page = client.get(f"{BASE}/lessons/{first}").get_data(as_text=True)
    assert "Lesson 1 of 2" in page and f'href="{BASE}/lessons/{second}"' in page
    client.get(f"{BASE}/lessons/{first}")
    with app.app_context():
        assert db.session.scalar(select(func.count(LessonView.id))) == 1
        assert db.session.scalar(select(Enrolment.completed_at)) is None
    page = client.get(f"{BASE}/lessons/{second}", follow_redirects=True).get_data(as_text=True)
    assert "You have completed the course" in page
    assert f'href="{BASE}/lessons/{first}"' in page  # the previous lesson
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.completed_at is not None
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "enrolment", AuditEntry.action == "complete"))
    assert "Completed. Well done!" in client.get(f"{BASE}/mine").get_data(as_text=True)


def test_a_course_not_requiring_lessons_completes_at_once_without_quizzes(app, make_user):
    learner = make_user(roles=["agent"])
    make_course(app, "optional-reading", enrol=[learner], requires_all_lessons=False)
    with app.app_context():
        from servicecraft.models import User

        course = db.session.scalar(select(Course))
        assert services.refresh_completion(db.session.get(User, learner.id), course) is True
        db.session.commit()
        assert db.session.scalar(select(Enrolment.completed_at)) is not None


def test_staff_and_mentors_read_lessons_without_recording_views(app, client, login, make_user):
    mentor = make_user(roles=["mentor"])
    mentee = make_user(roles=["agent"], mentor_id=mentor.id)
    ids = make_course(app, "watched", enrol=[mentee])
    login(client, mentor)
    assert client.get(f"{BASE}/{ids['course_id']}").status_code == 200
    assert client.get(f"{BASE}/lessons/{ids['lesson_ids'][0]}").status_code == 200
    login(client, make_user(roles=["manager"]))
    assert client.get(f"{BASE}/lessons/{ids['lesson_ids'][0]}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(LessonView.id))) == 0
    other_mentor = make_user(roles=["mentor"])
    login(client, other_mentor)
    assert client.get(f"{BASE}/{ids['course_id']}").status_code == 403


def test_a_new_hire_cannot_see_another_persons_progress(app, client, login, make_user):
    newhire, other = make_user(roles=["agent"]), make_user(roles=["agent"])
    make_course(app, "c1", enrol=[newhire, other])
    login(client, newhire)
    assert client.get(f"{BASE}/progress/{newhire.id}").status_code == 200
    assert client.get(f"{BASE}/progress/{other.id}").status_code == 403
    assert client.get(f"{BASE}/progress").status_code == 403


def test_a_mentor_sees_only_their_mentees(app, client, login, make_user):
    mentor = make_user(roles=["mentor"])
    mine = make_user(roles=["agent"], name="Mentee Mine", mentor_id=mentor.id)
    theirs = make_user(roles=["agent"], name="Someone Else")
    make_course(app, "c1", enrol=[mine, theirs], due_date=date.today() - timedelta(days=1))
    login(client, mentor)
    html = client.get(f"{BASE}/progress").get_data(as_text=True)
    assert "Mentee Mine" in html and "Someone Else" not in html
    assert client.get(f"{BASE}/progress/{mine.id}").status_code == 200
    assert client.get(f"{BASE}/progress/{theirs.id}").status_code == 403
    home = client.get("/").get_data(as_text=True)
    assert "Mentees&#39; overdue training" in home or "Mentees' overdue training" in home
    assert "Mentee Mine" in home


def test_managers_see_everyone_filtered_by_team_and_the_overdue_chart(app, client, login, make_user):
    from servicecraft.models import Branch, Team

    with app.app_context():
        branch = Branch(code="EKB", name="Yekaterinburg")
        db.session.add(branch)
        db.session.flush()
        team = Team(name="Ural team", branch_id=branch.id)
        db.session.add(team)
        db.session.commit()
        team_id, branch_id = team.id, branch.id
    ural = make_user(roles=["agent"], name="Ural Person", team_id=team_id, branch_id=branch_id)
    elsewhere = make_user(roles=["agent"], name="Elsewhere Person")
    make_course(app, "c1", enrol=[ural, elsewhere], due_date=date.today() - timedelta(days=3))
    login(client, make_user(roles=["manager"]))
    html = client.get(f"{BASE}/progress?team={team_id}").get_data(as_text=True)
    assert "Ural Person" in html and "Elsewhere Person" not in html
    assert "Elsewhere Person" in client.get(f"{BASE}/progress").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Overdue training" in home and "bar-chart" in home
    assert '<span class="bar-label">Yekaterinburg</span>' in home and '<span class="bar-value">1</span>' in home


def test_progress_rules():
    assert Progress(4, 2, 1, 0).percent == 40
    assert Progress(4, 4, 1, 1).percent == 99  # all steps done but not marked completed yet
    assert Progress(4, 4, 1, 1, is_completed=True).percent == 100
    assert Progress(0, 0, 0, 0).percent == 0
    today = date(2026, 5, 10)
    assert due_status(date(2026, 5, 9), False, today) == "overdue"
    assert due_status(date(2026, 5, 9), True, today) is None
    assert due_status(date(2026, 5, 12), False, today) == "due_soon"
    assert due_status(date(2026, 6, 12), False, today) == "on_track"
    assert next_step([True, False], [(False, False)]).kind == "lesson"
    assert next_step([True, True], [(True, False), (False, True)]).kind == "waiting"
    assert next_step([True], [(False, True), (False, False)]).index == 1
    assert next_step([True], [(True, False)]).kind == "done"


def test_completion_waits_for_every_quiz_then_issues_a_certificate(app, client, login, make_user):
    from training.certificates.models import Certificate
    from training.quizzes.models import Quiz, QuizAttempt

    learner = make_user(roles=["agent"])
    ids = make_course(app, "quizzed", lessons=1, enrol=[learner])
    with app.app_context():
        quiz = Quiz(course_id=ids["course_id"], title={"en": "Check"}, pass_mark=80)
        db.session.add(quiz)
        db.session.commit()
        quiz_id = quiz.id
    login(client, learner)
    client.get(f"{BASE}/lessons/{ids['lesson_ids'][0]}")
    page = client.get(f"{BASE}/mine").get_data(as_text=True)
    assert "50%" in page and "0 of 1 quizzes passed" in page
    with app.app_context():
        from servicecraft.models import User

        person = db.session.get(User, learner.id)
        course = db.session.get(Course, ids["course_id"])
        assert services.refresh_completion(person, course) is False
        db.session.add(QuizAttempt(quiz_id=quiz_id, user_id=learner.id, number=1, status="finished",
                                   percent=90.0, is_passed=True))
        db.session.flush()
        assert services.refresh_completion(person, course) is True
        db.session.commit()
        assert db.session.scalar(select(Certificate.user_id)) == learner.id
    assert "Completed. Well done!" in client.get(f"{BASE}/mine").get_data(as_text=True)
