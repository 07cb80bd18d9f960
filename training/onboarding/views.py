"""Pages of training.onboarding (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.routing import BuildError

from servicecraft.auth.forms import ButtonForm
from servicecraft.extensions import db
from servicecraft.markup import render_markdown
from servicecraft.models import Branch, User
from servicecraft.permissions import get_or_404, is_manager, is_mentor, is_staff_lead, require, signed_in
from servicecraft.texts import pick
from training.onboarding import services
from training.onboarding.forms import (
    ActionForm,
    CheckInForm,
    ItemForm,
    LinkForm,
    NoteForm,
    StartPlanForm,
    StatusForm,
    TemplateForm,
    UntickForm,
)
from training.onboarding.models import ActionItem, CheckIn, PlanItem, PlanTemplate, PlanTemplateItem

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else (getattr(current_user, "language", None) or "en")


@bp.app_context_processor
def _helpers():
    return {"onboarding_kind_label": services.kind_label, "onboarding_ticker_label": services.ticker_label,
            "onboarding_pick": pick, "onboarding_markdown": lambda text: Markup(render_markdown(text or "")),
            "may_tick_action": lambda action: services.can_tick_action(current_user, action)}


def _show_problems(form, error: services.OnboardingError) -> None:
    shown = False
    for name, message in error.problems.items():
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = list(field.errors) + [message]
            shown = True
    if not shown:
        for line in error.lines or [error.message]:
            flash(line, "error")


def _back(default: str):
    target = request.form.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(default)


def _signoff_url(person: User) -> str | None:
    """Link to the mentoring feature's sign-off page (whichever name it has, or None before it exists)."""
    for endpoint, values in (("training.mentoring.signoff", {"newhire_id": person.id}),
                             ("training.mentoring.sign_off", {"user_id": person.id})):
        try:
            return url_for(endpoint, **values)
        except BuildError:
            continue
    return None


# --- templates (managers and admins) ------------------------------------------------------------

@bp.route("/templates")
@require(is_manager)
def templates():
    rows = [(t, services.check_template(t)) for t in services.templates()]
    return render_template("training/onboarding/templates.html", rows=rows, language=_language())


def _branches():
    return db.session.scalars(select(Branch).order_by(Branch.code)).all()


def _template_from_form(template: PlanTemplate | None, form: TemplateForm) -> PlanTemplate:
    return services.save_template(
        template, name=form.name.data, description={"en": form.description_en.data or "", "ru": form.description_ru.data or ""},
        role=form.role.data, branch_id=form.branch_id.data or None, is_active=form.is_active.data, actor=current_user)


@bp.route("/templates/new", methods=["GET", "POST"])
@require(is_manager)
def new_template():
    form = TemplateForm(branches=_branches())
    if form.validate_on_submit():
        try:
            template = _template_from_form(None, form)
        except services.OnboardingError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The template is saved. Now add its items."), "success")
            return redirect(url_for(".template", template_id=template.id))
    status = 422 if request.method == "POST" else 200
    return render_template("training/onboarding/template_form.html", form=form, template=None), status


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@require(is_manager)
def template(template_id: int):
    tmpl = get_or_404(PlanTemplate, template_id)
    if request.method == "GET":
        form = TemplateForm(obj=tmpl, branches=_branches(),
                            data={"branch_id": tmpl.branch_id or 0, "description_en": (tmpl.description or {}).get("en", ""),
                                  "description_ru": (tmpl.description or {}).get("ru", ""), "is_active": tmpl.is_active})
    else:
        form = TemplateForm(branches=_branches())
    if form.validate_on_submit():
        try:
            _template_from_form(tmpl, form)
        except services.OnboardingError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The template is saved."), "success")
            return redirect(url_for(".template", template_id=tmpl.id))
    status = 422 if request.method == "POST" else 200
    return render_template("training/onboarding/template.html", tmpl=tmpl, form=form, problems=services.check_template(tmpl),
                           language=_language(), button_form=ButtonForm()), status


def _item_input(form: ItemForm) -> services.ItemInput:
    return services.ItemInput(key=form.key.data or "", title={"en": form.title_en.data or "", "ru": form.title_ru.data or ""},
                              kind=form.kind.data, link=form.link.data or "", due_offset_days=form.due_offset_days.data,
                              ticked_by=form.ticked_by.data, depends_on=list(form.depends_on.data or []))


