"""Navigation links, dashboard panels and demo steps of training.quizzes (registered on import)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import servicecraft.demo
from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.templating import nav_item

nav_item("training.quizzes.index", _l("Quizzes"), roles=("admin", "manager", "mentor", "shopper", "agent"), order=32)
nav_item("training.quizzes.grading", _l("Grading"), roles=("admin", "manager", "mentor"), order=33)
nav_item("training.quizzes.bank", _l("Question bank"), roles=("admin", "manager"), order=34)


@panel("essays-to-grade", roles=("mentor", "manager", "admin"), template="training/quizzes/panel_grading.html", order=25)
def essays_to_grade(user):
    """Essay answers waiting for this person's grade (hidden when there are none)."""
    from training.quizzes import services

    queue = services.grading_queue(user)
    if not queue:
        return None
    return {"queue": queue[:5], "total": len(queue)}


# --- demo -------------------------------------------------------------------------------------


def _answer_everything(attempt, *, right: bool, essay: str | None = None) -> dict:
    """Build form data answering every question of *attempt* right (or wrong)."""
    from training.quizzes import services
    from training.quizzes.questions import MatchingQuestion, MultiChoiceQuestion, choices

    data: dict[str, object] = {}
    for item in services.attempt_items(attempt):
        q, name = item.question, item.field
        if q.qtype == "truefalse":
            data[name] = "true" if q.correct == right else "false"
        elif isinstance(q, MultiChoiceQuestion):
            ranked = sorted(range(len(q.answers)), key=lambda i: q.answers[i].fraction, reverse=right)
            if q.single:
                data[name] = str(ranked[0])
            else:
                chosen = [i for i in ranked if (q.answers[i].fraction > 0) == right] or ranked[:1]
                data[name] = [str(i) for i in chosen]
        elif isinstance(q, MatchingQuestion):
            texts = choices(q)
            for index, pair in item.stems:
                wrong = next((t for t in texts if t != pair.answer), pair.answer)
                data[f"{name}_{index}"] = pair.answer if right else wrong
        elif q.qtype == "shortanswer":
            best = max(q.answers, key=lambda a: a.fraction) if q.answers else None
            data[name] = best.text.replace("*", "") if right and best else "I am not sure"
        elif q.qtype == "numerical":
            value = next((a.value for a in q.answers if a.fraction >= 1 and a.value is not None), None)
            data[name] = str(value if right and value is not None else -999999)
        elif q.qtype == "essay":
            data[name] = essay or ""
    return data


class _Form(dict):
    def getlist(self, name):
        value = self.get(name)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]


DEMO_ESSAY = {
    "ru": (
        "Сначала я дам клиенту договорить и не буду перебивать. Затем повторю суть: "
        "«Вы оплатили в понедельник, а услуга до сих пор не работает». Извинюсь, если ошиблись мы, "
        "назову срок решения и скажу, когда позвоню с новостями."
    ),
    "en": (
        "First I let the customer finish without interrupting. Then I repeat the facts back, "
        "apologise if we are at fault, give a concrete date for the fix and say when I will call back."
    ),
}


def demo_attempt(user, quiz, *, right: bool, when, essay: str | None = None, grader=None, essay_percent: int = 90):
    """Give *user* one submitted attempt at *quiz* (unless they have one); a grader grades its essay."""
    from training.quizzes import services
    from training.quizzes.models import QuizAttempt

    existing = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz.id))
    if existing is not None:
        return existing
    try:
        attempt = services.start_attempt(user, quiz)
    except services.QuizError:
        return None  # not enrolled (the courses step decides who is)
    attempt.started_at = when
    services.save_responses(attempt, _Form(_answer_everything(attempt, right=right, essay=essay)))
    services.submit_attempt(attempt, user)
    attempt.submitted_at = when + timedelta(minutes=14)
    if grader is not None:
        for response in attempt.responses:
            if response.needs_manual and response.fraction is None:
                services.grade_essay(
                    response, essay_percent / 100, "Clear structure and a concrete deadline. Well done.", grader
                )
    if attempt.finished_at is not None:
        attempt.finished_at = attempt.submitted_at + timedelta(hours=5 if grader else 0)
    db.session.flush()
    return attempt


@servicecraft.demo.step(30)
def demo_attempts(ctx: dict) -> str | None:
    """Attempts at different stages: passed, failed, and an essay waiting for the mentor."""
    from datetime import UTC, datetime, time

    from training.courses.models import Course
    from training.quizzes.models import Quiz

    users = ctx.get("users") or {}
    today = ctx.get("today")
    base = datetime.combine(today, time(9, 0), tzinfo=UTC) if today else datetime.now(UTC)
    onboarding = db.session.scalars(
        select(Course)
        .where(Course.is_onboarding.is_(True), Course.status == "published")
        .order_by(Course.position.is_(None), Course.position, Course.slug, Course.version.desc())
    ).all()
    seen, quizzes = set(), []
    for course in onboarding:
        if course.slug in seen:
            continue
        seen.add(course.slug)
        quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id))
        if quiz is not None:
            quizzes.append(quiz)
    made = []
    newhire3, newhire, newhire2 = (users.get(f"{name}@demo.test") for name in ("newhire3", "newhire", "newhire2"))
    mentor2 = users.get("mentor2@demo.test")
    if newhire3 is not None:
        for days, quiz in zip((40, 25), quizzes[:2], strict=False):
            essay = DEMO_ESSAY.get(newhire3.language, DEMO_ESSAY["en"])
            made.append(demo_attempt(newhire3, quiz, right=True, when=base - timedelta(days=days), essay=essay, grader=mentor2))
    if newhire2 is not None and quizzes:
        made.append(demo_attempt(newhire2, quizzes[0], right=False, when=base - timedelta(days=6)))
    if newhire is not None and quizzes:
        essay = DEMO_ESSAY.get(newhire.language, DEMO_ESSAY["en"])
        made.append(demo_attempt(newhire, quizzes[0], right=True, when=base - timedelta(days=1), essay=essay))
    db.session.flush()
    count = sum(1 for attempt in made if attempt is not None)
    return f"{count} quiz attempts (passed, failed, and an essay waiting for mentor@demo.test)"
