"""Staff set a quiz up: settings, feedback bands, questions from the bank."""

from servicecraft.extensions import db

from .flow import EVERY_TYPE, answer, make_quiz, start, token


def _quiz(app, quiz_id):
    from training.quizzes.models import Quiz

    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        data = {"title": quiz.title, "pass_mark": quiz.pass_mark, "attempts": quiz.attempts_allowed, "limit": quiz.time_limit_minutes,
                "bands": quiz.overall_feedback, "slots": [s.question.name for s in quiz.slots], "slot_ids": [s.id for s in quiz.slots]}
        return data


def test_a_manager_creates_a_quiz_and_fills_it_from_the_bank(app, client, make_user, login):
    from training.quizzes import services
    from training.quizzes.models import BankQuestion, Quiz

    with app.app_context():
        services.import_gift(EVERY_TYPE, filename="every.gift")
        db.session.commit()
        ids = {q.name: q.id for q in db.session.query(BankQuestion)}
    login(client, make_user(roles=["manager"]))
    page = client.get("/training/quizzes/new").get_data(as_text=True)
    response = client.post("/training/quizzes/new", data={
        "csrf_token": token(page), "title": "Routing check", "course_id": "0", "pass_mark": "70", "attempts_allowed": "2",
        "time_limit_minutes": "15", "shuffle_answers": "y", "show_feedback": "y",
        "overall_feedback": "90: Excellent routing.\n0: Read the routing lesson again.",
    })
    assert response.status_code == 302
    with app.app_context():
        quiz_id = db.session.query(Quiz).one().id
    saved = _quiz(app, quiz_id)
    assert saved["title"] == {"en": "Routing check"} and (saved["pass_mark"], saved["attempts"], saved["limit"]) == (70, 2, 15)
    assert saved["bands"] == [{"min_percent": 90, "text": {"en": "Excellent routing."}}, {"min_percent": 0, "text": {"en": "Read the routing lesson again."}}]
    page = client.get(f"/training/quizzes/{quiz_id}/questions").get_data(as_text=True)
    client.post(f"/training/quizzes/{quiz_id}/questions", data={
        "csrf_token": token(page), "action": "add", "question_ids": [str(ids["TF"]), str(ids["SA"])],
    })
    assert _quiz(app, quiz_id)["slots"] == ["TF", "SA"]
    slot_id = _quiz(app, quiz_id)["slot_ids"][0]
    client.post(f"/training/quizzes/{quiz_id}/questions", data={"csrf_token": token(page), "action": "remove", "slot_id": str(slot_id)})
    assert _quiz(app, quiz_id)["slots"] == ["SA"]
    edit = client.get(f"/training/quizzes/{quiz_id}/edit").get_data(as_text=True)
    assert 'value="Routing check"' in edit and "90: Excellent routing." in edit


def test_bad_settings_name_the_field_and_save_nothing(app, client, make_user, login):
    from training.quizzes.models import Quiz

    login(client, make_user(roles=["admin"]))
    page = client.get("/training/quizzes/new").get_data(as_text=True)
    response = client.post("/training/quizzes/new", data={
        "csrf_token": token(page), "title": "Broken", "course_id": "0", "pass_mark": "120", "overall_feedback": "eighty: nice",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Line 1" in html and 'id="pass_mark-errors"' in html
    with app.app_context():
        assert db.session.query(Quiz).count() == 0


def test_an_answered_question_stays_in_the_quiz(app, client, make_user, login):
    quiz_id = make_quiz(app, "::TF::True?{T}\n")
    learner = app.test_client()
    login(learner, make_user())
    answer(learner, start(learner, quiz_id), {})
    login(client, make_user(roles=["manager"]))
    page = client.get(f"/training/quizzes/{quiz_id}/questions").get_data(as_text=True)
    slot_id = _quiz(app, quiz_id)["slot_ids"][0]
    response = client.post(f"/training/quizzes/{quiz_id}/questions", data={"csrf_token": token(page), "action": "remove", "slot_id": str(slot_id)})
    assert response.status_code == 422 and "keep their history" in response.get_data(as_text=True)
    assert _quiz(app, quiz_id)["slots"] == ["TF"]
    results = client.get(f"/training/quizzes/{quiz_id}/results")
    assert results.status_code == 200 and "finished" in results.get_data(as_text=True)


def test_a_new_course_version_gets_the_same_quiz(app):
    from training.courses.models import Course
    from training.quizzes import services
    from training.quizzes.models import Quiz

    with app.app_context():
        course = Course(slug="v", version=1, status="published", languages=["en"], title={"en": "V"}, summary={})
        copy = Course(slug="v", version=2, status="draft", languages=["en"], title={"en": "V"}, summary={})
        db.session.add_all([course, copy])
        db.session.flush()
        original = services.import_course_quiz(course, {"en": "::A::a?{T}\n\n::B::b?{F}\n"}, {}, pass_mark=90)
        services.copy_course_quizzes(course, copy)
        twin = db.session.query(Quiz).filter_by(course_id=copy.id).one()
        assert [s.question_id for s in twin.slots] == [s.question_id for s in original.slots] and twin.pass_mark == 90
