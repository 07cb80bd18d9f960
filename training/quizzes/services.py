"""Use-cases of the question bank, quizzes, attempts and essay grading.

Services take the acting user, change state and flush, but never commit; they raise
:class:`QuizError` with a translatable message. Views, the CLI and the demo call them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from servicecraft import audit
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.permissions import can_view_user, sees_everyone, signed_in
from training.quizzes import gift, storage
from training.quizzes.models import (
    AttemptResponse,
    BankQuestion,
    EssayGrade,
    QuestionCategory,
    Quiz,
    QuizAttempt,
    QuizSlot,
)
from training.quizzes.questions import (
    QUESTION_TYPES,
    MatchingQuestion,
    MultiChoiceQuestion,
    Question,
    ResponseError,
    choices,
    grade,
    shuffle_for_attempt,
)

MAX_TEXT_ANSWER = 20_000
FULL_CREDIT = 1 - 1e-9

# The title a course's quiz gets, per language of the shipped curriculum.
_COURSE_QUIZ_TITLE = {"en": "Final quiz", "ru": "Итоговый тест", "uk": "Підсумковий тест", "ja": "確認テスト"}
_PASSED_BAND = {
    "en": "Well done: you passed. Review the feedback on any answer you missed.",
    "ru": "Отлично, тест сдан. Посмотрите пояснения к вопросам, где были ошибки.",
    "uk": "Чудово, тест складено. Перегляньте пояснення до питань, де були помилки.",
    "ja": "合格です。間違えた問題の解説を確認しましょう。",
}
_FAILED_BAND = {
    "en": "Not passed yet. Re-read the lessons, then try again.",
    "ru": "Пока не сдано. Перечитайте уроки и попробуйте ещё раз.",
    "uk": "Поки не складено. Перечитайте уроки й спробуйте ще раз.",
    "ja": "まだ合格ではありません。レッスンを読み直して、もう一度挑戦してください。",
}


class QuizError(Exception):
    """A use-case refused: ``message`` says why (translated); ``problems`` lists details."""

    def __init__(self, message: str, problems: Iterable[str] = ()):
        super().__init__(message)
        self.message = message
        self.problems = list(problems)


# --- rules: who may see or do what ------------------------------------------------------


def is_quiz_staff(user) -> bool:
    """Admins and managers run the question bank and quiz settings."""
    return sees_everyone(user)


def can_view_attempt(viewer, attempt: QuizAttempt) -> bool:
    """The learner, their mentor, and admins/managers may see an attempt."""
    return can_view_user(viewer, attempt.user)


def can_answer_attempt(viewer, attempt: QuizAttempt) -> bool:
    """Only the learner answers their own attempt."""
    return signed_in(viewer) and attempt.user_id == viewer.id


def can_grade(viewer, attempt: QuizAttempt) -> bool:
    """Admins and managers grade every essay; a mentor grades their own mentees' essays."""
    if not signed_in(viewer) or viewer.id == attempt.user_id and not sees_everyone(viewer):
        return False
    if sees_everyone(viewer):
        return True
    return viewer.has_role("mentor") and attempt.user.mentor_id == viewer.id


def quiz_title(quiz: Quiz, language: str) -> str:
    """Return the quiz's title in *language* (else English, else any), or a fallback."""
    from training.courses.models import text_in

    return text_in(quiz.title, language) or _("Quiz %(number)d", number=quiz.id)


def course_of(quiz: Quiz):
    if quiz.course_id is None:
        return None
    from training.courses.models import Course

    return db.session.get(Course, quiz.course_id)


def can_view_quiz(user, quiz: Quiz) -> bool:
    """Staff see every quiz; others a stand-alone quiz, or one whose course they may see."""
    if not signed_in(user):
        return False
    if is_quiz_staff(user):
        return True
    course = course_of(quiz)
    if course is None:
        return True
    from training.courses.services import can_view_course

    return bool(can_view_course(user, course))


def take_refusal(user, quiz: Quiz) -> str | None:
    """Return why *user* may not start an attempt at *quiz* now, or None when they may."""
    course = course_of(quiz)
    if course is not None:
        from training.courses.services import can_view_course, prerequisites_met

        if not can_view_course(user, course):
            return _("This quiz belongs to a course you are not enrolled on.")
        if not prerequisites_met(user, course):
            return _("Complete the courses this course requires before you take its quiz.")
    if not quiz.slots:
        return _("This quiz has no questions yet.")
    allowed = quiz.attempts_allowed
    if allowed is not None and attempts_used(user.id, quiz.id) >= allowed:
        return ngettext_attempts(allowed)
    return None


def ngettext_attempts(allowed: int) -> str:
    from flask_babel import ngettext

    return ngettext(
        "You have used your %(num)d attempt at this quiz.",
        "You have used all %(num)d attempts at this quiz.",
        allowed,
    )


# --- the question bank ----------------------------------------------------------------------


def empty_by_type() -> dict[str, int]:
    return dict.fromkeys(QUESTION_TYPES, 0)


def category_by_path(path: str, *, create: bool = True) -> QuestionCategory | None:
    """Return the category named *path* (Moodle's ``a/b``), creating it when asked."""
    path = path.strip()[:255]
    found = db.session.scalar(select(QuestionCategory).where(QuestionCategory.path == path))
    if found is None and create:
        found = QuestionCategory(path=path)
        db.session.add(found)
        db.session.flush()
    return found


def to_question(bank_question: BankQuestion) -> Question:
    """Return the pure question a bank row holds, with the bank's category."""
    question = storage.from_data(bank_question.data)
    path = bank_question.category.path if bank_question.category is not None else None
    return replace(question, category=path)


def _store_questions(
    questions: Iterable[Question], *, language: str, default_category: str | None, actor
) -> list[BankQuestion]:
    rows = []
    for question in questions:
        path = question.category or default_category
        category = category_by_path(path) if path else None
        row = BankQuestion(
            category_id=category.id if category is not None else None,
            language=language,
            qtype=question.qtype,
            name=(question.name or question.text)[:255] or question.qtype,
            data=storage.to_data(question),
            created_by_id=actor.id if actor is not None else None,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def import_gift(
    text: str, *, filename: str, language: str = "en", category: str | None = None, course=None, actor=None
) -> dict:
    """Import a GIFT file into the bank (all or nothing); with *course*, into its quiz too.

    Returns ``{"imported": n, "by_type": {type: n}, "errors": [one line per problem]}``;
    when there are errors nothing is saved. ``$CATEGORY`` lines win over *category*,
    which is the category of questions above the first such line (for a course: its slug).
    """
    try:
        questions = gift.parse_gift(text, filename)
    except gift.GiftError as error:
        return {"imported": 0, "by_type": empty_by_type(), "errors": [str(p) for p in error.problems]}
    default_category = category or (course.slug if course is not None else None)
    rows = _store_questions(questions, language=language, default_category=default_category, actor=actor)
    if course is not None:
        quiz = course_quiz(course) or _new_course_quiz(course, pass_mark=80)
        _add_slots(quiz, rows)
    result = gift.summarize(questions)
    result["errors"] = []
    audit.record(actor, "question_bank", filename, "import", after={"language": language, **result["by_type"]})
    db.session.flush()
    return result


def export_gift(category: str | None = None) -> str:
    """Return the bank (or one category and its sub-categories) as a GIFT file."""
    query = select(BankQuestion).outerjoin(QuestionCategory, BankQuestion.category_id == QuestionCategory.id)
    if category:
        path = category.strip()
        query = query.where((QuestionCategory.path == path) | QuestionCategory.path.startswith(path + "/"))
    rows = db.session.scalars(query.order_by(QuestionCategory.path.is_not(None), QuestionCategory.path, BankQuestion.id)).all()
    try:
        return gift.export_gift([to_question(row) for row in rows])
    except gift.GiftExportError as error:
        raise QuizError(_("Some questions cannot be written as GIFT."), error.problems) from None


def count_questions() -> int:
    """Return the number of questions in the bank."""
    return db.session.scalar(select(func.count(BankQuestion.id))) or 0


def category_counts() -> list[tuple[QuestionCategory | None, int]]:
    """Return every category with its number of questions (None for uncategorised)."""
    counts = dict(
        db.session.execute(select(BankQuestion.category_id, func.count(BankQuestion.id)).group_by(BankQuestion.category_id)).all()
    )
    categories = db.session.scalars(select(QuestionCategory).order_by(QuestionCategory.path)).all()
    result: list[tuple[QuestionCategory | None, int]] = [(c, counts.get(c.id, 0)) for c in categories]
    if counts.get(None):
        result.append((None, counts[None]))
    return result


# --- quizzes ------------------------------------------------------------------------------------


def course_quiz(course) -> Quiz | None:
    """Return the (first) quiz of *course*, if it has one."""
    return db.session.scalar(select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id))


def _default_bands(pass_mark: int) -> list[dict[str, Any]]:
    return [{"min_percent": pass_mark, "text": dict(_PASSED_BAND)}, {"min_percent": 0, "text": dict(_FAILED_BAND)}]


def _new_course_quiz(course, *, pass_mark: int) -> Quiz:
    languages = list(getattr(course, "languages", None) or ["en"])
    title = {lang: _COURSE_QUIZ_TITLE.get(lang, _COURSE_QUIZ_TITLE["en"]) for lang in languages}
    quiz = Quiz(
        course_id=course.id, title=title, pass_mark=pass_mark, attempts_allowed=None, time_limit_minutes=None,
        shuffle_questions=False, shuffle_answers=True, show_feedback=True, overall_feedback=_default_bands(pass_mark),
    )
    db.session.add(quiz)
    db.session.flush()
    return quiz


def _add_slots(quiz: Quiz, rows: Iterable[BankQuestion]) -> list[QuizSlot]:
    position = max((slot.position for slot in quiz.slots), default=-1)
    added = []
    for row in rows:
        position += 1
        slot = QuizSlot(question_id=row.id, position=position, max_mark=0.0 if row.qtype == "description" else 1.0)
        quiz.slots.append(slot)
        added.append(slot)
    db.session.flush()
    return added


def import_course_quiz(
    course, gift_by_language: Mapping[str, str], quiz_files: Mapping[str, str], *, pass_mark: int, actor=None
) -> Quiz:
    """Import a course's quiz (one GIFT text per language) and return its one Quiz.

    Every language's questions go into the bank with that language and become slots of
    the same quiz; an attempt uses the learner's language, else the first one. Returns
    the course's existing quiz untouched when it already has one.
    """
    existing = course_quiz(course)
    if existing is not None:
        return existing
    parsed: dict[str, list[Question]] = {}
    problems: list[str] = []
    for language, text in gift_by_language.items():
        filename = quiz_files.get(language, f"quiz.{language}.gift")
        try:
            parsed[language] = gift.parse_gift(text, filename)
        except gift.GiftError as error:
            problems.extend(str(p) for p in error.problems)
    if problems:
        raise QuizError(_("The quiz files of this course have errors; nothing was imported."), problems)
    quiz = _new_course_quiz(course, pass_mark=pass_mark)
    for language, questions in parsed.items():
        rows = _store_questions(questions, language=language, default_category=course.slug, actor=actor)
        _add_slots(quiz, rows)
    audit.record(actor, "quiz", quiz.id, "create", after={"course": course.slug, "questions": len(quiz.slots)})
    db.session.flush()
    return quiz


def copy_course_quizzes(course, copy, actor=None) -> list[Quiz]:
    """Give the new version *copy* of *course* the same quizzes: same settings, same bank questions."""
    copies = []
    for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course.id).order_by(Quiz.id)):
        twin = Quiz(
            course_id=copy.id, title=dict(quiz.title or {}), pass_mark=quiz.pass_mark, attempts_allowed=quiz.attempts_allowed,
            time_limit_minutes=quiz.time_limit_minutes, shuffle_questions=quiz.shuffle_questions,
            shuffle_answers=quiz.shuffle_answers, show_feedback=quiz.show_feedback,
            overall_feedback=[dict(band) for band in quiz.overall_feedback or []],
        )
        for slot in quiz.slots:
            twin.slots.append(QuizSlot(question_id=slot.question_id, position=slot.position, max_mark=slot.max_mark))
        db.session.add(twin)
        db.session.flush()
        audit.record(actor, "quiz", twin.id, "copy", after={"from_id": quiz.id, "course_id": copy.id})
        copies.append(twin)
    return copies


@dataclass
class QuizSettings:
    """What staff set on a quiz (``title`` in the editor's language)."""

    title: str
    language: str
    pass_mark: int = 80
    attempts_allowed: int | None = None
    time_limit_minutes: int | None = None
    shuffle_questions: bool = False
    shuffle_answers: bool = True
    show_feedback: bool = True
    course_id: int | None = None
    # (min_percent, text) in the editor's language, any order.
    bands: list[tuple[int, str]] | None = None


def _check_settings(data: QuizSettings) -> dict[str, str]:
    problems = {}
    if not data.title.strip():
        problems["title"] = _("Give the quiz a title.")
    if not 0 <= data.pass_mark <= 100:
        problems["pass_mark"] = _("The pass mark is a percentage from 0 to 100.")
    if data.attempts_allowed is not None and data.attempts_allowed < 1:
        problems["attempts_allowed"] = _("Allow at least one attempt, or leave the field empty for no limit.")
    if data.time_limit_minutes is not None and not 1 <= data.time_limit_minutes <= 600:
        problems["time_limit_minutes"] = _("The time limit is 1 to 600 minutes, or empty for none.")
    for percent, _text in data.bands or ():
        if not 0 <= percent <= 100:
            problems["overall_feedback"] = _("Each feedback band starts at a percentage from 0 to 100.")
    return problems


def _merge_bands(old: list[dict[str, Any]], bands: list[tuple[int, str]], language: str) -> list[dict[str, Any]]:
    by_percent = {int(band.get("min_percent", 0)): dict(band.get("text") or {}) for band in old}
    merged = []
    for percent, text in sorted(bands, key=lambda b: -b[0]):
        texts = by_percent.get(percent, {})
        if texts.get(language) != text.strip():
            # The other languages said what this text said before: they are out of date now.
            texts = {language: text.strip()}
        merged.append({"min_percent": percent, "text": texts})
    return merged


def save_quiz(quiz: Quiz | None, data: QuizSettings, actor) -> Quiz:
    """Create a quiz (*quiz* None) or change its settings; every change is audited."""
    problems = _check_settings(data)
    if problems:
        raise QuizError(_("Some settings are not valid."), [f"{k}: {v}" for k, v in problems.items()])
    before = _settings_snapshot(quiz) if quiz is not None else {}
    if quiz is None:
        quiz = Quiz(title={}, overall_feedback=_default_bands(data.pass_mark) if data.bands is None else [])
        db.session.add(quiz)
    quiz.title = {**(quiz.title or {}), data.language: data.title.strip()}
    quiz.pass_mark = data.pass_mark
    quiz.attempts_allowed = data.attempts_allowed
    quiz.time_limit_minutes = data.time_limit_minutes
    quiz.shuffle_questions = data.shuffle_questions
    quiz.shuffle_answers = data.shuffle_answers
    quiz.show_feedback = data.show_feedback
    quiz.course_id = data.course_id
    if data.bands is not None:
        quiz.overall_feedback = _merge_bands(quiz.overall_feedback or [], data.bands, data.language)
    db.session.flush()
    before, after = audit.changes(before, _settings_snapshot(quiz))
    audit.record(actor, "quiz", quiz.id, "update" if before else "create", before=before, after=after)
    return quiz


def _settings_snapshot(quiz: Quiz) -> dict[str, Any]:
    return {
        "title": quiz.title, "pass_mark": quiz.pass_mark, "attempts_allowed": quiz.attempts_allowed,
        "time_limit_minutes": quiz.time_limit_minutes, "shuffle_questions": quiz.shuffle_questions,
        "shuffle_answers": quiz.shuffle_answers, "show_feedback": quiz.show_feedback,
        "course_id": quiz.course_id, "overall_feedback": quiz.overall_feedback,
    }


def add_questions(quiz: Quiz, question_ids: Iterable[int], actor) -> int:
    """Add bank questions to the end of *quiz* (those already in it are skipped)."""
    present = {slot.question_id for slot in quiz.slots}
    wanted = [i for i in dict.fromkeys(question_ids) if i not in present]
    rows = db.session.scalars(select(BankQuestion).where(BankQuestion.id.in_(wanted)).order_by(BankQuestion.id)).all()
    if len(rows) != len(wanted):
        raise QuizError(_("Some of the chosen questions are not in the bank."))
    _add_slots(quiz, rows)
    if rows:
        audit.record(actor, "quiz", quiz.id, "add_questions", after={"questions": [r.id for r in rows]})
    return len(rows)


def remove_slot(quiz: Quiz, slot: QuizSlot, actor) -> None:
    """Take a question out of *quiz*; refused once someone has answered it (history stays)."""
    if slot.quiz_id != quiz.id:
        raise QuizError(_("This question is not part of this quiz."))
    used = db.session.scalar(select(func.count(AttemptResponse.id)).where(AttemptResponse.slot_id == slot.id))
    if used:
        raise QuizError(_("This question has already been answered in attempts, so it stays in the quiz to keep their history."))
    audit.record(actor, "quiz", quiz.id, "remove_question", before={"question": slot.question_id})
    quiz.slots.remove(slot)
    db.session.flush()


# --- attempts ---------------------------------------------------------------------------------


def attempts_used(user_id: int, quiz_id: int) -> int:
    return db.session.scalar(
        select(func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)
    ) or 0


def user_attempts(user_id: int, quiz_id: int) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id).order_by(QuizAttempt.number)
        )
    )


def passed_quiz_ids(user_id: int, quiz_ids: Iterable[int]) -> set[int]:
    """Return which of *quiz_ids* the person has passed (a finished attempt at the pass mark)."""
    return {quiz_id for _user_id, quiz_id in passed_pairs([user_id], quiz_ids)}


def passed_pairs(user_ids: Iterable[int], quiz_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Return (person id, quiz id) for each of *quiz_ids* each of these people has passed, in one query."""
    users, ids = list(dict.fromkeys(user_ids)), list(dict.fromkeys(quiz_ids))
    if not users or not ids:
        return set()
    return {
        (user_id, quiz_id) for user_id, quiz_id in db.session.execute(
            select(QuizAttempt.user_id, QuizAttempt.quiz_id).where(
                QuizAttempt.user_id.in_(users), QuizAttempt.quiz_id.in_(ids),
                QuizAttempt.status == "finished", QuizAttempt.is_passed.is_(True),
            )
        )
    }


@dataclass
class QuizSummary:
    """One quiz of a course as its learner sees it."""

    quiz: Quiz
    title: str
    url: str
    best_percent: float | None
    is_passed: bool
    attempts_used: int
    attempts_allowed: int | None
    awaiting_grading: bool


def quiz_url(quiz: Quiz) -> str:
    """Return the quiz page's path (also outside a request, e.g. in the CLI)."""
    from flask import current_app, has_request_context, url_for

    if has_request_context():
        return url_for("training.quizzes.show", quiz_id=quiz.id)
    with current_app.test_request_context():
        return url_for("training.quizzes.show", quiz_id=quiz.id)


def quiz_summaries(user, course) -> list[QuizSummary]:
    """Return the quizzes of *course* with *user*'s best result, attempts and state."""
    return quiz_summaries_many([(user, course)])[(user.id, course.id)]


def quiz_summaries_many(pairs: Iterable[tuple[Any, Any]],
                        quizzes: Mapping[int, list[Quiz]] | None = None) -> dict[tuple[int, int], list[QuizSummary]]:
    """Return quiz_summaries() for each (person, course), keyed (person id, course id), in two queries.

    *quizzes* (course id -> its quizzes by id) spares the first query when the caller already read them.
    """
    pairs = list(pairs)
    if not pairs:
        return {}
    if quizzes is None:
        found: dict[int, list[Quiz]] = {}
        course_ids = list(dict.fromkeys(course.id for _user, course in pairs))
        for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id.in_(course_ids)).order_by(Quiz.id)):
            found.setdefault(quiz.course_id, []).append(quiz)
        quizzes = found
    user_ids = list(dict.fromkeys(user.id for user, _course in pairs))
    quiz_ids = [quiz.id for _user, course in pairs for quiz in quizzes.get(course.id, [])]
    attempts: dict[tuple[int, int], list[Any]] = {}
    if quiz_ids:
        for row in db.session.execute(
            select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.status, QuizAttempt.percent, QuizAttempt.is_passed)
            .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.quiz_id.in_(list(dict.fromkeys(quiz_ids))))
            .order_by(QuizAttempt.number)
        ):
            attempts.setdefault((row.user_id, row.quiz_id), []).append(row)
    result: dict[tuple[int, int], list[QuizSummary]] = {}
    for user, course in pairs:
        summaries = []
        for quiz in quizzes.get(course.id, []):
            mine = attempts.get((user.id, quiz.id), [])
            finished = [a.percent for a in mine if a.status == "finished" and a.percent is not None]
            summaries.append(
                QuizSummary(
                    quiz=quiz,
                    title=quiz_title(quiz, getattr(user, "language", "en")),
                    url=quiz_url(quiz),
                    best_percent=max(finished) if finished else None,
                    is_passed=any(a.status == "finished" and a.is_passed for a in mine),
                    attempts_used=len(mine),
                    attempts_allowed=quiz.attempts_allowed,
                    awaiting_grading=any(a.status == "awaiting_grading" for a in mine),
                )
            )
        result[(user.id, course.id)] = summaries
    return result


def slots_for_language(quiz: Quiz, language: str) -> tuple[str, list[QuizSlot]]:
    """Return the language an attempt uses (the learner's, else the quiz's first) and its slots."""
    by_language: dict[str, list[QuizSlot]] = {}
    for slot in quiz.slots:
        by_language.setdefault(slot.question.language, []).append(slot)
    if not by_language:
        return language, []
    chosen = language if language in by_language else next(iter(by_language))
    return chosen, by_language[chosen]


def _now() -> datetime:
    return utcnow()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        from datetime import timezone

        return moment.replace(tzinfo=timezone.utc)
    return moment


def is_expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Tell whether an in-progress attempt is past its time limit."""
    deadline = _aware(attempt.deadline_at)
    return attempt.status == "in_progress" and deadline is not None and (now or _now()) > deadline


def start_attempt(user, quiz: Quiz, *, rng: random.Random | None = None) -> QuizAttempt:
    """Start (or resume) *user*'s attempt at *quiz*, with its shuffled layout and deadline."""
    current = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz.id, QuizAttempt.status == "in_progress"
        )
    )
    if current is not None:
        if not is_expired(current):
            return current
        submit_attempt(current, user)
    refusal = take_refusal(user, quiz)
    if refusal:
        raise QuizError(refusal)
    rng = rng or random.SystemRandom()
    language, slots = slots_for_language(quiz, getattr(user, "language", "en") or "en")
    slots = list(slots)
    if quiz.shuffle_questions:
        rng.shuffle(slots)
    layout = []
    for slot in slots:
        question = to_question(slot.question)
        order = shuffle_for_attempt(question, rng)
        if not quiz.shuffle_answers and order:
            order = sorted(order)
        layout.append({"slot": slot.id, "order": order})
    last = db.session.scalar(
        select(func.max(QuizAttempt.number)).where(QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz.id)
    ) or 0
    started = _now()
    attempt = QuizAttempt(
        quiz_id=quiz.id, user_id=user.id, number=last + 1, language=language, status="in_progress", layout=layout,
        started_at=started,
        deadline_at=started + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


@dataclass
class AttemptItem:
    """One question of an attempt as shown: its slot, the question, the choice order, the response."""

    number: int | None  # None for descriptions (they are not numbered)
    slot: QuizSlot
    question: Question
    order: list[int]
    response: AttemptResponse | None

    @property
    def field(self) -> str:
        return f"q{self.slot.id}"

    @property
    def value(self) -> Any:
        return self.response.response if self.response is not None else None

    @property
    def ordered_answers(self) -> list[tuple[int, Any]]:
        """Multichoice answers (index, answer) in the order this attempt shows them."""
        answers = getattr(self.question, "answers", ())
        order = self.order or list(range(len(answers)))
        return [(i, answers[i]) for i in order if i < len(answers)]

    @property
    def ordered_choices(self) -> list[str]:
        """Matching choices in the order this attempt shows them."""
        if not isinstance(self.question, MatchingQuestion):
            return []
        texts = choices(self.question)
        order = self.order or list(range(len(texts)))
        return [texts[i] for i in order if i < len(texts)]

    @property
    def stems(self) -> list[tuple[int, Any]]:
        if not isinstance(self.question, MatchingQuestion):
            return []
        return [(i, p) for i, p in enumerate(self.question.pairs) if not p.is_distractor]

    @property
    def chosen(self) -> set[int]:
        """Chosen multichoice indices (for checking radios and boxes)."""
        value = self.value
        if value is None:
            return set()
        if isinstance(value, list):
            return {int(v) for v in value}
        return {int(value)}

    @property
    def grades(self) -> list[EssayGrade]:
        return list(self.response.grades) if self.response is not None else []


def attempt_items(attempt: QuizAttempt) -> list[AttemptItem]:
    """Return the attempt's questions in the order it shows them, with any saved response."""
    slots = {slot.id: slot for slot in attempt.quiz.slots}
    responses = {r.slot_id: r for r in attempt.responses}
    items = []
    number = 0
    for entry in attempt.layout or []:
        slot = slots.get(entry["slot"])
        if slot is None:
            slot = db.session.get(QuizSlot, entry["slot"])
            if slot is None:
                continue
        question = to_question(slot.question)
        shown = None
        if question.qtype != "description":
            number += 1
            shown = number
        items.append(AttemptItem(shown, slot, question, list(entry.get("order") or []), responses.get(slot.id)))
    return items


def _form_values(form_data: Any, name: str) -> list[str]:
    if hasattr(form_data, "getlist"):
        return [v for v in form_data.getlist(name)]
    value = form_data.get(name) if isinstance(form_data, Mapping) else None
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _first(form_data: Any, name: str) -> str | None:
    values = _form_values(form_data, name)
    return str(values[0]) if values else None


def _parse_response(item: AttemptItem, form_data: Any) -> Any:
    question = item.question
    name = item.field
    number = item.number or 0
    bad = _("Question %(number)d: that answer is not one of its choices.", number=number)
    if question.qtype == "truefalse":
        value = _first(form_data, name)
        if value in (None, ""):
            return None
        if value not in ("true", "false"):
            raise QuizError(bad)
        return value == "true"
    if isinstance(question, MultiChoiceQuestion):
        count = len(question.answers)
        raw = [v for v in _form_values(form_data, name) if v != ""]
        try:
            picked = sorted({int(v) for v in raw})
        except ValueError:
            raise QuizError(bad) from None
        if any(not 0 <= i < count for i in picked):
            raise QuizError(bad)
        if question.single:
            if len(picked) > 1:
                raise QuizError(_("Question %(number)d takes one answer only.", number=number))
            return picked[0] if picked else None
        return picked
    if isinstance(question, MatchingQuestion):
        offered = set(choices(question))
        chosen = {}
        for index, _pair in item.stems:
            value = _first(form_data, f"{name}_{index}")
            if value in (None, ""):
                continue
            if value not in offered:
                raise QuizError(bad)
            chosen[str(index)] = value
        return chosen or None
    if question.qtype in ("shortanswer", "numerical", "essay"):
        value = _first(form_data, name)
        if value is None or not value.strip():
            return None
        if len(value) > MAX_TEXT_ANSWER:
            raise QuizError(
                _("Question %(number)d: the answer is longer than %(max)d characters.", number=number, max=MAX_TEXT_ANSWER)
            )
        return value
    return None


def save_responses(attempt: QuizAttempt, form_data: Any) -> None:
    """Save the learner's answers to an attempt in progress (all of them or none).

    Refused once the attempt is submitted or its time limit has passed.
    """
    if attempt.status != "in_progress":
        raise QuizError(_("This attempt is already submitted; its answers can no longer change."))
    if is_expired(attempt):
        raise QuizError(_("The time limit has passed, so these answers were not saved."))
    items = attempt_items(attempt)
    parsed = {item.slot.id: (item, _parse_response(item, form_data)) for item in items if item.question.qtype != "description"}
    existing = {r.slot_id: r for r in attempt.responses}
    for slot_id, (item, value) in parsed.items():
        row = existing.get(slot_id)
        if row is None:
            row = AttemptResponse(slot_id=slot_id, question_id=item.slot.question_id)
            attempt.responses.append(row)
        row.response = value
    db.session.flush()


def _graded_value(question: Question, value: Any) -> Any:
    if isinstance(question, MatchingQuestion) and isinstance(value, Mapping):
        return {int(k): v for k, v in value.items()}
    if isinstance(question, MultiChoiceQuestion) and not question.single and isinstance(value, list):
        return set(value)
    return value


def submit_attempt(attempt: QuizAttempt, user) -> QuizAttempt:
    """Submit an attempt with what it has saved and grade it; a second submit does nothing.

    Essays wait for a mentor (status ``awaiting_grading``); otherwise the attempt is
    finished with its score, and the course's completion is refreshed.
    """
    if attempt.status != "in_progress":
        return attempt
    now = _now()
    deadline = _aware(attempt.deadline_at)
    attempt.submitted_at = min(now, deadline) if deadline is not None else now
    existing = {r.slot_id: r for r in attempt.responses}
    waiting = False
    for item in attempt_items(attempt):
        if item.question.qtype == "description":
            continue
        row = existing.get(item.slot.id)
        if row is None:
            row = AttemptResponse(slot_id=item.slot.id, question_id=item.slot.question_id, response=None)
            attempt.responses.append(row)
        try:
            result = grade(item.question, _graded_value(item.question, row.response))
        except ResponseError:
            result = grade(item.question, None)
        row.feedback = list(result.feedback)
        row.needs_manual = result.needs_manual
        row.fraction = None if result.needs_manual else result.fraction
        waiting = waiting or result.needs_manual
    db.session.flush()
    if waiting:
        attempt.status = "awaiting_grading"
        audit.record(user, "quiz_attempt", attempt.id, "submit", after={"status": attempt.status})
        db.session.flush()
    else:
        _finish(attempt, user)
    return attempt


def _score(attempt: QuizAttempt) -> tuple[float, float]:
    marks = 0.0
    total = 0.0
    responses = {r.slot_id: r for r in attempt.responses}
    for item in attempt_items(attempt):
        if item.question.qtype == "description":
            continue
        total += item.slot.max_mark
        row = responses.get(item.slot.id)
        if row is not None and row.fraction is not None:
            # Moodle: a question never takes away more than its own marks.
            marks += max(row.fraction, 0.0) * item.slot.max_mark
    return marks, total


def _finish(attempt: QuizAttempt, actor) -> None:
    before = {"status": attempt.status, "percent": attempt.percent, "is_passed": attempt.is_passed}
    marks, total = _score(attempt)
    attempt.marks = round(marks, 5)
    attempt.max_marks = round(total, 5)
    attempt.percent = round(100.0 * marks / total, 2) if total > 0 else 100.0
    attempt.is_passed = attempt.percent + 1e-9 >= attempt.quiz.pass_mark
    attempt.status = "finished"
    attempt.finished_at = attempt.finished_at or _now()
    db.session.flush()
    after = {"status": attempt.status, "percent": attempt.percent, "is_passed": attempt.is_passed}
    audit.record(actor, "quiz_attempt", attempt.id, "finish" if before["status"] != "finished" else "rescore", before=before, after=after)
    _refresh_course(attempt)


def _refresh_course(attempt: QuizAttempt) -> None:
    course = course_of(attempt.quiz)
    if course is None:
        return
    from training.courses.services import refresh_completion

    refresh_completion(attempt.user, course)


def overall_feedback(attempt: QuizAttempt, language: str) -> str:
    """Return the feedback band text for a finished attempt's percent ('' if none)."""
    from training.courses.models import text_in

    if attempt.percent is None:
        return ""
    for band in sorted(attempt.quiz.overall_feedback or [], key=lambda b: -float(b.get("min_percent", 0))):
        if attempt.percent + 1e-9 >= float(band.get("min_percent", 0)):
            return text_in(band.get("text") or {}, language)
    return ""


# --- essay grading ------------------------------------------------------------------------------


def grade_essay(response: AttemptResponse, fraction: float, comment: str, grader, reason: str = "") -> EssayGrade:
    """Grade (or regrade, with a reason) an essay answer; the last essay finishes the attempt.

    A regrade is a new grade row and an audit entry; earlier grades stay.
    """
    attempt = response.attempt
    if not response.needs_manual:
        raise QuizError(_("This answer is graded automatically."))
    if attempt.status == "in_progress":
        raise QuizError(_("This attempt is not submitted yet."))
    if not can_grade(grader, attempt):
        raise QuizError(_("You may grade only your own mentees' answers."))
    if fraction is None or not 0.0 <= float(fraction) <= 1.0:
        raise QuizError(_("The grade is a percentage from 0 to 100."))
    is_regrade = bool(response.grades)
    reason = (reason or "").strip()
    if is_regrade and not reason:
        raise QuizError(_("Say why you change the grade: a regrade needs a reason."))
    previous = response.fraction
    row = EssayGrade(fraction=float(fraction), comment=(comment or "").strip(), reason=reason, graded_by_id=grader.id)
    response.grades.append(row)
    response.fraction = float(fraction)
    db.session.flush()
    audit.record(
        grader, "essay_grade", response.id, "regrade" if is_regrade else "grade",
        before={"fraction": previous} if is_regrade else None,
        after={"fraction": row.fraction, "comment": row.comment, "grade_id": row.id}, reason=reason,
    )
    pending = [r for r in attempt.responses if r.needs_manual and r.fraction is None]
    if not pending:
        _finish(attempt, grader)
    return row


def grading_queue(mentor) -> list[AttemptResponse]:
    """Return essay answers waiting for a grade that *mentor* may grade, oldest first."""
    query = (
        select(AttemptResponse)
        .join(QuizAttempt, AttemptResponse.attempt_id == QuizAttempt.id)
        .join(User, QuizAttempt.user_id == User.id)
        .where(AttemptResponse.needs_manual.is_(True), AttemptResponse.fraction.is_(None), QuizAttempt.status == "awaiting_grading")
        .order_by(QuizAttempt.submitted_at, AttemptResponse.id)
    )
    if not sees_everyone(mentor):
        query = query.where(User.mentor_id == mentor.id, User.id != mentor.id)
    # Pages show each answer's person and question: load them with the queue.
    query = query.options(contains_eager(AttemptResponse.attempt).contains_eager(QuizAttempt.user).lazyload(User.role_rows),
                          joinedload(AttemptResponse.question))
    return list(db.session.scalars(query))


def recently_graded(mentor, limit: int = 20) -> list[AttemptResponse]:
    """Return essay answers already graded that *mentor* may regrade, newest first."""
    query = (
        select(AttemptResponse)
        .join(QuizAttempt, AttemptResponse.attempt_id == QuizAttempt.id)
        .join(User, QuizAttempt.user_id == User.id)
        .where(AttemptResponse.needs_manual.is_(True), AttemptResponse.fraction.is_not(None))
        .order_by(AttemptResponse.id.desc())
        .limit(limit)
    )
    if not sees_everyone(mentor):
        query = query.where(User.mentor_id == mentor.id, User.id != mentor.id)
    return list(db.session.scalars(query))


# --- question analysis --------------------------------------------------------------------------


@dataclass
class QuestionStat:
    """How one question fared: answers graded, average credit, share fully right."""

    question: BankQuestion
    responses: int
    average_fraction: float | None
    percent_correct: float | None


def question_analysis(target: Quiz | QuestionCategory) -> list[QuestionStat]:
    """Return per-question statistics of a quiz or a bank category, hardest first.

    Only graded answers of submitted attempts count; descriptions are left out.
    """
    query = (
        select(AttemptResponse.question_id, AttemptResponse.fraction)
        .join(QuizAttempt, AttemptResponse.attempt_id == QuizAttempt.id)
        .where(AttemptResponse.fraction.is_not(None), QuizAttempt.status != "in_progress")
    )
    if isinstance(target, Quiz):
        query = query.where(QuizAttempt.quiz_id == target.id)
        questions = list(dict.fromkeys(slot.question for slot in target.slots))
    else:
        query = query.join(BankQuestion, AttemptResponse.question_id == BankQuestion.id).where(BankQuestion.category_id == target.id)
        questions = list(db.session.scalars(select(BankQuestion).where(BankQuestion.category_id == target.id).order_by(BankQuestion.id)))
    fractions: dict[int, list[float]] = defaultdict(list)
    for question_id, fraction in db.session.execute(query):
        fractions[question_id].append(max(float(fraction), 0.0))
    stats = []
    for question in questions:
        if question.qtype == "description":
            continue
        values = fractions.get(question.id, [])
        if values:
            average = sum(values) / len(values)
            correct = 100.0 * sum(1 for v in values if v >= FULL_CREDIT) / len(values)
            stats.append(QuestionStat(question, len(values), average, correct))
        else:
            stats.append(QuestionStat(question, 0, None, None))
    # Hardest first; questions nobody has answered yet go last.
    stats.sort(key=lambda s: (s.average_fraction is None, s.average_fraction or 0.0, s.percent_correct or 0.0, s.question.id))
    return stats