def _item_page(tmpl: PlanTemplate, item: PlanTemplateItem | None):
    language = _language()
    others = [(i.key, f"{i.key} · {pick(i.title, language, ('en', 'ru'))}") for i in tmpl.items if i is not item]
    if request.method == "GET" and item is not None:
        form = ItemForm(obj=item, other_keys=others, data={"title_en": item.title.get("en", ""), "title_ru": item.title.get("ru", ""),
                                                            "depends_on": list(item.depends_on or [])})
    else:
        form = ItemForm(other_keys=others)
    if form.validate_on_submit():
        try:
            services.save_item(tmpl, item, _item_input(form), current_user)
        except services.OnboardingError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The item is saved."), "success")
            return redirect(url_for(".template", template_id=tmpl.id))
    status = 422 if request.method == "POST" else 200
    return render_template("training/onboarding/item_form.html", tmpl=tmpl, item=item, form=form), status


@bp.route("/templates/<int:template_id>/items/new", methods=["GET", "POST"])
@require(is_manager)
def new_item(template_id: int):
    return _item_page(get_or_404(PlanTemplate, template_id), None)


@bp.route("/template-items/<int:template_item_id>", methods=["GET", "POST"])
@require(is_manager)
def edit_item(template_item_id: int):
    item = get_or_404(PlanTemplateItem, template_item_id)
    return _item_page(item.template, item)


@bp.route("/template-items/<int:template_item_id>/delete", methods=["POST"])
@require(is_manager)
def delete_item(template_item_id: int):
    item = get_or_404(PlanTemplateItem, template_item_id)
    template_id = item.template_id
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.delete_item(item, current_user)
    except services.OnboardingError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".template", template_id=template_id)), 303
    db.session.commit()
    flash(_("The item is removed."), "success")
    return redirect(url_for(".template", template_id=template_id))


# --- plans ----------------------------------------------------------------------------------------

def _plan_context(person: User) -> dict:
    today = date.today()
    plan = services.plan_of(person)
    rows = services.plan_rows(plan, current_user, today) if plan else []
    done = sum(1 for r in rows if r.item.is_done)
    return {"person": person, "plan": plan, "rows": rows, "done": done, "total": len(rows),
            "overdue": sum(1 for r in rows if r.is_overdue), "today": today, "untick_form": UntickForm(),
            "button_form": ButtonForm(), "language": _language()}


@bp.route("/mine")
@require(signed_in)
def mine():
    context = _plan_context(current_user)
    checkins = [c for c in services.checkins_of(current_user) if c.status != "cancelled"]
    shared = {c.id: services.current_note(c, "shared", current_user) for c in checkins}
    return render_template("training/onboarding/mine.html", checkins=checkins, shared=shared,
                           actions=services.all_actions(current_user), **context)


@bp.route("/people/<int:mentee_id>")
@require(signed_in)
def person(mentee_id: int):
    someone = get_or_404(User, mentee_id, allowed=lambda p: services.can_view_plan(current_user, p))
    if someone.id == current_user.id:
        return redirect(url_for(".mine"))
    context = _plan_context(someone)
    start_form = None
    if context["plan"] is None and services.can_start_plan(current_user, someone) and someone.is_newhire:
        start_form = StartPlanForm()
        options = [t for t in services.templates() if t.is_active and t.items]
        start_form.template_id.choices = [(t.id, t.name) for t in options]
        suggested = services.template_for(someone)
        if suggested is not None:
            start_form.template_id.data = suggested.id
    return render_template(
        "training/onboarding/person.html", start_form=start_form, checkins=services.checkins_of(someone),
        actions=services.all_actions(someone), summary=services.mentee_summary(someone, current_user, context["today"]),
        is_mentor=services.is_mentor_of(current_user, someone), signoff_url=_signoff_url(someone), **context)


@bp.route("/people/<int:mentee_id>/plan", methods=["POST"])
@require(is_staff_lead)
def start_plan(mentee_id: int):
    someone = get_or_404(User, mentee_id, allowed=lambda p: services.can_start_plan(current_user, p))
    form = StartPlanForm()
    form.template_id.choices = [(t.id, t.name) for t in services.templates()]
    if not form.validate_on_submit():
        flash(_("Choose a template."), "error")
        return redirect(url_for(".person", mentee_id=someone.id))
    tmpl = get_or_404(PlanTemplate, form.template_id.data)
    try:
        services.instantiate_plan(someone, tmpl, current_user)
    except services.OnboardingError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s's onboarding plan is ready.", name=someone.name), "success")
    return redirect(url_for(".person", mentee_id=someone.id))


