"""Pages of qa.reviews (thin: parse, authorize, call a service, render).

CSRF is checked app-wide (Flask-WTF CSRFProtect) before any POST reaches these views.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from qa.evaluations import services as evaluation_services
from qa.reviews import answers as answers_ui
from qa.reviews import services
from qa.reviews.forms import CommentForm, ReassignForm, SampleForm, SkipForm, rule_label
from qa.reviews.models import ReviewItem, ReviewSample
from servicecraft.extensions import db
from servicecraft.permissions import get_or_404, is_manager, require

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else (getattr(current_user, "language", None) or "en")


def _show_problems(form, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


@bp.route("/")
@require(is_manager)
def index():
    rows = [(sample, services.progress(sample)) for sample in services.samples()]
    return render_template("qa/reviews/index.html", rows=rows, rule_label=rule_label,
                           queue_count=services.queue_count(current_user))


@bp.route("/samples/new", methods=["GET", "POST"])
@require(is_manager)
def new():
    form = SampleForm(forms=services.review_forms(), reviewers=services.reviewers(), categories=services.categories())
    if request.method == "GET" and not form.reviewer_ids.data:
        form.reviewer_ids.data = [current_user.id]
    if form.validate_on_submit():
        data = services.SampleInput(
            name=form.name.data, rule=form.rule.data, period_from=form.period_from.data, period_to=form.period_to.data,
            form_version_id=form.form_version_id.data, reviewer_ids=list(form.reviewer_ids.data or []),
            seed=form.seed.data,
            params={"per_agent": form.per_agent.data, "limit": form.limit.data, "category": form.category.data,
                    "first_reply_minutes": form.first_reply_minutes.data, "resolution_hours": form.resolution_hours.data},
        )
        try:
            sample = services.create_sample(current_user, data)
        except services.ReviewError as error:
            db.session.rollback()
            flash(error.message, "error")
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("%(count)s tickets drawn into %(name)s.", count=len(sample.items), name=sample.name), "success")
            return redirect(url_for("qa.reviews.sample", sample_id=sample.id))
    status = 422 if request.method == "POST" else 200
    return render_template("qa/reviews/new.html", form=form, has_forms=bool(form.form_version_id.choices)), status


@bp.route("/samples/<int:sample_id>")
@require(is_manager)
def sample(sample_id: int):
    found = get_or_404(ReviewSample, sample_id, allowed=lambda s: services.can_view_sample(current_user, s))
    return render_template("qa/reviews/sample.html", sample=found, progress=services.progress(found),
                           rule_label=rule_label)


@bp.route("/queue")
@require(is_manager)
def queue():
    return render_template("qa/reviews/queue.html", items=services.queue(current_user))


def _item(item_id: int) -> ReviewItem:
    return get_or_404(ReviewItem, item_id, allowed=lambda i: services.can_view_item(current_user, i))


def _render_item(item: ReviewItem, *, answers=None, problems=None, status=200):
    definition = evaluation_services.definition(item.sample.form_version)
    evaluation = item.evaluation
    if answers is None:
        if evaluation is not None and evaluation.current_revision is not None:
            answers = evaluation.current_revision.answers
        elif evaluation is not None:
            answers = evaluation.draft_answers or {}
        else:
            answers = {}
    editable = services.can_review(current_user, item) and item.status in ("open", "in_progress")
    comments = evaluation_services.visible_comments(current_user, evaluation) if evaluation else []
    return render_template(
        "qa/reviews/review.html", item=item, ticket=item.ticket, definition=definition, answers=answers,
        problems=problems or {}, editable=editable, evaluation=evaluation, comments=comments,
        source_link=services.ticket_link(item.ticket), lang=_language(), ui=answers_ui,
        comment_form=CommentForm(), skip_form=SkipForm(),
        reassign_form=ReassignForm(reviewers=services.reviewers(), data={"reviewer_id": item.reviewer_id}),
    ), status


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@require(is_manager)
def review(item_id: int):
    item = _item(item_id)
    if request.method == "GET":
        return _render_item(item)
    if not services.can_review(current_user, item):
        abort(403)
    definition = evaluation_services.definition(item.sample.form_version)
    typed, problems = evaluation_services.coerce_answers(definition, answers_ui.raw_answers(definition, request.form))
    finish = request.form.get("action") == "finish"
    if problems:
        flash(_("Some answers need correcting."), "error")
        return _render_item(item, answers=typed, problems=problems, status=422)
    try:
        if finish:
            services.finish_review(item, current_user, typed, comment=request.form.get("comment", ""))
        else:
            services.save_review(item, current_user, typed)
    except services.ReviewError as error:
        db.session.rollback()
        flash(error.message, "error")
        item = _item(item_id)
        return _render_item(item, answers=typed, problems=error.problems, status=422)
    db.session.commit()
    if finish:
        flash(_("The review is released to %(name)s.", name=item.ticket.agent.name if item.ticket.agent else "—"), "success")
        following = services.queue(current_user, limit=1)
        if following:
            return redirect(url_for("qa.reviews.review", item_id=following[0].id))
        return redirect(url_for("qa.reviews.queue"))
    flash(_("Draft saved."), "success")
    return redirect(url_for("qa.reviews.review", item_id=item.id))


@bp.route("/items/<int:item_id>/comments", methods=["POST"])
@require(is_manager)
def comment(item_id: int):
    item = _item(item_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Write a comment."), "error")
        return redirect(url_for("qa.reviews.review", item_id=item.id))
    try:
        services.comment(item, current_user, form.body.data, visibility=form.visibility.data)
    except services.ReviewError as error:
        db.session.rollback()
        flash(error.message, "error")
        for message in error.problems.values():
            flash(message, "error")
        return redirect(url_for("qa.reviews.review", item_id=item.id))
    db.session.commit()
    flash(_("Comment added."), "success")
    return redirect(url_for("qa.reviews.review", item_id=item.id))


@bp.route("/items/<int:item_id>/skip", methods=["POST"])
@require(is_manager)
def skip(item_id: int):
    item = _item(item_id)
    form = SkipForm()
    if not form.validate_on_submit():
        flash(_("Say why this ticket is skipped."), "error")
        return redirect(url_for("qa.reviews.review", item_id=item.id))
    try:
        services.skip(item, current_user, form.reason.data)
    except services.ReviewError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("qa.reviews.review", item_id=item.id))
    db.session.commit()
    flash(_("The ticket is skipped."), "success")
    return redirect(url_for("qa.reviews.queue"))


@bp.route("/items/<int:item_id>/reassign", methods=["POST"])
@require(is_manager)
def reassign(item_id: int):
    item = _item(item_id)
    form = ReassignForm(reviewers=services.reviewers())
    if not form.validate_on_submit():
        flash(_("Choose a reviewer."), "error")
        return redirect(url_for("qa.reviews.review", item_id=item.id))
    from servicecraft.models import User

    try:
        services.reassign(item, current_user, db.session.get(User, form.reviewer_id.data))
    except services.ReviewError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("qa.reviews.review", item_id=item.id))
    db.session.commit()
    flash(_("The ticket goes to another reviewer."), "success")
    return redirect(url_for("qa.reviews.sample", sample_id=item.sample_id))
