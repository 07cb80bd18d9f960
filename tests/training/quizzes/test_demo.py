"""The demo shows quiz attempts at every stage, and loading it twice adds nothing."""

from servicecraft.extensions import db


def _state(app):
    from servicecraft.models import User
    from training.courses.models import Enrolment
    from training.quizzes import services
    from training.quizzes.models import QuizAttempt

    with app.app_context():
        people = {u.email: u for u in db.session.query(User)}
        attempts = {}
        for attempt in db.session.query(QuizAttempt).order_by(QuizAttempt.id):
            attempts.setdefault(attempt.user.email, []).append((attempt.quiz.course_id, attempt.status, attempt.is_passed))
        completed = {
            e.course_id for e in db.session.query(Enrolment).filter_by(user_id=people["newhire3@demo.test"].id) if e.completed_at
        }
        queue = [(r.attempt.user.email) for r in services.grading_queue(people["mentor@demo.test"])]
        return attempts, completed, queue, services.count_questions()


def test_demo_attempts(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    attempts, completed, queue, questions = _state(app)
    passed = attempts["newhire3@demo.test"]
    assert len(passed) == 2 and all(status == "finished" and ok for _c, status, ok in passed)
    assert {course for course, _s, _p in passed} <= completed
    assert [(s, p) for _c, s, p in attempts["newhire2@demo.test"]] == [("finished", False)]
    assert [s for _c, s, _p in attempts["newhire@demo.test"]] == ["awaiting_grading"]
    assert queue == ["newhire@demo.test"]
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert _state(app) == (attempts, completed, queue, questions)