def _plan_item(item_id: int) -> PlanItem:
    return get_or_404(PlanItem, item_id, allowed=lambda i: services.can_view_plan(current_user, i.plan.user))


def _plan_page(item: PlanItem) -> str:
    if item.plan.user_id == current_user.id:
        return url_for(".mine")
    return url_for(".person", mentee_id=item.plan.user_id)


@bp.route("/items/<int:item_id>/tick", methods=["POST"])
@require(signed_in)
def tick(item_id: int):
    item = _plan_item(item_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not services.can_tick(current_user, item):
        abort(403)
    try:
        services.tick_item(item, current_user)
    except services.OnboardingError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_plan_page(item)), 303
    db.session.commit()
    flash(_("Done: %(item)s.", item=pick(item.title, _language(), ("en", "ru"))), "success")
    return redirect(_plan_page(item))


@bp.route("/items/<int:item_id>/untick", methods=["POST"])
@require(signed_in)
def untick(item_id: int):
    item = _plan_item(item_id)
    form = UntickForm()
    if not form.validate_on_submit():
        abort(400)
    if not services.can_tick(current_user, item):
        abort(403)
    try:
        services.untick_item(item, current_user, reason=form.reason.data or "")
    except services.OnboardingError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(_plan_page(item)), 303
    db.session.commit()
    flash(_("Marked as not done: %(item)s.", item=pick(item.title, _language(), ("en", "ru"))), "success")
    return redirect(_plan_page(item))


# --- check-ins -----------------------------------------------------------------------------------

def _zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@bp.route("/people/<int:mentee_id>/check-ins/new", methods=["GET", "POST"])
@require(is_mentor)
def new_checkin(mentee_id: int):
    mentee = get_or_404(User, mentee_id, allowed=lambda p: services.is_mentor_of(current_user, p))
    form = CheckInForm()
    if form.validate_on_submit():
        when = form.scheduled_at.data.replace(tzinfo=_zone(current_user))
        try:
            checkin = services.schedule_checkin(current_user, mentee, when, form.agenda.data or "")
        except services.OnboardingError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("The check-in with %(name)s is scheduled.", name=mentee.name), "success")
            return redirect(url_for(".checkin", checkin_id=checkin.id))
    status = 422 if request.method == "POST" else 200
    return render_template("training/onboarding/checkin_form.html", form=form, mentee=mentee), status


def _checkin(checkin_id: int) -> CheckIn:
    return get_or_404(CheckIn, checkin_id, allowed=lambda c: services.can_view_checkin(current_user, c))


def _checkin_page(checkin: CheckIn, *, status: int = 200, note_forms: dict | None = None,
                  action_form: ActionForm | None = None, link_form: LinkForm | None = None):
    language = _language()
    may_run = services.can_run_checkin(current_user, checkin)
    shared = services.current_note(checkin, "shared", current_user)
    private = services.current_note(checkin, "private", current_user) if may_run else None
    note_forms = note_forms or {}
    if may_run:
        note_forms.setdefault("shared", NoteForm(formdata=None, data={"kind": "shared", "body": shared.body if shared else ""},
                                                 prefix="shared"))
        note_forms.setdefault("private", NoteForm(formdata=None, data={"kind": "private", "body": private.body if private else ""},
                                                  prefix="private"))
        action_form = action_form or ActionForm(formdata=None)
        link_form = link_form or LinkForm(formdata=None)
        link_form.target.choices = [(f"{k}:{i}", label) for k, i, label in services.linkable(checkin.mentee, language)]
    return render_template(
        "training/onboarding/checkin.html", checkin=checkin, may_run=may_run,
        shared=shared, shared_history=services.note_history(checkin, "shared", current_user),
        private=private, private_history=services.note_history(checkin, "private", current_user) if may_run else [],
        note_forms=note_forms, action_form=action_form, link_form=link_form, status_form=StatusForm(),
        button_form=ButtonForm(), is_overdue=services.is_checkin_overdue(checkin),
        link_urls={link.id: _link_url(link) for link in checkin.links}, language=language,
        is_mentee=current_user.id == checkin.mentee_id, today_date=date.today(),
    ), status


def _link_url(link) -> str | None:
    try:
        if link.kind == "quiz":
            return url_for("training.quizzes.review", attempt_id=link.ref_id)
        if link.kind == "roleplay":
            return url_for("training.simulations.attempt", roleplay_id=link.ref_id)
        if link.kind == "evaluation":
            return url_for("qa.evaluations.show", evaluation_id=link.ref_id)
    except BuildError:
        return None
    return None


