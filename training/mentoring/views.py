"""Pages of training.mentoring (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from servicecraft.charts import bar_chart
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.permissions import get_or_404, is_manager, is_staff_lead, require
from training.mentoring import services
from training.mentoring.forms import AssignForm, AutoAssignForm, FeedbackForm, SignOffForm

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")


def _workload_chart(rows):
    return bar_chart([(_("%(name)s (capacity %(capacity)d)", name=r["mentor"].name, capacity=r["capacity"]), r["load"])
                      for r in rows],
                     title=_("Mentees per mentor against capacity"),
                     max_value=max([max(r["capacity"], r["load"]) for r in rows] or [1]) or 1)


def funnel_chart(counts):
    labels = services.stage_labels()
    return bar_chart([(labels[s], counts[s]) for s in services.FUNNEL_STAGES], title=_("Onboarding funnel"))


def _errors_to(form, error: services.MentoringError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + error.lines
    else:
        for line in error.lines:
            flash(line, "error")


# --- Assignments -------------------------------------------------------------------------------

@bp.route("/")
@require(is_manager)
def index():
    rows = services.workload()
    return render_template("training/mentoring/index.html", unassigned=services.newhires_without_mentor(),
                           workload=rows, chart=_workload_chart(rows) if rows else None,
                           newhires=services.active_newhires(), auto_form=AutoAssignForm())


@bp.route("/people/<int:newhire_id>/assign", methods=["GET", "POST"])
@require(is_manager)
def assign(newhire_id: int):
    person = get_or_404(User, newhire_id)
    loads = services.mentee_counts()
    mentors = services.mentors()
    form = AssignForm(mentors=mentors, loads=loads)
    status = 200
    over_capacity = False
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor_id.data)
        if mentor is None:
            form.mentor_id.errors = [_("Mentor: choose a mentor from the list.")]
            status = 422
        else:
            try:
                services.assign_mentor(person, mentor, current_user, reason=form.reason.data or "",
                                       allow_over_capacity=bool(form.confirm_over_capacity.data))
            except services.MentoringError as error:
                db.session.rollback()
                over_capacity = isinstance(error, services.OverCapacity)
                _errors_to(form, error)
                status = 422
            else:
                db.session.commit()
                flash(_("%(mentor)s now mentors %(name)s.", mentor=mentor.name, name=person.name), "success")
                return redirect(url_for(".index"), code=303)
    elif request.method == "POST":
        status = 422
    current = db.session.get(User, person.mentor_id) if person.mentor_id else None
    return render_template("training/mentoring/assign.html", person=person, form=form, current=current,
                           over_capacity=over_capacity, loads=loads), status


@bp.route("/auto-assign", methods=["GET", "POST"])
@require(is_manager)
def auto_assign():
    """GET shows the dry run; POST applies it."""
    form = AutoAssignForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        result = services.auto_assign(current_user, dry_run=False)
        db.session.commit()
        flash(_("%(assigned)d new hires got a mentor; %(left)d are left without one.",
                assigned=len(result["assigned"]), left=len(result["unassigned"])), "success")
        return render_template("training/mentoring/auto_assign.html", result=result, applied=True, form=form,
                               people=_people_by_email(result))
    result = services.auto_assign(current_user, dry_run=True)
    db.session.rollback()
    return render_template("training/mentoring/auto_assign.html", result=result, applied=False, form=form,
                           people=_people_by_email(result))


def _people_by_email(result) -> dict[str, User]:
    emails = {row["newhire"] for row in result["assigned"]} | {row["mentor"] for row in result["assigned"]} | set(result["unassigned"])
    if not emails:
        return {}
    from sqlalchemy import select

    return {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}


# --- Go-live sign-off --------------------------------------------------------------------------

@bp.route("/people/<int:newhire_id>/sign-off", methods=["GET", "POST"])
@require(is_staff_lead)
def signoff(newhire_id: int):
    person = get_or_404(User, newhire_id, allowed=lambda u: services.can_sign_off(current_user, u))
    form = SignOffForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.sign_off(person, current_user, override_reason=form.override_reason.data or None)
        except services.NotAllowed:
            db.session.rollback()
            abort(403)
        except services.MentoringError as error:
            db.session.rollback()
            _errors_to(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("%(name)s is signed off and works with real customers from today.", name=person.name), "success")
            return redirect(url_for(".signoff", newhire_id=person.id), code=303)
    elif request.method == "POST":
        status = 422
    from training.simulations.services import golive_progress

    # The blockers are read off the same progress the page shows: the track is read once.
    progress = golive_progress(person) if person.is_newhire else None
    blockers = services.blockers_from(progress) if progress is not None else []
    return render_template("training/mentoring/signoff.html", person=person, form=form, blockers=blockers,
                           progress=progress,
                           signoffs=services.signoffs_of(person), may_override=services.sees_everyone(current_user)), status


# --- Feedback ------------------------------------------------------------------------------------

@bp.route("/feedback", methods=["GET", "POST"])
@require(services.is_newhire)
def feedback():
    form = FeedbackForm()
    status = 200
    mentor = db.session.get(User, current_user.mentor_id) if current_user.mentor_id else None
    due = services.feedback_due(current_user)
    if form.validate_on_submit():
        ratings = {key: int(getattr(form, key).data) for key in services.FEEDBACK_QUESTIONS}
        try:
            services.submit_feedback(current_user, ratings, form.comment.data or "")
        except services.MentoringError as error:
            db.session.rollback()
            for line in error.lines:
                flash(line, "error")
            status = 422
        else:
            db.session.commit()
            flash(_("Thank you: your feedback is saved without your name."), "success")
            return redirect(url_for("core.index"), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("training/mentoring/feedback.html", form=form, mentor=mentor, due=due,
                           next_on=services.next_feedback_on(current_user)), status


@bp.route("/feedback/summary")
@require(is_manager)
def feedback_summary():
    return render_template("training/mentoring/feedback_summary.html", rows=services.feedback_summary(),
                           labels=services.question_labels(), minimum=services.FEEDBACK_MIN_FOR_COMMENTS)


# --- Manager views -------------------------------------------------------------------------------

@bp.route("/reports")
@require(is_manager)
def reports():
    counts = services.funnel()
    times = services.time_to_golive()
    return render_template("training/mentoring/reports.html", counts=counts, labels=services.stage_labels(),
                           stages=services.FUNNEL_STAGES, chart=funnel_chart(counts), times=times,
                           branch_chart=bar_chart([(r["label"], r["median"]) for r in times["branches"]],
                                                  title=_("Median days to go-live per branch"),
                                                  unit=" " + _("days")) if times["branches"] else None,
                           over=services.over_capacity(), unassigned=services.newhires_without_mentor())
