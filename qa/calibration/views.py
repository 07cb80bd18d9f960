"""Pages of qa.calibration (thin: parse, authorize, call a service, render).

CSRF is checked app-wide (Flask-WTF CSRFProtect) before any POST reaches these views.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from qa.calibration import services
from qa.calibration.forms import SessionForm
from qa.calibration.models import CalibrationSession, CalibrationSheet
from qa.evaluations import services as evaluation_services
from qa.reviews import answers as answers_ui
from servicecraft.extensions import db
from servicecraft.permissions import get_or_404, is_manager, is_staff_lead, require

bp = Blueprint("calibration", __name__, url_prefix="/calibration")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def _session(session_id: int) -> CalibrationSession:
    return get_or_404(CalibrationSession, session_id, allowed=lambda s: services.can_view_session(current_user, s))


@bp.route("/")
@require(is_staff_lead)
def index():
    sessions = services.sessions_for(current_user)
    return render_template("qa/calibration/index.html", sessions=sessions,
                           mine={s.session_id: s for s in services.waiting_for_reviewer(current_user)},
                           can_create=is_manager(current_user))


@bp.route("/new", methods=["GET", "POST"])
@require(is_manager)
def new():
    form = SessionForm(forms=services.published_forms(), reviewers=services.possible_reviewers())
    if request.method == "GET" and request.args.get("ticket_id", type=int):
        form.ticket_id.data = request.args.get("ticket_id", type=int)
    if form.validate_on_submit():
        data = services.SessionInput(title=form.title.data, form_version_id=form.form_version_id.data,
                                     reviewer_ids=list(form.reviewer_ids.data or []), ticket_id=form.ticket_id.data,
                                     description=form.description.data or "", recording_ref=form.recording_ref.data or "")
        try:
            session = services.create_session(current_user, data)
        except services.SessionError as error:
            db.session.rollback()
            flash(error.message, "error")
            for name, message in error.problems.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(field.errors) + [message]
                else:
                    flash(message, "error")
        else:
            db.session.commit()
            flash(_("The session is open; the reviewers can score it now."), "success")
            return redirect(url_for("qa.calibration.show", session_id=session.id))
    status = 422 if request.method == "POST" else 200
    return render_template("qa/calibration/new.html", form=form), status


@bp.route("/<int:session_id>")
@require(is_staff_lead)
def show(session_id: int):
    session = _session(session_id)
    definition = services.definition(session)
    report = services.report(session)
    submitted = services.submitted_sheets(session)
    return render_template(
        "qa/calibration/show.html", session=session, definition=definition, report=report, submitted=submitted,
        my_sheet=services.sheet_of(current_user, session), can_manage=services.can_manage_session(current_user, session),
        history=services.history(session), lang=_language(), ui=answers_ui,
    )


def _render_sheet(session, sheet, *, answers=None, problems=None, status=200):
    definition = services.definition(session)
    return render_template("qa/calibration/sheet.html", session=session, sheet=sheet, definition=definition,
                           answers=sheet.answers if answers is None else answers, problems=problems or {},
                           editable=session.status == "open" and sheet.status != "submitted",
                           lang=_language(), ui=answers_ui), status


@bp.route("/<int:session_id>/sheet", methods=["GET", "POST"])
@require(is_staff_lead)
def sheet(session_id: int):
    session = _session(session_id)
    mine = services.sheet_of(current_user, session)
    if mine is None:
        abort(403)
    if request.method == "GET":
        return _render_sheet(session, mine)
    definition = services.definition(session)
    typed, problems = evaluation_services.coerce_answers(definition, answers_ui.raw_answers(definition, request.form))
    typed = {k: v for k, v in typed.items() if v is not None}
    if problems:
        flash(_("Some answers need correcting."), "error")
        return _render_sheet(session, mine, answers=typed, problems=problems, status=422)
    submit = request.form.get("action") == "submit"
    try:
        services.save_sheet(session, current_user, typed, comment=request.form.get("comment", ""), submit=submit)
    except services.SessionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_sheet(_session(session_id), services.sheet_of(current_user, _session(session_id)),
                             answers=typed, problems=error.problems, status=422)
    db.session.commit()
    flash(_("Your sheet is submitted.") if submit else _("Draft saved."), "success")
    return redirect(url_for("qa.calibration.show", session_id=session.id) if submit
                    else url_for("qa.calibration.sheet", session_id=session.id))


@bp.route("/sheets/<int:sheet_id>")
@require(is_staff_lead)
def sheet_view(sheet_id: int):
    found = get_or_404(CalibrationSheet, sheet_id, allowed=lambda s: services.can_view_sheet(current_user, s))
    session = found.session
    return render_template("qa/calibration/sheet_view.html", session=session, sheet=found,
                           definition=services.definition(session), lang=_language(), ui=answers_ui)


@bp.route("/<int:session_id>/reveal", methods=["POST"])
@require(is_manager)
def reveal(session_id: int):
    session = _session(session_id)
    if not services.can_manage_session(current_user, session):
        abort(403)
    try:
        services.reveal(session, current_user)
    except services.SessionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("qa.calibration.show", session_id=session_id))
    db.session.commit()
    flash(_("The answers are revealed."), "success")
    return redirect(url_for("qa.calibration.show", session_id=session_id))


@bp.route("/<int:session_id>/agreed", methods=["GET", "POST"])
@require(is_manager)
def agree(session_id: int):
    session = _session(session_id)
    if not services.can_manage_session(current_user, session):
        abort(403)
    definition = services.definition(session)
    if request.method == "GET":
        if session.status == "open":
            flash(_("Reveal the answers before recording the agreed ones."), "error")
            return redirect(url_for("qa.calibration.show", session_id=session_id))
        return render_template("qa/calibration/agree.html", session=session, definition=definition,
                               answers=session.reference_answers or {}, problems={}, lang=_language(), ui=answers_ui,
                               sheets=services.submitted_sheets(session), notes=session.agreed_notes, reason="")
    typed, problems = evaluation_services.coerce_answers(definition, answers_ui.raw_answers(definition, request.form))
    typed = {k: v for k, v in typed.items() if v is not None}
    notes, reason = request.form.get("notes", ""), request.form.get("reason", "")
    if not problems:
        try:
            services.record_agreed(session, current_user, typed, notes=notes, reason=reason)
        except services.SessionError as error:
            db.session.rollback()
            flash(error.message, "error")
            problems = error.problems
            session = _session(session_id)
        else:
            db.session.commit()
            flash(_("The agreed answers are recorded."), "success")
            return redirect(url_for("qa.calibration.show", session_id=session_id))
    else:
        flash(_("Some answers need correcting."), "error")
    return render_template("qa/calibration/agree.html", session=session, definition=definition, answers=typed,
                           problems=problems, lang=_language(), ui=answers_ui, sheets=services.submitted_sheets(session),
                           notes=notes, reason=reason), 422
