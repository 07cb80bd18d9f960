"""Pages of qa.missions (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from qa.evaluations import services as evaluations
from qa.evaluations.models import Evidence
from qa.missions import services
from qa.missions.forms import (
    CHANNEL_LABELS,
    EVENT_LABELS,
    FEE_LABELS,
    STATUS_LABELS,
    AssignForm,
    CancelForm,
    MissionForm,
    ReturnForm,
    WorkForm,
)
from qa.missions.models import STATUSES, Mission
from servicecraft import storage
from servicecraft.extensions import db
from servicecraft.formtools import choices
from servicecraft.markup import render_markdown as _render_markdown
from servicecraft.models import Branch, User, UserRole
from servicecraft.permissions import get_or_404, require, role
from servicecraft.texts import pick

bp = Blueprint("missions", __name__, url_prefix="/missions")


def render_markdown(text: str) -> Markup:
    """The brief as sanitised HTML, safe to print."""
    return Markup(_render_markdown(text or ""))  # noqa: S704 - sanitised by servicecraft.markup

is_lead = role("admin", "manager")
is_shopper = role("shopper")
lead_or_shopper = role("admin", "manager", "shopper")


@bp.app_context_processor
def _labels():
    return {"mission_channel": lambda c: CHANNEL_LABELS.get(c, c), "mission_status": lambda s: STATUS_LABELS.get(s, s),
            "mission_fee": lambda f: FEE_LABELS.get(f, f), "mission_event": lambda a: EVENT_LABELS.get(a, a),
            "money": _money}


def _money(amount, currency):
    from flask_babel import format_currency

    return format_currency(amount, currency)


def _language() -> str:
    return getattr(get_locale(), "language", None) or getattr(current_user, "language", "en") or "en"


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(getattr(current_user, "timezone", None) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(value: datetime | None):
    return value.replace(tzinfo=_zone()).astimezone(UTC) if value else None


def _mission(mission_id: int, allowed=None) -> Mission:
    return get_or_404(Mission, mission_id, allowed=allowed or (lambda m: services.can_view_mission(current_user, m)))


def _fail(error: services.MissionError, target: str):
    db.session.rollback()
    if error.status == 403:
        abort(403)
    if error.status == 404:
        abort(404)
    return render_template("qa/missions/refused.html", message=str(error), back=target), error.status


def _button_ok() -> None:
    if not WorkForm().validate_on_submit():
        abort(400)


# --- lists -------------------------------------------------------------------------------


@bp.route("/")
@require(lead_or_shopper)
def index():
    if services.is_qa_lead(current_user):
        status = request.args.get("status", "")
        status = status if status in STATUSES else ""
        fee = request.args.get("fee", "")
        fee = fee if fee in ("due", "paid") else ""
        q = request.args.get("q", "").strip()[:100]
        missions = services.search(current_user, status=status or None, fee_status=fee or None, q=q)
        return render_template("qa/missions/index.html", missions=missions, status=status, fee=fee, q=q,
                               statuses=STATUSES, totals=services.fee_totals(missions))
    groups = services.missions_of(current_user)
    return render_template("qa/missions/mine.html", groups=groups, is_overdue=services.is_overdue,
                           board_count=services.job_board_count())


@bp.route("/board")
@require(is_shopper)
def board():
    missions = services.job_board()
    return render_template("qa/missions/board.html", missions=missions, form=WorkForm(), markdown=render_markdown)


@bp.route("/<int:mission_id>/claim", methods=["POST"])
@require(is_shopper)
def claim(mission_id: int):
    _button_ok()
    try:
        mission = services.claim(mission_id, current_user)
    except services.MissionError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        flash(str(error), "error")
        return redirect(url_for("qa.missions.board")), 303
    db.session.commit()
    flash(_("The mission is yours: %(title)s.", title=mission.title), "success")
    return redirect(url_for("qa.missions.show", mission_id=mission.id))


@bp.route("/history")
@require(is_shopper)
def history():
    missions = list(db.session.scalars(select(Mission).where(
        Mission.shopper_id == current_user.id, Mission.status.in_(("validated", "cancelled", "submitted")))
        .order_by(Mission.validated_at.desc(), Mission.id.desc())))
    return render_template("qa/missions/history.html", missions=missions, totals=services.fee_totals(missions))


@bp.route("/queue")
@require(is_lead)
def queue():
    return render_template("qa/missions/queue.html", missions=services.validation_queue())


# --- preparing ---------------------------------------------------------------------------


def _fill_choices(form: MissionForm, mission: Mission | None = None) -> None:
    versions = services.mission_form_versions()
    if mission is not None and all(v.id != mission.form_version_id for v in versions):
        versions.append(mission.form_version)
    lang = _language()
    form.form_version_id.choices = choices(
        (v.id, _("%(title)s (version %(number)s)", title=pick(v.form.title, lang), number=v.number)) for v in versions)
    branches = db.session.scalars(select(Branch).order_by(Branch.code)).all()
    form.branch_id.choices = choices([(0, _("— no branch —"))] + [(b.id, f"{b.code} · {b.name}") for b in branches])
    agents = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == "agent", User.is_active_account.is_(True)).order_by(User.name)).all()
    form.agent_id.choices = choices([(0, _("— no particular agent —"))] + [(a.id, a.name) for a in agents])
    form.scenario_slug.choices = choices([("", _("— no script —"))] + services.scenario_choices(lang))


def _input(form: MissionForm) -> services.MissionInput:
    return services.MissionInput(
        title=form.title.data or "", channel=form.channel.data, form_version_id=form.form_version_id.data or None,
        window_start=_local(form.window_start.data), window_end=_local(form.window_end.data),
        brief=form.brief.data or "", branch_id=form.branch_id.data or None, agent_id=form.agent_id.data or None,
        scenario_slug=form.scenario_slug.data or None, fee=float(form.fee.data) if form.fee.data is not None else 0,
        currency=form.currency.data or "",
    )


def _show_problems(form, error: services.MissionError) -> None:
    shown = False
    for name, message in error.problems.items():
        field = getattr(form, "fee" if name == "fee_cents" else name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
            shown = True
    if not shown or not error.problems:
        flash(str(error), "error")


@bp.route("/new", methods=["GET", "POST"])
@require(is_lead)
def new():
    form = MissionForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            mission = services.create_mission(_input(form), current_user)
        except services.MissionError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The mission is saved as a draft."), "success")
            return redirect(url_for("qa.missions.show", mission_id=mission.id))
    status = 422 if request.method == "POST" else 200
    return render_template("qa/missions/form.html", form=form, mission=None), status


@bp.route("/<int:mission_id>/edit", methods=["GET", "POST"])
@require(is_lead)
def edit(mission_id: int):
    mission = _mission(mission_id)
    if request.method == "GET":
        zone = _zone()
        form = MissionForm(obj=mission, data={
            "branch_id": mission.branch_id or 0, "agent_id": mission.agent_id or 0, "scenario_slug": mission.scenario_slug or "",
            "fee": mission.fee_cents / 100,
            "window_start": services._aware(mission.window_start).astimezone(zone).replace(tzinfo=None),
            "window_end": services._aware(mission.window_end).astimezone(zone).replace(tzinfo=None),
        })
    else:
        form = MissionForm()
    _fill_choices(form, mission)
    if form.validate_on_submit():
        try:
            services.update_mission(mission, _input(form), current_user)
        except services.MissionError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The mission is saved."), "success")
            return redirect(url_for("qa.missions.show", mission_id=mission.id))
    status = 422 if request.method == "POST" else 200
    return render_template("qa/missions/form.html", form=form, mission=mission), status


@bp.route("/<int:mission_id>/publish", methods=["POST"])
@require(is_lead)
def publish(mission_id: int):
    mission = _mission(mission_id)
    _button_ok()
    try:
        services.publish(mission, current_user)
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("The mission is on the job board."), "success")
    return redirect(url_for("qa.missions.show", mission_id=mission_id))


@bp.route("/<int:mission_id>/assign", methods=["POST"])
@require(is_lead)
def assign(mission_id: int):
    mission = _mission(mission_id)
    form = AssignForm()
    form.shopper_id.choices = choices([(s.id, s.name) for s in services.shoppers()])
    if not form.validate_on_submit():
        flash(_("Choose a mystery shopper."), "error")
        return redirect(url_for("qa.missions.show", mission_id=mission_id))
    try:
        services.assign(mission, db.session.get(User, form.shopper_id.data), current_user)
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("The mission is assigned to %(name)s.", name=mission.shopper.name), "success")
    return redirect(url_for("qa.missions.show", mission_id=mission_id))


@bp.route("/<int:mission_id>/cancel", methods=["POST"])
@require(is_lead)
def cancel(mission_id: int):
    mission = _mission(mission_id)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel(mission, current_user, form.reason.data or "")
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("The mission is cancelled."), "success")
    return redirect(url_for("qa.missions.show", mission_id=mission_id))


# --- the mission page --------------------------------------------------------------------


def _review_context(mission: Mission) -> dict:
    evaluation = mission.evaluation
    if evaluation is None:
        return {}
    return {
        "evaluation": evaluation,
        "revision": evaluation.current_revision,
        "comments": evaluations.visible_comments(current_user, evaluation),
    }


@bp.route("/<int:mission_id>")
@require(lead_or_shopper)
def show(mission_id: int):
    mission = _mission(mission_id)
    definition = services.definition_of(mission)
    context = dict(mission=mission, definition=definition, lang=_language(), t=lambda v: pick(v, _language(), definition.languages),
                   script=services.script_of(mission, _language()), brief=render_markdown(mission.brief or ""),
                   timer=services.timer_item(definition), button=WorkForm(), **_review_context(mission))
    if services.is_mission_shopper(current_user, mission):
        return _work_page(mission, context, request.args)
    assign_form = AssignForm()
    assign_form.shopper_id.choices = choices([(s.id, s.name) for s in services.shoppers()])
    if mission.shopper_id:
        assign_form.shopper_id.data = mission.shopper_id
    return render_template("qa/missions/manage.html", assign_form=assign_form, return_form=ReturnForm(),
                           cancel_form=CancelForm(), **context)


def _work_page(mission: Mission, context: dict, values, problems=None, status: int = 200):
    evaluation = mission.evaluation
    answers = dict(evaluation.draft_answers or {}) if evaluation else {}
    returns = [e for e in mission.events if e.action == "returned"]
    shown = {}
    for item in context["definition"].items():
        if problems and values is not None:
            shown[item.id] = values.get(f"answer-{item.id}", "")
        else:
            value = answers.get(item.id)
            shown[item.id] = "yes" if value is True else "no" if value is False else ("" if value is None else str(value))
    return render_template("qa/missions/work.html", answers=answers, values=shown,
                           problems=problems or {}, returns=returns, form=WorkForm(),
                           editable=mission.status in ("assigned", "in_progress", "returned"), **context), status


@bp.route("/<int:mission_id>/work", methods=["POST"])
@require(is_shopper)
def work(mission_id: int):
    mission = _mission(mission_id)
    if not services.is_mission_shopper(current_user, mission):
        abort(403)
    if not WorkForm().validate_on_submit():
        abort(400)
    definition = services.definition_of(mission)
    answers, problems = services.parse_answers(definition, request.form)
    uploads = [services.Upload(item.id, f.stream, f.filename or "")
               for item in definition.items() if item.is_evidence
               for f in request.files.getlist(f"evidence-{item.id}") if f and f.filename]
    action = request.form.get("action", "save")

    def page(problems, message):
        db.session.rollback()
        flash(message, "error")
        fresh = db.session.get(Mission, mission_id)
        context = dict(mission=fresh, definition=definition, lang=_language(),
                       t=lambda v: pick(v, _language(), definition.languages), script=services.script_of(fresh, _language()),
                       brief=render_markdown(fresh.brief or ""), timer=services.timer_item(definition), button=WorkForm(),
                       **_review_context(fresh))
        return _work_page(fresh, context, request.form, problems or {"": message}, 422)

    if problems:
        return page(problems, _("Nothing was saved: check the marked answers."))
    try:
        services.save_work(mission, current_user, answers, uploads=uploads,
                           timer_started_at=request.form.get("timer_started_at"),
                           timer_stopped_at=request.form.get("timer_stopped_at"))
    except services.MissionError as error:
        if error.status == 403:
            db.session.rollback()
            abort(403)
        if error.status == 409:
            return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
        return page(error.problems, _("Nothing was saved: %(reason)s", reason=str(error)))
    if action == "submit":
        try:
            with db.session.begin_nested():
                services.submit(mission, current_user)
        except services.MissionError as error:
            # The draft stays saved; only the submission is refused.
            db.session.commit()
            flash(_("Your answers are saved, but the shop was not submitted: %(reason)s", reason=str(error)), "error")
            db.session.refresh(mission)
            context = dict(mission=mission, definition=definition, lang=_language(),
                           t=lambda v: pick(v, _language(), definition.languages),
                           script=services.script_of(mission, _language()), brief=render_markdown(mission.brief or ""),
                           timer=services.timer_item(definition), button=WorkForm(), **_review_context(mission))
            return _work_page(mission, context, request.form, error.problems or {"": str(error)}, 422)
        db.session.commit()
        flash(_("Thank you: the shop is submitted for validation."), "success")
        return redirect(url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("qa.missions.show", mission_id=mission_id, _anchor="shop"))


@bp.route("/<int:mission_id>/submit", methods=["POST"])
@require(is_shopper)
def submit(mission_id: int):
    """Submit the saved draft as it is (the form's own button also saves first)."""
    mission = _mission(mission_id)
    _button_ok()
    try:
        services.submit(mission, current_user)
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("Thank you: the shop is submitted for validation."), "success")
    return redirect(url_for("qa.missions.show", mission_id=mission_id))


