"""The essays-to-grade panel costs as many queries for 3N answers waiting as for N."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from servicecraft.extensions import db
from tests.training.querycount import assert_constant
from training.quizzes.models import AttemptResponse, BankQuestion, Quiz, QuizAttempt, QuizSlot

N = 2


def test_essays_to_grade_ask_the_same_queries_for_three_times_the_answers(app, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    manager = make_user(roles=["manager"])
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            n = made["n"]
            mentee = make_user(roles=["agent"], mentor_id=mentor.id, name=f"Mentee {n}")
            with app.app_context():
                question = BankQuestion(qtype="essay", name=f"Essay {n}", data={})
                quiz = Quiz(title={"en": f"Quiz {n}"})
                quiz.slots = [QuizSlot(question=question, position=1)]
                db.session.add(quiz)
                db.session.flush()
                attempt = QuizAttempt(quiz_id=quiz.id, user_id=mentee.id, number=1, status="awaiting_grading",
                                      submitted_at=datetime.now(UTC) - timedelta(minutes=100 - n))
                attempt.responses = [AttemptResponse(slot_id=quiz.slots[0].id, question_id=question.id,
                                                     response="My answer", needs_manual=True)]
                db.session.add(attempt)
                db.session.commit()

    def expect(html: str, factor: int) -> None:
        n = N * factor
        assert f"{n} answers are waiting for your grade" in html
        assert all(f"Mentee {k}: Essay {k}</a>" in html for k in range(1, min(5, n) + 1))

    add(1)
    assert_constant(app, mentor.id, "essays-to-grade", add, expect=expect)

    def expect_everyone(html: str, factor: int) -> None:  # a manager sees every mentor's queue, 3N answers already
        expect(html, factor + 2)

    assert_constant(app, manager.id, "essays-to-grade", add, expect=expect_everyone)
