"""Pages of qa.tickets (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from qa.tickets import services, surveys
from qa.tickets.forms import (
    ConnectionForm,
    ImportForm,
    LinkForm,
    RuleForm,
    SurveyForm,
    SurveyImportForm,
    SurveyLinkForm,
)
from qa.tickets.models import (
    CSAT_VALUES,
    SOURCES,
    STATUSES,
    AgentLink,
    CategoryRule,
    HelpdeskConnection,
    SurveyResponse,
    Ticket,
    TicketImport,
)
from servicecraft.auth.forms import ButtonForm
from servicecraft.extensions import db
from servicecraft.formtools import choices
from servicecraft.i18n import organisation_timezone, supported_languages
from servicecraft.models import User
from servicecraft.permissions import get_or_404, is_admin, is_manager, public, require
from servicecraft.taxonomy import all_categories

bp = Blueprint("tickets", __name__, url_prefix="/tickets")

PAGE_SIZE = 50


def _categories() -> tuple[str, ...]:
    return all_categories(current_app.config.get("SERVICECRAFT_EXTRA_CATEGORIES", ()))


def _date_arg(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        flash(_("%(field)s is not a date (use YYYY-MM-DD); it was left out.", field=name), "error")
        return None


def _people():
    return db.session.scalars(select(User).where(User.is_active_account.is_(True)).order_by(User.name)).all()


@bp.route("/")
@require(is_manager)
def index():
    reopened = request.args.get("reopened", "")
    filters = services.TicketFilter(
        agent_id=request.args.get("agent", type=int), unlinked=request.args.get("agent") == "unlinked",
        source=request.args.get("source") if request.args.get("source") in SOURCES else None,
        date_from=_date_arg("from"), date_to=_date_arg("to"),
        category=request.args.get("category") or None,
        csat=request.args.get("csat") if request.args.get("csat") in (*CSAT_VALUES, "unrated") else None,
        reopened={"yes": True, "no": False}.get(reopened),
        status=request.args.get("status") if request.args.get("status") in STATUSES else None,
        q=request.args.get("q", "").strip()[:100],
    )
    query = services.ticket_query(filters, tz=organisation_timezone())
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db.session.scalars(query.order_by(Ticket.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    agents = db.session.scalars(select(User).where(User.id.in_(select(Ticket.agent_id).distinct())).order_by(User.name)).all()
    return render_template("qa/tickets/index.html", tickets=rows, total=total, page=page, page_size=PAGE_SIZE,
                           filters=filters, args=request.args, agents=agents, categories=_categories(),
                           sources=SOURCES, statuses=STATUSES, csat_values=CSAT_VALUES)


@bp.route("/<int:ticket_id>", methods=["GET", "POST"])
@require(is_manager)
def show(ticket_id: int):
    ticket = get_or_404(Ticket, ticket_id)
    form = SurveyLinkForm()
    survey_url = None
    if form.validate_on_submit():
        token = surveys.make_token(ticket, language=form.language.data, days=form.days.data)
        survey_url = url_for("qa.tickets.survey", token=token, _external=True)
    elif request.method == "POST":
        return render_template("qa/tickets/show.html", ticket=ticket, form=form, survey_url=None, answers=[]), 422
    answers = db.session.scalars(select(SurveyResponse).where(SurveyResponse.ticket_id == ticket.id)
                                 .order_by(SurveyResponse.answered_at.desc())).all()
    return render_template("qa/tickets/show.html", ticket=ticket, form=form, survey_url=survey_url, answers=answers)


@bp.route("/import", methods=["GET", "POST"])
@require(is_manager)
def import_file():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        name = (upload.filename or "export")[-200:]
        try:
            key = services.store_upload(upload.stream, name, source=form.source.data)
        except services.TicketsError as error:
            form.file.errors = [error.message]
        else:
            from servicecraft import jobs

            record = jobs.enqueue("tickets.import", actor=current_user, key=key, source=form.source.data,
                                  tz=(form.tz.data or "").strip() or None, filename=name, actor_id=current_user.id,
                                  title=_("Ticket import: %(name)s", name=name))
            return redirect(url_for("jobs.show", job_id=record.id), 303)
    status = 422 if request.method == "POST" else 200
    return _import_page(form, SurveyImportForm(formdata=None), status=status)


def _import_page(form, survey_form, *, status: int = 200, survey_errors=()):
    recent = db.session.scalars(select(TicketImport).order_by(TicketImport.finished_at.desc())
                                .limit(10)).all()
    return render_template("qa/tickets/import.html", form=form, survey_form=survey_form, recent=recent,
                           survey_errors=list(survey_errors), survey_columns=", ".join(surveys.IMPORT_COLUMNS)), status


@bp.route("/import-surveys", methods=["POST"])
@require(is_manager)
def import_surveys():
    """Post-contact survey answers collected elsewhere (CSV, as `tickets import-surveys`): all rows or none."""
    form = SurveyImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text.")]
        else:
            stored, errors = surveys.import_answers(text)
            if not errors:
                db.session.commit()
                flash(_("%(count)d survey answers imported.", count=stored), "success")
                return redirect(url_for("qa.tickets.import_file"), 303)
            db.session.rollback()
    return _import_page(ImportForm(formdata=None), form, status=422, survey_errors=errors)


# --- agent links ------------------------------------------------------------------------------

@bp.route("/agents")
@require(is_admin)
def agents():
    rows = services.agent_rows(unlinked_only=request.args.get("show") == "unlinked")
    people = _people()
    forms = {}
    for row in rows:
        form = LinkForm(prefix=f"l{row.link.id}", data={"user_id": row.link.user_id or 0})
        form.user_id.choices = choices([(0, _("— not linked —"))] + [(p.id, f"{p.name} <{p.email}>") for p in people])
        forms[row.link.id] = form
    return render_template("qa/tickets/agents.html", rows=rows, forms=forms, button=ButtonForm(),
                           show=request.args.get("show", ""))


@bp.route("/agents/<int:link_id>/link", methods=["POST"])
@require(is_admin)
def link_agent(link_id: int):
    link = get_or_404(AgentLink, link_id)
    form = LinkForm(prefix=f"l{link.id}")
    form.user_id.choices = choices([(0, "")] + [(p.id, p.email) for p in _people()])
    if not form.validate_on_submit():
        flash(_("Choose a person from the list."), "error")
        return redirect(url_for("qa.tickets.agents"), 303)
    user = db.session.get(User, form.user_id.data) if form.user_id.data else None
    try:
        moved = services.link_agent(link, user, actor=current_user)
    except services.TicketsError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("qa.tickets.agents"), 303)
    db.session.commit()
    if user is None:
        flash(_("The help-desk agent %(agent)s is unlinked; %(count)d tickets are shown as unlinked.",
                agent=link.name or link.external_id, count=moved), "success")
    else:
        flash(_("%(agent)s is linked to %(name)s; %(count)d tickets are now theirs.",
                agent=link.name or link.external_id, name=user.name, count=moved), "success")
    return redirect(url_for("qa.tickets.agents"), 303)


@bp.route("/agents/link-by-email", methods=["POST"])
@require(is_admin)
def link_by_email():
    if not ButtonForm().validate_on_submit():
        abort(400)
    linked = services.link_by_email(actor=current_user)
    db.session.commit()
    flash(_("%(count)d agents were linked by e-mail.", count=linked), "success")
    return redirect(url_for("qa.tickets.agents"), 303)


# --- connections ------------------------------------------------------------------------------

@bp.route("/connections")
@require(is_admin)
def connections():
    rows = db.session.scalars(select(HelpdeskConnection).order_by(HelpdeskConnection.source)).all()
    return render_template("qa/tickets/connections.html", connections=rows, button=ButtonForm())


def _connection_input(form: ConnectionForm) -> services.ConnectionInput:
    return services.ConnectionInput(source=form.source.data, base_url=form.base_url.data or "",
                                    username=form.username.data or "", api_token=form.api_token.data or "",
                                    webhook_secret=form.webhook_secret.data or "",
                                    is_sync_enabled=bool(form.is_sync_enabled.data))


def _save_connection(form: ConnectionForm, connection: HelpdeskConnection | None):
    try:
        saved, generated = services.save_connection(_connection_input(form), actor=current_user, connection=connection)
    except services.TicketsError as error:
        db.session.rollback()
        for name, message in error.fields.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = list(field.errors) + [message]
        return None
    db.session.commit()
    flash(_("The %(source)s connection is saved.", source=saved.source), "success")
    if generated:
        flash(_("Its webhook signing secret (shown only now; paste it into the help desk): %(secret)s",
                secret=generated), "info")
    return redirect(url_for("qa.tickets.connections"), 303)


@bp.route("/connections/new", methods=["GET", "POST"])
@require(is_admin)
def connection_new():
    form = ConnectionForm()
    if form.validate_on_submit():
        done = _save_connection(form, None)
        if done is not None:
            return done
    status = 422 if request.method == "POST" else 200
    return render_template("qa/tickets/connection_form.html", form=form, connection=None), status


@bp.route("/connections/<int:connection_id>", methods=["GET", "POST"])
@require(is_admin)
def connection_edit(connection_id: int):
    connection = get_or_404(HelpdeskConnection, connection_id)
    form = ConnectionForm(obj=connection) if request.method == "GET" else ConnectionForm()
    if request.method == "GET":
        form.api_token.data = form.webhook_secret.data = ""  # secrets are never shown again
    if form.validate_on_submit():
        done = _save_connection(form, connection)
        if done is not None:
            return done
    status = 422 if request.method == "POST" else 200
    return render_template("qa/tickets/connection_form.html", form=form, connection=connection), status


@bp.route("/connections/<int:connection_id>/sync", methods=["POST"])
@require(is_admin)
def connection_sync(connection_id: int):
    connection = get_or_404(HelpdeskConnection, connection_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if connection.source not in services.SYNC_SOURCES or not connection.base_url:
        flash(_("This connection has no help-desk address to sync from."), "error")
        return redirect(url_for("qa.tickets.connections"), 303)
    from qa.tickets import sync

    record = sync.schedule(connection, actor=current_user)
    return redirect(url_for("jobs.show", job_id=record.id), 303)


# --- category rules ---------------------------------------------------------------------------

@bp.route("/rules", methods=["GET", "POST"])
@require(is_admin)
def rules():
    form = RuleForm()
    form.category.choices = choices((c, c) for c in _categories())
    if form.validate_on_submit():
        try:
            services.add_rule(source=form.source.data or None, kind=form.kind.data, value=form.value.data,
                              category=form.category.data, actor=current_user)
            changed = services.apply_rules(actor=current_user)
        except services.TicketsError as error:
            db.session.rollback()
            for name, message in error.fields.items():
                getattr(form, name).errors = list(getattr(form, name).errors) + [message]
        else:
            db.session.commit()
            flash(_("The rule is added; %(count)d uncategorised tickets were categorised by it.", count=changed),
                  "success")
            return redirect(url_for("qa.tickets.rules"), 303)
    rows = db.session.scalars(select(CategoryRule).order_by(CategoryRule.position, CategoryRule.id)).all()
    status = 422 if request.method == "POST" else 200
    return render_template("qa/tickets/rules.html", form=form, rules=rows, button=ButtonForm()), status


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@require(is_admin)
def rule_delete(rule_id: int):
    rule = get_or_404(CategoryRule, rule_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.delete_rule(rule, actor=current_user)
    db.session.commit()
    flash(_("The rule is deleted; tickets keep the categories they have."), "success")
    return redirect(url_for("qa.tickets.rules"), 303)


# --- the public survey page -------------------------------------------------------------------

@bp.route("/survey/<token>", methods=["GET", "POST"])
@public
def survey(token: str):
    try:
        link = surveys.read_token(token)
    except surveys.SurveyError as error:
        return render_template("qa/tickets/survey_closed.html", message=error.message), error.status
    language = link.language if link.language in supported_languages() else "en"
    with force_locale(language):
        form = SurveyForm()
        if form.validate_on_submit():
            try:
                surveys.answer(token, csat=form.csat.data, nps=form.nps.data, ces=form.ces.data,
                               comment=form.comment.data)
            except surveys.SurveyError as error:
                db.session.rollback()
                for name, message in error.fields.items():
                    getattr(form, name).errors = list(getattr(form, name).errors) + [message]
                if not error.fields:
                    return render_template("qa/tickets/survey_closed.html", message=error.message), error.status
            else:
                db.session.commit()
                return render_template("qa/tickets/survey_closed.html", message=_("Thank you for your answer!"),
                                       thanks=True)
        status = 422 if request.method == "POST" else 200
        return render_template("qa/tickets/survey.html", form=form, language=language), status