@bp.route("/check-ins/<int:checkin_id>")
@require(signed_in)
def checkin(checkin_id: int):
    return _checkin_page(_checkin(checkin_id))


@bp.route("/check-ins/<int:checkin_id>/notes", methods=["POST"])
@require(is_mentor)
def checkin_notes(checkin_id: int):
    item = _checkin(checkin_id)
    if not services.can_run_checkin(current_user, item):
        abort(403)
    kind = request.form.get("kind_name", "")
    if kind not in services.NOTE_KINDS:
        abort(400)
    form = NoteForm(prefix=kind)
    if not form.validate_on_submit():
        return _checkin_page(item, status=422, note_forms={kind: form})
    try:
        note = services.save_note(item, current_user, kind, form.body.data or "")
    except services.OnboardingError as error:
        db.session.rollback()
        _show_problems(form, error)
        return _checkin_page(item, status=422, note_forms={kind: form})
    db.session.commit()
    if note is None:
        flash(_("The notes did not change."), "info")
    elif kind == "shared":
        flash(_("The shared notes are saved (version %(n)s).", n=note.version), "success")
    else:
        flash(_("Your private notes are saved (version %(n)s).", n=note.version), "success")
    return redirect(url_for(".checkin", checkin_id=item.id))


@bp.route("/check-ins/<int:checkin_id>/status", methods=["POST"])
@require(is_mentor)
def checkin_status(checkin_id: int):
    item = _checkin(checkin_id)
    if not services.can_run_checkin(current_user, item):
        abort(403)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_checkin_status(item, current_user, form.status.data)
    except services.OnboardingError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".checkin", checkin_id=item.id)), 303
    db.session.commit()
    flash(_("The check-in is updated."), "success")
    return redirect(url_for(".checkin", checkin_id=item.id))


@bp.route("/check-ins/<int:checkin_id>/actions", methods=["POST"])
@require(is_mentor)
def checkin_action(checkin_id: int):
    item = _checkin(checkin_id)
    if not services.can_run_checkin(current_user, item):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        return _checkin_page(item, status=422, action_form=form)
    try:
        services.add_action(item, current_user, owner=form.owner.data, title=form.title.data, due_date=form.due_date.data)
    except services.OnboardingError as error:
        db.session.rollback()
        _show_problems(form, error)
        return _checkin_page(item, status=422, action_form=form)
    db.session.commit()
    flash(_("The action item is added."), "success")
    return redirect(url_for(".checkin", checkin_id=item.id))


@bp.route("/check-ins/<int:checkin_id>/links", methods=["POST"])
@require(is_mentor)
def checkin_link(checkin_id: int):
    item = _checkin(checkin_id)
    if not services.can_run_checkin(current_user, item):
        abort(403)
    form = LinkForm()
    form.target.choices = [(f"{k}:{i}", label) for k, i, label in services.linkable(item.mentee, _language())]
    if not form.validate_on_submit():
        return _checkin_page(item, status=422, link_form=form)
    kind, _sep, ref = form.target.data.partition(":")
    try:
        services.add_link(item, current_user, kind, int(ref), _language())
    except (services.OnboardingError, ValueError) as error:
        db.session.rollback()
        form.target.errors = [getattr(error, "message", str(error))]
        return _checkin_page(item, status=422, link_form=form)
    db.session.commit()
    flash(_("The attempt is linked to the check-in."), "success")
    return redirect(url_for(".checkin", checkin_id=item.id))


@bp.route("/actions/<int:action_id>/toggle", methods=["POST"])
@require(signed_in)
def action_toggle(action_id: int):
    action = get_or_404(ActionItem, action_id, allowed=lambda a: services.can_view_checkin(current_user, a.checkin))
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not services.can_tick_action(current_user, action):
        abort(403)
    services.toggle_action(action, current_user)
    db.session.commit()
    flash(_("The action item is done.") if action.is_done else _("The action item is open again."), "success")
    return _back(url_for(".checkin", checkin_id=action.checkin_id))


# --- the mentor's dashboard ----------------------------------------------------------------------

@bp.route("/mentees")
@require(is_mentor)
def mentor_dashboard():
    data = services.mentor_dashboard(current_user)
    return render_template("training/onboarding/mentor_dashboard.html", d=data, language=_language(),
                           signoff_urls={s.person.id: _signoff_url(s.person) for s in data["summaries"]})
