"""Pages of qa.bonus (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qa.bonus import services
from qa.bonus.forms import ACTION_LABELS, SPLIT_LABELS, STATUS_LABELS, RoundForm, SendBackForm
from qa.bonus.models import BonusRound
from qa.scorecards.bonus import BonusRules
from qa.scorecards.composite import COMPONENT_KEYS, component_label
from servicecraft.auth.forms import ButtonForm
from servicecraft.extensions import db
from servicecraft.permissions import get_or_404, is_agent, is_manager, require

bp = Blueprint("bonus", __name__, url_prefix="/bonus")


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "action_labels": ACTION_LABELS, "split_labels": SPLIT_LABELS,
            "component_keys": COMPONENT_KEYS, "component_label": component_label}


@bp.route("/")
@require(is_manager)
def index():
    rounds = services.rounds()
    waiting = services.awaiting_approval_by(current_user)
    return render_template("qa/bonus/index.html", rounds=rounds, waiting=waiting, **_labels())


@bp.route("/new", methods=["GET", "POST"])
@require(is_manager)
def new():
    form = RoundForm()
    if request.method == "GET":
        form.no_critical_fail.data = True
        form.training_complete.data = True
    if form.validate_on_submit():
        try:
            tiers = services.parse_tiers(form.tiers.data) if form.split_mode.data == "tiers" else None
            rules = BonusRules(
                min_tickets=form.min_tickets.data if form.min_tickets.data is not None else 20,
                no_critical_fail=bool(form.no_critical_fail.data),
                training_complete=bool(form.training_complete.data),
                min_composite=_number(form.min_composite.data, 75),
            )
            round_ = services.open_round(current_user, form.name.data, form.period_from.data, form.period_to.data,
                                         form.budget.data, rules, form.split_mode.data, tiers, currency=form.currency.data)
            services.propose_round(round_, current_user)
        except services.BonusRoundError as error:
            db.session.rollback()
            _show_problems(form, error.problems or {"name": str(error)})
        else:
            db.session.commit()
            flash(_("The round %(name)s is open and its proposal is ready.", name=round_.name), "success")
            return redirect(url_for("qa.bonus.show", round_id=round_.id))
    elif request.method == "POST" and form.period_from.data and form.period_to.data and form.period_to.data < form.period_from.data:
        form.period_to.errors = list(form.period_to.errors) + [_("The period ends before it starts.")]
    status = 422 if request.method == "POST" else 200
    return render_template("qa/bonus/new.html", form=form), status


def _number(value, default):
    if value is None:
        return default
    return int(value) if value == int(value) else float(value)


def _show_problems(form, problems) -> None:
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


def _render_round(round_: BonusRound, status: int = 200, *, chosen_ids=None, reasons=None, problems=None):
    recipients = sorted(round_.recipients, key=lambda r: r.position)
    if chosen_ids is None:
        chosen_ids = {r.agent_id for r in recipients if r.chosen}
    if reasons is None:
        reasons = {r.agent_id: r.departure_reason or "" for r in recipients}
    users = {d.actor_id for d in round_.decisions}
    return render_template(
        "qa/bonus/show.html", round=round_, recipients=recipients, chosen_ids=chosen_ids, reasons=reasons,
        problems=problems or {}, button_form=ButtonForm(), send_back_form=SendBackForm(),
        can_approve=services.can_approve(round_, current_user), numbers_of=services.numbers_of,
        tiers_text=services.tiers_text(round_.tiers), actors=users, **_labels(),
    ), status


def _load(round_id: int) -> BonusRound:
    return get_or_404(BonusRound, round_id)


@bp.route("/<int:round_id>")
@require(is_manager)
def show(round_id: int):
    return _render_round(_load(round_id))


def _step_failed(round_: BonusRound, error: services.BonusRoundError, **kwargs):
    db.session.rollback()
    round_ = _load(round_.id)
    for message in (error.problems.values() if error.problems else [str(error)]):
        flash(message, "error")
    return _render_round(round_, error.status, problems=error.problems, **kwargs)


@bp.route("/<int:round_id>/propose", methods=["POST"])
@require(is_manager)
def propose(round_id: int):
    round_ = _load(round_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.propose_round(round_, current_user)
    except services.BonusRoundError as error:
        return _step_failed(round_, error)
    db.session.commit()
    flash(_("The proposal is computed again from the current numbers."), "success")
    return redirect(url_for("qa.bonus.show", round_id=round_.id))


@bp.route("/<int:round_id>/choose", methods=["POST"])
@require(is_manager)
def choose(round_id: int):
    round_ = _load(round_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    candidates = {r.agent_id for r in round_.recipients}
    chosen = []
    for value in request.form.getlist("chosen"):
        try:
            chosen.append(int(value))
        except ValueError:
            continue
    reasons = {}
    for agent_id in candidates:
        text = request.form.get(f"reason-{agent_id}", "").strip()
        if text:
            reasons[agent_id] = text
    try:
        services.choose(round_, current_user, chosen, reasons)
        if request.form.get("and_submit"):
            services.submit(round_, current_user)
    except services.BonusRoundError as error:
        return _step_failed(round_, error, chosen_ids=set(chosen), reasons=reasons)
    db.session.commit()
    if round_.status == "submitted":
        flash(_("The round is submitted; another manager must approve it."), "success")
    else:
        flash(_("The final list is saved."), "success")
    return redirect(url_for("qa.bonus.show", round_id=round_.id))


@bp.route("/<int:round_id>/submit", methods=["POST"])
@require(is_manager)
def submit(round_id: int):
    round_ = _load(round_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.submit(round_, current_user)
    except services.BonusRoundError as error:
        return _step_failed(round_, error)
    db.session.commit()
    flash(_("The round is submitted; another manager must approve it."), "success")
    return redirect(url_for("qa.bonus.show", round_id=round_.id))


@bp.route("/<int:round_id>/approve", methods=["POST"])
@require(is_manager)
def approve(round_id: int):
    round_ = _load(round_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.approve(round_, current_user)
    except services.BonusRoundError as error:
        return _step_failed(round_, error)
    db.session.commit()
    flash(_("The round is approved and frozen; payroll files are ready."), "success")
    return redirect(url_for("qa.bonus.show", round_id=round_.id))


@bp.route("/<int:round_id>/send-back", methods=["POST"])
@require(is_manager)
def send_back(round_id: int):
    round_ = _load(round_id)
    form = SendBackForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        error = services.BonusRoundError(_("Say why the round goes back."), {"reason": _("Say why the round goes back.")})
        return _step_failed(round_, error)
    try:
        services.send_back(round_, current_user, form.reason.data)
    except services.BonusRoundError as error:
        return _step_failed(round_, error)
    db.session.commit()
    flash(_("The round is sent back to its manager."), "success")
    return redirect(url_for("qa.bonus.show", round_id=round_.id))


def _filename(round_: BonusRound, ext: str) -> str:
    return f"bonus-round-{round_.id}-{round_.period_from.isoformat()}.{ext}"


@bp.route("/<int:round_id>/payroll.csv")
@require(is_manager)
def payroll_csv(round_id: int):
    round_ = _load(round_id)
    try:
        body = services.payroll_csv(round_)
    except services.BonusRoundError as error:
        flash(str(error), "error")
        return _render_round(round_, error.status)
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(round_, "csv")}"'})


@bp.route("/<int:round_id>/payroll.pdf")
@require(is_manager)
def payroll_pdf(round_id: int):
    round_ = _load(round_id)
    try:
        body = services.payroll_pdf(round_)
    except services.BonusRoundError as error:
        flash(str(error), "error")
        return _render_round(round_, error.status)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(round_, "pdf")}"'})


@bp.route("/mine")
@require(is_agent)
def mine():
    results = services.results_for(current_user)
    return render_template("qa/bonus/mine.html", results=results, numbers_of=services.numbers_of, **_labels())