@bp.route("/<int:mission_id>/evidence/<int:evidence_id>")
@require(lead_or_shopper)
def evidence(mission_id: int, evidence_id: int):
    mission = _mission(mission_id)
    item = db.session.get(Evidence, evidence_id)
    if item is None or mission.evaluation_id is None or item.evaluation_id != mission.evaluation_id:
        abort(404)
    try:
        path = storage.path_of(item.storage_key)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=item.content_type, download_name=item.original_name or path.name)


@bp.route("/<int:mission_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
@require(is_shopper)
def remove_evidence(mission_id: int, evidence_id: int):
    mission = _mission(mission_id)
    _button_ok()
    try:
        services.remove_evidence(mission, current_user, evidence_id)
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("The file is removed."), "success")
    return redirect(url_for("qa.missions.show", mission_id=mission_id, _anchor="shop"))


# --- validating --------------------------------------------------------------------------


@bp.route("/<int:mission_id>/return", methods=["POST"])
@require(is_lead)
def return_shop(mission_id: int):
    mission = _mission(mission_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Say what the shopper should correct."), "error")
        return redirect(url_for("qa.missions.show", mission_id=mission_id)), 303
    try:
        services.return_for_correction(mission, current_user, form.comment.data)
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("The shop is returned to %(name)s for correction.", name=mission.shopper.name), "success")
    return redirect(url_for("qa.missions.queue"))


@bp.route("/<int:mission_id>/validate", methods=["POST"])
@require(is_lead)
def validate(mission_id: int):
    mission = _mission(mission_id)
    _button_ok()
    try:
        services.validate(mission, current_user)
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("The shop is validated and released to the branch and agent."), "success")
    return redirect(url_for("qa.missions.queue"))


@bp.route("/<int:mission_id>/paid", methods=["POST"])
@require(is_lead)
def mark_paid(mission_id: int):
    mission = _mission(mission_id)
    _button_ok()
    try:
        services.mark_paid(mission, current_user)
    except services.MissionError as error:
        return _fail(error, url_for("qa.missions.show", mission_id=mission_id))
    db.session.commit()
    flash(_("The fee is marked as paid."), "success")
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/qa/missions")
                    else url_for("qa.missions.show", mission_id=mission_id))
