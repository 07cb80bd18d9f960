"""Taking a quiz: one page of questions, Moodle's scoring, limits, deadlines, double submits."""

from datetime import timedelta

from servicecraft.db import utcnow
from servicecraft.extensions import db

from .flow import EVERY_TYPE, answer, attempt_row, make_quiz, slots, start, token

NO_ESSAY = EVERY_TYPE.split("::ESSAY::")[0]


def _answers(s):
    return {
        f"q{s['TF']}": "true",                       # right: 1
        f"q{s['MC1']}": "2",                         # "Not my problem", -50 %: floored to 0 marks
        f"q{s['MCN']}": ["0", "1"],                  # both halves: 1
        f"q{s['SA']}": "  FINANCE ",                 # case and spaces ignored: 1
        f"q{s['NUM']}": "24,5",                      # decimal comma, within the tolerance of 1: 1
        f"q{s['MATCH']}_0": "1 minute",              # right
        f"q{s['MATCH']}_1": "1 week",                # wrong: the matching earns 1/2
    }


def test_the_attempt_page_renders_every_type_with_labels(app, client, make_user, login):
    quiz_id = make_quiz(app, shuffle_answers=False)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    html = client.get(f"/training/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    s = slots(app, quiz_id)
    assert html.count("<fieldset") == 8 and html.count("<h1>") == 1
    assert f'type="radio" name="q{s["TF"]}" value="true"' in html
    assert f'type="radio" name="q{s["MC1"]}"' in html and f'type="checkbox" name="q{s["MCN"]}"' in html
    assert f'<label for="q{s["SA"]}">' in html and 'inputmode="decimal"' in html
    assert f'<select id="q{s["MATCH"]}_0"' in html and "1 week" in html  # the distractor is offered
    assert f'<textarea id="q{s["ESSAY"]}"' in html
    assert "Read every question carefully." in html


def test_scores_follow_moodle_and_the_review_shows_feedback(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY, pass_mark=80)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    response = answer(client, attempt_id, _answers(slots(app, quiz_id)))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{attempt_id}/review")
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "finished" and attempt.marks == 4.5 and attempt.max_marks == 6
    assert attempt.percent == 75.0 and attempt.is_passed is False
    with app.app_context():
        from training.quizzes.models import AttemptResponse

        fractions = {r.question.name: r.fraction for r in db.session.query(AttemptResponse).filter_by(attempt_id=attempt_id)}
    assert fractions == {"TF": 1.0, "MC1": -0.5, "MCN": 1.0, "SA": 1.0, "NUM": 1.0, "MATCH": 0.5}
    review = client.get(f"/training/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "75.0%" in review and "Not passed" in review
    assert "Never" in review and "Right." in review  # per-answer feedback
    assert "Re-read the lessons" in review  # the overall feedback band below the pass mark


def test_a_quiz_without_feedback_hides_it_from_the_learner(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY, show_feedback=False)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    answer(client, attempt_id, _answers(slots(app, quiz_id)))
    review = client.get(f"/training/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "Never" not in review and "The right answer" not in review


def test_passing_everything_passes(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY, pass_mark=100)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    s = slots(app, quiz_id)
    data = {**_answers(s), f"q{s['MC1']}": "0", f"q{s['MATCH']}_1": "24 hours"}
    answer(client, attempt_id, data)
    attempt = attempt_row(app, attempt_id)
    assert attempt.percent == 100.0 and attempt.is_passed is True


def test_saving_keeps_answers_until_submit(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    s = slots(app, quiz_id)
    assert answer(client, attempt_id, {f"q{s['SA']}": "Finance"}, action="save").status_code == 302
    assert attempt_row(app, attempt_id).status == "in_progress"
    html = client.get(f"/training/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert 'value="Finance"' in html
    # Opening the quiz again resumes the same attempt.
    assert start(client, quiz_id) == attempt_id


def test_a_tampered_choice_is_refused_and_nothing_is_saved(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    s = slots(app, quiz_id)
    response = answer(client, attempt_id, {f"q{s['SA']}": "Finance", f"q{s['MC1']}": "9"})
    assert response.status_code == 422 and "not one of its choices" in response.get_data(as_text=True)
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "in_progress"
    with app.app_context():
        from training.quizzes.models import AttemptResponse

        assert db.session.query(AttemptResponse).filter_by(attempt_id=attempt_id).count() == 0


def test_attempts_allowed_is_enforced(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY, attempts_allowed=1)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    answer(client, attempt_id, {})
    refused = start(client, quiz_id)
    assert not isinstance(refused, int)
    page = client.get(f"/training/quizzes/{quiz_id}").get_data(as_text=True)
    assert "You have used your 1 attempt at this quiz." in page
    with app.app_context():
        from training.quizzes.models import QuizAttempt

        assert db.session.query(QuizAttempt).count() == 1


def test_answers_after_the_time_limit_are_refused(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY, time_limit_minutes=5)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    s = slots(app, quiz_id)
    assert attempt_row(app, attempt_id).deadline_at is not None
    answer(client, attempt_id, {f"q{s['TF']}": "true"}, action="save")
    page = client.get(f"/training/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert "data-quiz-deadline" in page and "js/quizzes.js" in page
    with app.app_context():
        from training.quizzes.models import QuizAttempt

        attempt = db.session.get(QuizAttempt, attempt_id)
        attempt.deadline_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    late = client.post(
        f"/training/quizzes/attempts/{attempt_id}",
        data={f"q{s['SA']}": "Finance", "action": "submit", "csrf_token": token(page)},
        follow_redirects=True,
    )
    assert "The time limit has passed" in late.get_data(as_text=True)
    attempt = attempt_row(app, attempt_id)
    assert attempt.status == "finished" and attempt.marks == 1.0  # only the answer saved in time counts


def test_submitting_twice_does_nothing_the_second_time(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY)
    login(client, make_user())
    attempt_id = start(client, quiz_id)
    s = slots(app, quiz_id)
    page = client.get(f"/training/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    data = {f"q{s['TF']}": "true", "action": "submit", "csrf_token": token(page)}
    client.post(f"/training/quizzes/attempts/{attempt_id}", data=data)
    first = attempt_row(app, attempt_id)
    again = client.post(f"/training/quizzes/attempts/{attempt_id}", data={**data, f"q{s['SA']}": "Finance"}, follow_redirects=True)
    assert "already submitted" in again.get_data(as_text=True)
    second = attempt_row(app, attempt_id)
    assert (second.marks, second.submitted_at, second.finished_at) == (first.marks, first.submitted_at, first.finished_at)
    with app.app_context():
        from servicecraft.models import AuditEntry

        assert db.session.query(AuditEntry).filter_by(entity="quiz_attempt", action="finish").count() == 1


def test_a_learner_cannot_open_anothers_attempt(app, client, make_user, login):
    quiz_id = make_quiz(app, NO_ESSAY)
    owner = make_user()
    login(client, owner)
    attempt_id = start(client, quiz_id)
    answer(client, attempt_id, {})
    other = app.test_client()
    login(other, make_user())
    assert other.get(f"/training/quizzes/attempts/{attempt_id}").status_code == 403
    assert other.get(f"/training/quizzes/attempts/{attempt_id}/review").status_code == 403
    manager = app.test_client()
    login(manager, make_user(roles=["manager"]))
    assert manager.get(f"/training/quizzes/attempts/{attempt_id}/review").status_code == 200
    assert manager.get(f"/training/quizzes/attempts/{attempt_id}").status_code == 403  # nobody answers for them


def test_a_learner_uses_the_questions_in_their_language(app, client, make_user, login):
    from training.quizzes import services
    from training.quizzes.models import Quiz

    with app.app_context():
        from training.courses.models import Course

        course = Course(slug="bilingual", version=1, status="published", languages=["en", "ru"], title={"en": "Bilingual"}, summary={})
        db.session.add(course)
        db.session.flush()
        quiz = services.import_course_quiz(
            course, {"en": "::One::Is it true?{T}\n", "ru": "::Один::Это правда?{T}\n"}, {"en": "q.en.gift", "ru": "q.ru.gift"},
            pass_mark=50,
        )
        again = services.import_course_quiz(course, {"en": "::X::Other?{F}\n"}, {}, pass_mark=50)
        assert again.id == quiz.id and len(quiz.slots) == 2
        quiz.course_id = None  # stand-alone, so enrolment does not matter here
        db.session.commit()
        quiz_id = quiz.id
        assert db.session.get(Quiz, quiz_id).title == {"en": "Final quiz", "ru": "Итоговый тест"}
    login(client, make_user(language="ru"))
    attempt_id = start(client, quiz_id)
    html = client.get(f"/training/quizzes/attempts/{attempt_id}").get_data(as_text=True)
    assert "Это правда?" in html and "Is it true?" not in html
    japanese = app.test_client()
    login(japanese, make_user(language="ja"))
    html = japanese.get(f"/training/quizzes/attempts/{start(japanese, quiz_id)}").get_data(as_text=True)
    assert "Is it true?" in html  # no Japanese questions: the first language
