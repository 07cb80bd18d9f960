"""Shared helpers for the quiz tests that go through the app."""

from __future__ import annotations

import re

from servicecraft.extensions import db

# One question of each type, with answers whose credit is easy to add up.
EVERY_TYPE = """$CATEGORY: flow

::TF::The customer may finish their story first.{T#Let them finish.#Right.}

::MC1::Which reply shows empathy?{=I see how stressful this is#Yes ~Calm down#No ~%-50%Not my problem#Never}

::MCN::Which belong in the record?{~%50%Name#Yes ~%50%Date#Yes ~%-100%Your opinion#No}

::SA::Which team handles payments?{=Finance#Right =%50%Money#Close}

::NUM::How many hours may a first reply take?{#24:1}

::MATCH::Match the channel with its reply time.{=Chat -> 1 minute =Email -> 24 hours = -> 1 week}

::INFO::Read every question carefully.

::ESSAY::Write your reply to an angry customer.{}
"""


def make_quiz(app, gift=EVERY_TYPE, *, title="Flow quiz", **settings):
    """Import *gift* into the bank and build a stand-alone quiz of it; return its id."""
    from training.quizzes import services
    from training.quizzes.models import BankQuestion

    with app.app_context():
        before = {q.id for q in db.session.query(BankQuestion)}
        result = services.import_gift(gift, filename="flow.gift")
        assert not result["errors"], result["errors"]
        quiz = services.save_quiz(None, services.QuizSettings(title=title, language="en", **settings), actor=None)
        new = [q.id for q in db.session.query(BankQuestion).order_by(BankQuestion.id) if q.id not in before]
        services.add_questions(quiz, new, actor=None)
        db.session.commit()
        return quiz.id


def slots(app, quiz_id) -> dict[str, int]:
    """Map question names to slot ids."""
    from training.quizzes.models import Quiz

    with app.app_context():
        quiz = db.session.get(Quiz, quiz_id)
        return {slot.question.name: slot.id for slot in quiz.slots}


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def start(client, quiz_id):
    """Start an attempt through the quiz page; return the attempt id (or the response when refused)."""
    page = client.get(f"/training/quizzes/{quiz_id}")
    assert page.status_code == 200
    response = client.post(f"/training/quizzes/{quiz_id}/start", data={"csrf_token": token(page.get_data(as_text=True))})
    assert response.status_code == 302
    match = re.search(r"/training/quizzes/attempts/(\d+)$", response.headers["Location"])
    return int(match.group(1)) if match else response


def answer(client, attempt_id, data, action="submit"):
    page = client.get(f"/training/quizzes/attempts/{attempt_id}", follow_redirects=True)
    html = page.get_data(as_text=True)
    return client.post(
        f"/training/quizzes/attempts/{attempt_id}", data={**data, "action": action, "csrf_token": token(html)}
    )


def attempt_row(app, attempt_id):
    from training.quizzes.models import QuizAttempt

    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt
