"""Pages of training.quizzes (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from html import escape
from types import SimpleNamespace

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from servicecraft.auth.forms import ButtonForm
from servicecraft.charts import bar_chart
from servicecraft.extensions import db
from servicecraft.markup import render_markdown, sanitise_html
from servicecraft.models import User
from servicecraft.permissions import get_or_404, is_manager, is_staff_lead, require, signed_in, visible_user_filter
from training.quizzes import forms, services
from training.quizzes.models import AttemptResponse, BankQuestion, QuestionCategory, Quiz, QuizAttempt, QuizSlot
from training.quizzes.questions import QUESTION_TYPES

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")

QUESTION_PAGE = 50


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else (getattr(current_user, "language", None) or "en")


def rich(text: str | None, fmt: str | None = None) -> Markup:
    """Render a question text in its Moodle format, sanitised."""
    text = text or ""
    if fmt == "markdown":
        return Markup(render_markdown(text))
    if fmt == "plain":
        return Markup(escape(text).replace("\n", "<br>"))
    if fmt == "moodle":
        text = text.replace("\n", "<br>")
    return Markup(sanitise_html(text))


def type_label(qtype: str) -> str:
    labels = {
        "truefalse": _("True/false"),
        "multichoice": _("Multiple choice"),
        "shortanswer": _("Short answer"),
        "matching": _("Matching"),
        "numerical": _("Numerical"),
        "essay": _("Essay"),
        "description": _("Description"),
    }
    return labels.get(qtype, qtype)


def status_label(status: str) -> str:
    return {
        "in_progress": _("in progress"),
        "awaiting_grading": _("waiting for a mentor's grade"),
        "finished": _("finished"),
    }.get(status, status)


@bp.context_processor
def _helpers():
    return {
        "rich": rich,
        "type_label": type_label,
        "status_label": status_label,
        "quiz_title": lambda quiz: services.quiz_title(quiz, _language()),
    }


def _courses():
    from training.courses.models import Course

    return db.session.scalars(select(Course).order_by(Course.slug, Course.version)).all()


def _refuse(error: services.QuizError, status: int = 422):
    db.session.rollback()
    flash(error.message, "error")
    for problem in error.problems:
        flash(problem, "error")


# --- quizzes ------------------------------------------------------------------------------


@bp.route("/")
@require(signed_in)
def index():
    quizzes = db.session.scalars(select(Quiz).order_by(Quiz.course_id.is_(None), Quiz.id)).all()
    visible = [q for q in quizzes if services.can_view_quiz(current_user, q)]
    passed = services.passed_quiz_ids(current_user.id, [q.id for q in visible])
    return render_template(
        "training/quizzes/index.html", quizzes=visible, passed=passed, is_staff=services.is_quiz_staff(current_user),
        courses={c.id: c for c in _courses()},
    )


def _settings(form: forms.QuizForm) -> services.QuizSettings:
    return services.QuizSettings(
        title=form.title.data or "",
        language=_language(),
        pass_mark=form.pass_mark.data if form.pass_mark.data is not None else 80,
        attempts_allowed=form.attempts_allowed.data,
        time_limit_minutes=form.time_limit_minutes.data,
        shuffle_questions=bool(form.shuffle_questions.data),
        shuffle_answers=bool(form.shuffle_answers.data),
        show_feedback=bool(form.show_feedback.data),
        course_id=form.course_id.data or None,
        bands=forms.parse_bands(form.overall_feedback.data or ""),
    )


def _bands_text(quiz: Quiz) -> str:
    from training.courses.models import text_in

    lines = []
    for band in sorted(quiz.overall_feedback or [], key=lambda b: -int(b.get("min_percent", 0))):
        lines.append(f"{int(band.get('min_percent', 0))}: {text_in(band.get('text') or {}, _language())}")
    return "\n".join(lines)


def _save_settings(quiz: Quiz | None):
    courses = _courses()
    if request.method == "GET" and quiz is not None:
        form = forms.QuizForm(
            courses=courses, language=_language(),
            data={
                "title": services.quiz_title(quiz, _language()), "course_id": quiz.course_id or 0,
                "pass_mark": quiz.pass_mark, "attempts_allowed": quiz.attempts_allowed,
                "time_limit_minutes": quiz.time_limit_minutes, "shuffle_questions": quiz.shuffle_questions,
                "shuffle_answers": quiz.shuffle_answers, "show_feedback": quiz.show_feedback,
                "overall_feedback": _bands_text(quiz),
            },
        )
    else:
        form = forms.QuizForm(courses=courses, language=_language())
    if form.validate_on_submit():
        try:
            saved = services.save_quiz(quiz, _settings(form), current_user)
        except services.QuizError as error:
            _refuse(error)
        else:
            db.session.commit()
            flash(_("The quiz settings are saved."), "success")
            return redirect(url_for(".questions", quiz_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template("training/quizzes/form.html", form=form, quiz=quiz), status


@bp.route("/new", methods=["GET", "POST"])
@require(is_manager)
def new():
    return _save_settings(None)


@bp.route("/<int:quiz_id>/edit", methods=["GET", "POST"])
@require(is_manager)
def edit(quiz_id: int):
    return _save_settings(get_or_404(Quiz, quiz_id))


@bp.route("/<int:quiz_id>/questions", methods=["GET", "POST"])
@require(is_manager)
def questions(quiz_id: int):
    quiz = get_or_404(Quiz, quiz_id)
    button = ButtonForm()
    if request.method == "POST":
        if not button.validate_on_submit():
            abort(400)
        try:
            if request.form.get("action") == "remove":
                slot = get_or_404(QuizSlot, request.form.get("slot_id", type=int) or 0)
                services.remove_slot(quiz, slot, current_user)
                message = _("The question is taken out of the quiz.")
            else:
                ids = [int(v) for v in request.form.getlist("question_ids") if v.isdigit()]
                if not ids:
                    raise services.QuizError(_("Choose at least one question to add."))
                added = services.add_questions(quiz, ids, current_user)
                message = _("%(num)d questions added.", num=added)
        except services.QuizError as error:
            _refuse(error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".questions", quiz_id=quiz.id))
    category_id = request.args.get("category", type=int)
    in_quiz = {slot.question_id for slot in quiz.slots}
    query = select(BankQuestion).order_by(BankQuestion.category_id, BankQuestion.id)
    if category_id:
        query = query.where(BankQuestion.category_id == category_id)
    available = [q for q in db.session.scalars(query.limit(200)) if q.id not in in_quiz]
    status = 422 if request.method == "POST" else 200
    return render_template(
        "training/quizzes/questions.html", quiz=quiz, available=available, button=button,
        categories=db.session.scalars(select(QuestionCategory).order_by(QuestionCategory.path)).all(), category_id=category_id,
    ), status


def _visible_quiz(quiz_id: int) -> Quiz:
    return get_or_404(Quiz, quiz_id, allowed=lambda q: services.can_view_quiz(current_user, q))


@bp.route("/<int:quiz_id>")
@require(signed_in)
def show(quiz_id: int):
    quiz = _visible_quiz(quiz_id)
    attempts = services.user_attempts(current_user.id, quiz.id)
    in_progress = next((a for a in attempts if a.status == "in_progress"), None)
    refusal = None if in_progress else services.take_refusal(current_user, quiz)
    language, slots = services.slots_for_language(quiz, current_user.language or "en")
    return render_template(
        "training/quizzes/show.html", quiz=quiz, attempts=attempts, in_progress=in_progress, refusal=refusal,
        question_count=sum(1 for s in slots if s.question.qtype != "description"), button=ButtonForm(),
        course=services.course_of(quiz), can_analyse=is_staff_lead(current_user), is_staff=services.is_quiz_staff(current_user),
    )


@bp.route("/<int:quiz_id>/start", methods=["POST"])
@require(signed_in)
def start(quiz_id: int):
    quiz = _visible_quiz(quiz_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user, quiz)
    except services.QuizError as error:
        db.session.commit()  # an expired attempt may just have been submitted
        flash(error.message, "error")
        return redirect(url_for(".show", quiz_id=quiz.id))
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _own_attempt(attempt_id: int) -> QuizAttempt:
    return get_or_404(QuizAttempt, attempt_id, allowed=lambda a: services.can_answer_attempt(current_user, a))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@require(signed_in)
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if services.is_expired(attempt):
        services.submit_attempt(attempt, current_user)
        db.session.commit()
        flash(_("The time limit has passed. Your attempt was submitted with the answers saved before the deadline."), "warning")
        return redirect(url_for(".review", attempt_id=attempt.id))
    if attempt.status != "in_progress":
        if request.method == "POST":
            flash(_("This attempt is already submitted; nothing was changed."), "info")
        return redirect(url_for(".review", attempt_id=attempt.id))
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.save_responses(attempt, request.form)
            if request.form.get("action") == "submit":
                services.submit_attempt(attempt, current_user)
        except services.QuizError as error:
            _refuse(error)
            status = 422
        else:
            db.session.commit()
            if attempt.status == "in_progress":
                flash(_("Your answers are saved."), "success")
                return redirect(url_for(".attempt", attempt_id=attempt.id))
            flash(_("Your attempt is submitted."), "success")
            return redirect(url_for(".review", attempt_id=attempt.id))
    else:
        status = 200
    return render_template(
        "training/quizzes/attempt.html", attempt=attempt, quiz=attempt.quiz, items=services.attempt_items(attempt), form=form,
        deadline=attempt.deadline_at.isoformat() if attempt.deadline_at else None,
    ), status


@bp.route("/attempts/<int:attempt_id>/review")
@require(signed_in)
def review(attempt_id: int):
    attempt = get_or_404(QuizAttempt, attempt_id, allowed=lambda a: services.can_view_attempt(current_user, a))
    if attempt.status == "in_progress" and attempt.user_id == current_user.id and not services.is_expired(attempt):
        return redirect(url_for(".attempt", attempt_id=attempt.id))
    quiz = attempt.quiz
    show_feedback = quiz.show_feedback or attempt.user_id != current_user.id
    return render_template(
        "training/quizzes/review.html", attempt=attempt, quiz=quiz, items=services.attempt_items(attempt),
        show_feedback=show_feedback, overall=services.overall_feedback(attempt, _language()),
        can_grade=services.can_grade(current_user, attempt),
    )


@bp.route("/<int:quiz_id>/results")
@require(is_staff_lead)
def results(quiz_id: int):
    quiz = get_or_404(Quiz, quiz_id)
    attempts = db.session.scalars(
        select(QuizAttempt).join(User, QuizAttempt.user_id == User.id)
        .where(QuizAttempt.quiz_id == quiz.id, visible_user_filter(current_user, User))
        .order_by(User.name, QuizAttempt.number)
    ).all()
    return render_template("training/quizzes/results.html", quiz=quiz, attempts=attempts)


# --- analysis --------------------------------------------------------------------------------


def _analysis_page(stats, heading: str, back_url: str):
    chart_items = [(s.question.name, round(100 * s.average_fraction, 1)) for s in stats if s.average_fraction is not None]
    chart = bar_chart(chart_items[:20], title=_("Average credit per question, hardest first"), max_value=100, unit="%") if chart_items else None
    return render_template("training/quizzes/analysis.html", stats=stats, chart=chart, heading=heading, back_url=back_url)


@bp.route("/<int:quiz_id>/analysis")
@require(is_staff_lead)
def analysis(quiz_id: int):
    quiz = get_or_404(Quiz, quiz_id)
    stats = services.question_analysis(quiz)
    title = services.quiz_title(quiz, _language())
    return _analysis_page(stats, _("Question analysis: %(quiz)s", quiz=title), url_for(".show", quiz_id=quiz.id))


@bp.route("/bank/categories/<int:bank_category_id>/analysis")
@require(is_staff_lead)
def category_analysis(bank_category_id: int):
    category = get_or_404(QuestionCategory, bank_category_id)
    stats = services.question_analysis(category)
    back = url_for(".bank") if services.is_quiz_staff(current_user) else url_for(".grading")
    return _analysis_page(stats, _("Question analysis: %(category)s", category=category.path), back)


# --- grading ---------------------------------------------------------------------------------


@bp.route("/grading")
@require(is_staff_lead)
def grading():
    return render_template(
        "training/quizzes/grading.html", queue=services.grading_queue(current_user), graded=services.recently_graded(current_user),
    )


@bp.route("/responses/<int:response_id>/grade", methods=["GET", "POST"])
@require(is_staff_lead)
def grade(response_id: int):
    response = get_or_404(
        AttemptResponse, response_id, allowed=lambda r: services.can_grade(current_user, r.attempt)
    )
    if not response.needs_manual:
        abort(404)
    form = forms.GradeForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.grade_essay(response, form.percent.data / 100.0, form.comment.data or "", current_user, reason=form.reason.data or "")
        except services.QuizError as error:
            db.session.rollback()
            form.reason.errors = list(form.reason.errors) + [error.message]
            status = 422
        else:
            db.session.commit()
            flash(_("The grade is saved."), "success")
            return redirect(url_for(".grading"))
    elif request.method == "POST":
        status = 422
    item = next((i for i in services.attempt_items(response.attempt) if i.slot.id == response.slot_id), None)
    return render_template(
        "training/quizzes/grade.html", response=response, attempt=response.attempt, item=item, form=form,
        is_regrade=bool(response.grades),
    ), status


# --- the question bank ---------------------------------------------------------------------------


@bp.route("/bank")
@require(is_manager)
def bank():
    return render_template(
        "training/quizzes/bank.html", categories=services.category_counts(), total=services.count_questions(),
    )


@bp.route("/bank/questions")
@require(is_manager)
def bank_questions():
    category_id = request.args.get("category", type=int)
    qtype = request.args.get("type", "")
    language = request.args.get("language", "")
    query = select(BankQuestion).order_by(BankQuestion.id)
    if category_id:
        query = query.where(BankQuestion.category_id == category_id)
    if qtype in QUESTION_TYPES:
        query = query.where(BankQuestion.qtype == qtype)
    if language:
        query = query.where(BankQuestion.language == language)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.limit(QUESTION_PAGE).offset((page - 1) * QUESTION_PAGE)).all()
    return render_template(
        "training/quizzes/bank_questions.html", questions=rows, total=total, page=page, page_size=QUESTION_PAGE,
        categories=db.session.scalars(select(QuestionCategory).order_by(QuestionCategory.path)).all(),
        category_id=category_id, qtype=qtype, language=language, types=QUESTION_TYPES,
    )


@bp.route("/bank/questions/<int:question_id>")
@require(is_manager)
def preview(question_id: int):
    row = get_or_404(BankQuestion, question_id)
    question = services.to_question(row)
    item = services.AttemptItem(1, SimpleNamespace(id=0, max_mark=1.0), question, [], None)
    used_in = db.session.scalars(select(Quiz).join(QuizSlot, QuizSlot.quiz_id == Quiz.id).where(QuizSlot.question_id == row.id)).all()
    return render_template("training/quizzes/preview.html", row=row, question=question, item=item, used_in=used_in)


@bp.route("/bank/import", methods=["GET", "POST"])
@require(is_manager)
def bank_import():
    form = forms.ImportForm()
    result = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(forms.MAX_GIFT_BYTES + 1)
        filename = upload.filename or "upload.gift"
        if len(data) > forms.MAX_GIFT_BYTES:
            form.file.errors = list(form.file.errors) + [_("The file is larger than 2 MB.")]
            status = 422
        else:
            from training.quizzes.gift import GiftError, decode_gift

            try:
                text = decode_gift(data, filename)
            except GiftError as error:
                result = {"imported": 0, "by_type": services.empty_by_type(), "errors": [str(p) for p in error.problems]}
            else:
                result = services.import_gift(
                    text, filename=filename, language=form.language.data, category=form.category.data or None, actor=current_user
                )
            if result["errors"]:
                db.session.rollback()
                status = 422
            else:
                db.session.commit()
                flash(_("%(num)d questions imported.", num=result["imported"]), "success")
    elif request.method == "POST":
        status = 422
    return render_template("training/quizzes/import.html", form=form, result=result), status


@bp.route("/bank/export")
@require(is_manager)
def bank_export():
    category = request.args.get("category", "").strip() or None
    try:
        text = services.export_gift(category)
    except services.QuizError as error:
        flash(error.message, "error")
        for problem in error.problems:
            flash(problem, "error")
        return redirect(url_for(".bank"))
    name = "questions.gift.txt" if not category else f"{category.replace('/', '-')}.gift.txt"
    return Response(
        text, mimetype="text/plain; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")

