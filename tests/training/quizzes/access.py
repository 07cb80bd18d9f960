"""Who may open each route of training.quizzes (merged into tests/training/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

STAFF = frozenset({"admin", "manager"})
LEADS = frozenset({"admin", "manager", "mentor"})

EXPECTED: dict = {
    "training.quizzes.index": SIGNED_IN,
    "training.quizzes.new": STAFF,
    "training.quizzes.edit": STAFF,
    "training.quizzes.questions": STAFF,
    # A stand-alone quiz: everyone signed in may see it and start an attempt.
    "training.quizzes.show": SIGNED_IN,
    "training.quizzes.start": SIGNED_IN,
    # The sample attempt is the new hire's (who has no mentor): only they answer it ...
    "training.quizzes.attempt": frozenset({"newhire"}),
    # ... and they, admins and managers see it.
    "training.quizzes.review": frozenset({"admin", "manager", "newhire"}),
    "training.quizzes.results": LEADS,
    "training.quizzes.analysis": LEADS,
    "training.quizzes.category_analysis": LEADS,
    "training.quizzes.grading": LEADS,
    # The sample essay is by a mentee of the mentor.
    "training.quizzes.grade": LEADS,
    "training.quizzes.bank": STAFF,
    "training.quizzes.bank_questions": STAFF,
    "training.quizzes.preview": STAFF,
    "training.quizzes.bank_import": STAFF,
    "training.quizzes.bank_export": STAFF,
}

SAMPLE_GIFT = """$CATEGORY: matrix

::Calm::Stay calm with an angry customer.{T}

::Write::Describe how you close a conversation.{}
"""


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.quizzes import services
    from training.quizzes.models import BankQuestion

    mentor = db.session.get(User, users["mentor"].id)
    mentee = User(email="quiz-mentee@matrix.test", name="Quiz mentee", mentor_id=mentor.id)
    mentee.set_roles(["agent"])
    db.session.add(mentee)
    result = services.import_gift(SAMPLE_GIFT, filename="matrix.gift")
    assert not result["errors"], result["errors"]
    quiz = services.save_quiz(None, services.QuizSettings(title="Matrix quiz", language="en"), actor=None)
    questions = db.session.query(BankQuestion).order_by(BankQuestion.id).all()
    services.add_questions(quiz, [q.id for q in questions], actor=None)
    db.session.flush()
    newhire = db.session.get(User, users["newhire"].id)
    own = services.start_attempt(newhire, quiz)
    theirs = services.start_attempt(mentee, quiz)
    services.save_responses(theirs, {f"q{quiz.slots[0].id}": "true", f"q{quiz.slots[1].id}": "I thank the customer."})
    services.submit_attempt(theirs, mentee)
    essay = next(r for r in theirs.responses if r.needs_manual)
    db.session.commit()
    return {
        "quiz_id": quiz.id,
        "attempt_id": own.id,
        "response_id": essay.id,
        "question_id": questions[0].id,
        "bank_category_id": questions[0].category_id,
    }
