"""Essays wait for the learner's mentor; regrades keep history; question analysis; course quizzes."""

from servicecraft.extensions import db

from .flow import EVERY_TYPE, answer, attempt_row, make_quiz, slots, start, token

ESSAY_QUIZ = """::TF::The customer may finish first.{T}

::ESSAY::Write your reply to an angry customer.{}
"""


def _essay_attempt(app, client, quiz_id, learner, login, text="I listen, apologise and give a date."):
    login(client, learner)
    attempt_id = start(client, quiz_id)
    s = slots(app, quiz_id)
    answer(client, attempt_id, {f"q{s['TF']}": "true", f"q{s['ESSAY']}": text})
    return attempt_id


def _response_id(app, attempt_id):
    from training.quizzes.models import AttemptResponse

    with app.app_context():
        return db.session.query(AttemptResponse).filter_by(attempt_id=attempt_id, needs_manual=True).one().id


def _grade(client, response_id, percent, comment="", reason=None):
    page = client.get(f"/training/quizzes/responses/{response_id}/grade")
    assert page.status_code == 200
    data = {"percent": str(percent), "comment": comment, "csrf_token": token(page.get_data(as_text=True))}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/training/quizzes/responses/{response_id}/grade", data=data)


def test_an_essay_waits_for_the_mentor_whose_grade_completes_the_quiz(app, client, make_user, login):
    quiz_id = make_quiz(app, ESSAY_QUIZ, pass_mark=75)
    mentor = make_user(roles=["mentor", "agent"])
    learner = make_user(mentor_id=mentor.id, name="Анна Смирнова")
    attempt_id = _essay_attempt(app, client, quiz_id, learner, login)
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "awaiting_grading" and attempt.percent is None
    review = client.get(f"/training/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "still has to grade" in review

    mentor_client = app.test_client()
    login(mentor_client, mentor)
    queue = mentor_client.get("/training/quizzes/grading").get_data(as_text=True)
    assert "Анна Смирнова" in queue and "ESSAY" in queue
    assert "Essays to grade" in mentor_client.get("/").get_data(as_text=True)  # the dashboard panel
    response_id = _response_id(app, attempt_id)
    assert _grade(mentor_client, response_id, 60, "Good structure.").status_code == 302

    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "finished" and attempt.marks == 1.6 and attempt.percent == 80.0 and attempt.is_passed
    assert "Nothing is waiting" in mentor_client.get("/training/quizzes/grading").get_data(as_text=True)
    review = client.get(f"/training/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Good structure." in review and "Passed" in review


def test_a_regrade_needs_a_reason_and_keeps_the_history(app, client, make_user, login):
    from servicecraft.models import AuditEntry
    from training.quizzes.models import EssayGrade

    quiz_id = make_quiz(app, ESSAY_QUIZ, pass_mark=75)
    mentor = make_user(roles=["mentor"])
    attempt_id = _essay_attempt(app, client, quiz_id, make_user(mentor_id=mentor.id), login)
    response_id = _response_id(app, attempt_id)
    grader = app.test_client()
    login(grader, mentor)
    _grade(grader, response_id, 100, "Excellent.")
    assert attempt_row(app, attempt_id).is_passed is True
    refused = _grade(grader, response_id, 0, "Copied.", reason="")
    assert refused.status_code == 422 and "needs a reason" in refused.get_data(as_text=True)
    assert _grade(grader, response_id, 0, "Copied from the lesson.", reason="The text is copied word for word.").status_code == 302
    with app.app_context():
        grades = db.session.query(EssayGrade).filter_by(response_id=response_id).order_by(EssayGrade.id).all()
        assert [(g.fraction, g.reason) for g in grades] == [(1.0, ""), (0.0, "The text is copied word for word.")]
        actions = [e.action for e in db.session.query(AuditEntry).filter_by(entity="essay_grade", entity_id=str(response_id)).order_by(AuditEntry.id)]
        assert actions == ["grade", "regrade"]
        assert db.session.query(AuditEntry).filter_by(entity="quiz_attempt", action="rescore").count() == 1
    attempt = attempt_row(app, attempt_id)
    assert attempt.percent == 50.0 and attempt.is_passed is False
    review = client.get(f"/training/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Excellent." in review and "The text is copied word for word." in review


def test_a_mentor_grades_only_their_mentees(app, client, make_user, login):
    quiz_id = make_quiz(app, ESSAY_QUIZ)
    mentor, other_mentor = make_user(roles=["mentor"]), make_user(roles=["mentor"])
    attempt_id = _essay_attempt(app, client, quiz_id, make_user(mentor_id=other_mentor.id, name="Not yours"), login)
    response_id = _response_id(app, attempt_id)
    stranger = app.test_client()
    login(stranger, mentor)
    assert "Not yours" not in stranger.get("/training/quizzes/grading").get_data(as_text=True)
    assert stranger.get(f"/training/quizzes/responses/{response_id}/grade").status_code == 403
    assert stranger.get(f"/training/quizzes/attempts/{attempt_id}/review").status_code == 403
    learner = app.test_client()
    login(learner, make_user())
    assert learner.get("/training/quizzes/grading").status_code == 403
    admin = app.test_client()
    login(admin, make_user(roles=["admin"]))
    assert "Not yours" in admin.get("/training/quizzes/grading").get_data(as_text=True)
    assert _grade(admin, response_id, 50).status_code == 302


def test_question_analysis_puts_the_hardest_question_first(app, client, make_user, login):
    from training.quizzes import services
    from training.quizzes.models import Quiz

    quiz_id = make_quiz(app, EVERY_TYPE.split("::ESSAY::")[0])
    s = slots(app, quiz_id)
    for tf, sa in (("true", "Finance"), ("true", "Money"), ("false", "Finance"), ("true", "Finance")):
        learner = app.test_client()
        login(learner, make_user())
        answer(learner, start(learner, quiz_id), {f"q{s['TF']}": tf, f"q{s['SA']}": sa, f"q{s['MC1']}": "0"})
    with app.app_context():
        stats = services.question_analysis(db.session.get(Quiz, quiz_id))
        by_name = {st.question.name: st for st in stats}
        assert [st.question.name for st in stats][:3] == ["MCN", "NUM", "MATCH"]  # nobody answered: 0
        assert (by_name["TF"].responses, by_name["TF"].percent_correct, by_name["TF"].average_fraction) == (4, 75.0, 0.75)
        assert (by_name["SA"].percent_correct, by_name["SA"].average_fraction) == (75.0, 0.875)
        assert by_name["MC1"].percent_correct == 100.0
        assert "INFO" not in by_name
        category_id = db.session.get(Quiz, quiz_id).slots[0].question.category_id
    mentor = app.test_client()
    login(mentor, make_user(roles=["mentor"]))
    page = mentor.get(f"/training/quizzes/{quiz_id}/analysis").get_data(as_text=True)
    assert "<svg" in page and "87.5%" in page and page.index(">MCN<") < page.index(">TF<")
    assert mentor.get(f"/training/quizzes/bank/categories/{category_id}/analysis").status_code == 200
    agent = app.test_client()
    login(agent, make_user())
    assert agent.get(f"/training/quizzes/{quiz_id}/analysis").status_code == 403


def test_a_course_quiz_needs_enrolment_and_completes_the_course(app, client, make_user, login):
    from training.courses import services as courses
    from training.courses.models import Course, CourseModule, Enrolment
    from training.quizzes import services

    learner = make_user()
    with app.app_context():
        course = Course(slug="calm", version=1, status="published", languages=["en"], title={"en": "Calm"}, summary={},
                        requires_all_lessons=False)
        course.modules.append(CourseModule(position=1, title={"en": "One"}))
        db.session.add(course)
        db.session.flush()
        quiz = services.import_course_quiz(course, {"en": "::TF::Stay calm.{T}\n"}, {"en": "calm.en.gift"}, pass_mark=100)
        db.session.commit()
        quiz_id, course_id = quiz.id, course.id
    login(client, learner)
    assert client.get(f"/training/quizzes/{quiz_id}").status_code == 403  # not enrolled
    with app.app_context():
        from servicecraft.models import User

        courses.enrol(db.session.get(Course, course_id), [db.session.get(User, learner.id)], None, actor=None)
        db.session.commit()
    attempt_id = start(client, quiz_id)
    s = slots(app, quiz_id)
    answer(client, attempt_id, {f"q{s['TF']}": "true"})
    with app.app_context():
        enrolment = db.session.query(Enrolment).filter_by(course_id=course_id, user_id=learner.id).one()
        assert enrolment.completed_at is not None
        summary = services.quiz_summaries(db.session.get(type(learner), learner.id), db.session.get(Course, course_id))
        assert [(x.best_percent, x.is_passed, x.attempts_used) for x in summary] == [(100.0, True, 1)]
        assert services.passed_quiz_ids(learner.id, [quiz_id]) == {quiz_id}
