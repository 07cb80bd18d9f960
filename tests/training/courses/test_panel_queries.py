"""The training dashboard panels cost as many queries for 3N enrolments (or people) as for N."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from servicecraft.extensions import db
from servicecraft.models import Branch, Team, User
from tests.training.courses.helpers import make_course
from tests.training.querycount import assert_constant, matching, panels_queries
from training.courses import services
from training.courses.models import Enrolment, LessonView
from training.quizzes.models import Quiz, QuizAttempt

N = 2


def _quiz(app, course_id: int, user_id: int | None = None, *, status: str = "finished", passed: bool = False) -> int:
    """Add a quiz to the course; with *user_id*, also an attempt of theirs at it."""
    with app.app_context():
        quiz = Quiz(course_id=course_id, title={"en": f"Quiz of course {course_id}"})
        db.session.add(quiz)
        db.session.flush()
        if user_id is not None:
            db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=user_id, number=1, status=status,
                                       percent=90.0 if passed else 40.0, is_passed=passed if status == "finished" else None))
        db.session.commit()
        return quiz.id


def _view(app, user_id: int, lesson_ids) -> None:
    with app.app_context():
        db.session.add_all([LessonView(lesson_id=lesson_id, user_id=user_id) for lesson_id in lesson_ids])
        db.session.commit()


def _complete(app, user_id: int, course_id: int) -> None:
    with app.app_context():
        enrolment = services.enrolment_for(user_id, course_id)
        enrolment.completed_at = datetime.now(UTC)
        db.session.commit()


def _learning(app, learner: User, made: dict) -> None:
    """One course finished, one half read with a quiz awaiting a grade, one blocked by a prerequisite."""
    made["n"] += 1
    n = made["n"]
    done = make_course(app, f"done-{n}", lessons=1, enrol=[learner])
    _complete(app, learner.id, done["course_id"])
    reading = make_course(app, f"reading-{n}", lessons=3, enrol=[learner], due_date=date.today() + timedelta(days=2))
    _view(app, learner.id, reading["lesson_ids"][:1])
    _quiz(app, reading["course_id"], learner.id, status="awaiting_grading")
    _quiz(app, reading["course_id"], learner.id, passed=True)
    make_course(app, f"blocked-{n}", lessons=2, enrol=[learner], prerequisites=[reading["course_id"]],
                due_date=date.today() - timedelta(days=1))


def test_my_training_asks_the_same_queries_for_three_times_the_enrolments(app, make_user):
    learner = make_user(roles=["agent"])
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            _learning(app, learner, made)

    def expect(html: str, factor: int) -> None:
        n = N * factor
        assert f"{n} of {3 * n} courses completed" in html
        assert f"{n} courses are overdue." in html
        assert "Finish these courses first: reading-1 title en" in html
        if factor == 1:  # the panel lists five open courses, overdue ones first
            assert html.count("Read: Lesson 2 en") == N

    add(1)
    assert_constant(app, learner.id, "my-training", add, expect=expect)


def test_progress_of_many_enrolments_is_the_progress_of_each(app, make_user):
    learners = [make_user(roles=["agent"]) for _ in range(2)]
    made = {"n": 0}
    for learner in learners:
        _learning(app, learner, made)
    with app.test_request_context():
        enrolments = [e for learner in learners for e in services.enrolments_of(learner.id)]

        def seen(item):
            return (item.enrolment.id, item.progress, item.due_status, item.next_kind,
                    item.next_lesson.id if item.next_lesson else None,
                    item.next_quiz.quiz.id if item.next_quiz else None, [c.id for c in item.blocked_by])

        for with_summaries in (False, True):
            many = services.progress_many(enrolments, with_summaries=with_summaries)
            assert [seen(i) for i in many] == [seen(services.progress_of(e, with_summaries=with_summaries))
                                                for e in enrolments]
        kinds = [(i.course.slug, i.next_kind, i.progress.percent) for i in services.my_training(learners[0])]
        assert kinds == [("blocked-1", "lesson", 0), ("reading-1", "lesson", 40), ("done-1", "done", 100)]
    # Enrolments read with their courses (as my_training does) give the same progress in a fresh session.
    with app.test_request_context():
        mine = [seen(i) for i in services.progress_many(services.enrolments_of(learners[1].id), with_summaries=True)]
    with app.test_request_context():
        assert [seen(i) for i in services.my_training(db.session.get(User, learners[1].id))] == mine


def test_my_training_reads_the_courses_with_the_enrolments(app, make_user):
    learner = make_user(roles=["agent"])
    _learning(app, learner, {"n": 0})
    statements, html = panels_queries(app, learner.id, ["my-training"])
    assert "1 of 3 courses completed" in html
    assert matching(statements, "FROM training_enrolment LEFT OUTER JOIN training_course")
    assert not matching(statements, "FROM training_course LEFT OUTER JOIN training_course_module"), "courses read twice"


def test_mentees_overdue_training_asks_the_same_queries_for_three_times_the_mentees(app, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            mentee = make_user(roles=["agent"], mentor_id=mentor.id, name=f"Mentee {made['n']}")
            make_course(app, f"late-{made['n']}", lessons=1, enrol=[mentee], due_date=date.today() - timedelta(days=3))

    def expect(html: str, factor: int) -> None:
        assert html.count("OVERDUE since") == N * factor
        assert all(f"Mentee {n}</a> · late-{n} title en" in html for n in range(1, N * factor + 1))

    add(1)
    assert_constant(app, mentor.id, "mentees-training", add, expect=expect)


def test_overdue_training_asks_the_same_queries_for_three_times_the_people(app, make_user):
    manager = make_user(roles=["manager"])
    course_id = make_course(app, "late")["course_id"]
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            with app.app_context():
                group = Branch(code=f"B{made['n']}", name=f"Branch {made['n']}")
                team = Team(name=f"Team {made['n']}")
                db.session.add_all([group, team])
                db.session.commit()
                group_id, team_id = group.id, team.id
            person = make_user(roles=["agent"], branch_id=group_id, team_id=team_id)
            with app.app_context():
                db.session.add(Enrolment(course_id=course_id, user_id=person.id, due_date=date.today() - timedelta(days=1)))
                db.session.commit()

    def expect(html: str, factor: int) -> None:
        assert f"{N * factor} enrolments are overdue." in html
        assert all(f"<td>Team {n}</td>" in html for n in range(1, N * factor + 1))

    add(1)
    assert_constant(app, manager.id, "training-overdue", add, expect=expect)


def test_the_overdue_overview_is_overdue_by_branch_and_team_and_the_count(app, make_user):
    course_id = make_course(app, "late")["course_id"]
    other_id = make_course(app, "later")["course_id"]
    with app.app_context():
        groups = [Branch(code="N", name="North"), Branch(code="S", name="South")]
        teams = [Team(name="Phones"), Team(name="Chat")]
        db.session.add_all(groups + teams)
        db.session.commit()
        (north, south), (phones, chat) = [g.id for g in groups], [t.id for t in teams]
    yesterday, tomorrow = date.today() - timedelta(days=1), date.today() + timedelta(days=1)
    people = [
        (dict(branch_id=north, team_id=phones), [yesterday, yesterday]),
        (dict(branch_id=north, team_id=chat), [yesterday]),
        (dict(branch_id=south), [yesterday]),  # no team
        (dict(team_id=chat), [yesterday]),  # no branch
        ({}, [yesterday]),  # neither
        (dict(branch_id=south, team_id=phones), [tomorrow]),  # not overdue yet
        (dict(branch_id=south, team_id=phones, is_active_account=False), [yesterday]),  # deactivated
    ]
    for attributes, due_dates in people:
        person = make_user(roles=["agent"], **attributes)
        with app.app_context():
            for course, due in zip((course_id, other_id), due_dates, strict=False):
                db.session.add(Enrolment(course_id=course, user_id=person.id, due_date=due))
            db.session.commit()
    with app.app_context():
        overview = services.overdue_overview()
        assert overview == (services.overdue_by("branch"), services.overdue_by("team"),
                            services.overdue_count(User.id.isnot(None)))
        assert overview == ([("North", 3), ("South", 1)], [("Chat", 2), ("Phones", 2)], 6)
