"""Pages of training.simulations: the scenario library, the player, debriefs, mentor grading."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from servicecraft.auth.forms import ButtonForm
from servicecraft.charts import bar_chart
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.permissions import can_view_user, get_or_404, is_admin, is_manager, is_staff_lead, require, role
from servicecraft.texts import pick
from training.simulations import engine, services
from training.simulations.forms import GradeForm, RequirementForm, StepForm, UploadForm
from training.simulations.models import Attempt, GoLiveRequirement, ScenarioVersion

bp = Blueprint("simulations", __name__, url_prefix="/simulations")

# Agents (new hires especially) practise; staff see everything.
is_player = role("admin", "manager", "mentor", "agent")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else (current_user.language or "en")


def _version_or_404(slug: str) -> ScenarioVersion:
    version = services.current_version(slug)
    if version is None:
        abort(404)
    return version


# --- Library ------------------------------------------------------------------------------------

@bp.route("/")
@require(is_player)
def index():
    language = _language()
    versions = services.current_versions()
    best = services.best_scores(current_user)
    rows = [{"version": v, "title": pick(v.title, language, v.languages), "best": best.get(v.slug)}
            for v in versions]
    in_progress = list(db.session.scalars(select(Attempt).where(
        Attempt.user_id == current_user.id, Attempt.status == "in_progress").order_by(Attempt.started_at.desc())))
    progress = services.golive_progress(current_user) if current_user.is_newhire else None
    return render_template("training/simulations/index.html", rows=rows, in_progress=in_progress,
                           progress=progress, language=language, is_trainer=services.is_trainer(current_user))


@bp.route("/scenarios/<scenario_slug>")
@require(is_player)
def show(scenario_slug: str):
    language = _language()
    version = _version_or_404(scenario_slug)
    scenario = services.scenario_of(version)
    versions = []
    if services.is_trainer(current_user):
        versions = list(db.session.scalars(select(ScenarioVersion).where(
            ScenarioVersion.slug == scenario_slug).order_by(ScenarioVersion.number.desc())))
    attempts = services.attempts_of(current_user, scenario_slug)
    best = max((a.final_score for a in attempts if a.final_score is not None), default=None)
    return render_template("training/simulations/show.html", version=version, scenario=scenario,
                           versions=versions, attempts=attempts, best=best, language=language,
                           t=lambda value: services.text(scenario, value, language), button=ButtonForm())


@bp.route("/scenarios/<scenario_slug>/start", methods=["POST"])
@require(is_player)
def start(scenario_slug: str):
    _version_or_404(scenario_slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    attempt = services.start_attempt(current_user, scenario_slug, language=_language())
    db.session.commit()
    return redirect(url_for(".attempt", roleplay_id=attempt.id), code=303)


@bp.route("/upload", methods=["GET", "POST"])
@require(is_manager)
def upload():
    form = UploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.read(services.MAX_UPLOAD_BYTES + 1)
        try:
            version, created = services.upload_scenario(data, storage.filename or "", actor=current_user)
        except services.SimulationError as exc:
            db.session.rollback()
            problems = exc.lines
        else:
            db.session.commit()
            if created:
                flash(_("%(slug)s is loaded as version %(number)d.", slug=version.slug, number=version.number), "success")
            else:
                flash(_("%(slug)s is unchanged; the library already has this version.", slug=version.slug), "info")
            return redirect(url_for(".show", scenario_slug=version.slug), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("training/simulations/upload.html", form=form, problems=problems), status


# --- Player and debrief ---------------------------------------------------------------------------

def _attempt_or_403(roleplay_id: int) -> Attempt:
    return get_or_404(Attempt, roleplay_id, allowed=lambda a: services.can_view_attempt(current_user, a))


def _render_attempt(attempt: Attempt, form: StepForm | None = None, status: int = 200):
    language = _language()
    scenario = services.scenario_of(attempt.version)
    state = services.state_of(attempt)
    available = engine.available_actions(scenario, state)
    is_owner = services.can_play_attempt(current_user, attempt)
    t = lambda value: services.text(scenario, value, language)  # noqa: E731
    context = dict(attempt=attempt, scenario=scenario, state=state, t=t, language=language,
                   lines=services.transcript(scenario, state, language), is_owner=is_owner)
    if attempt.status == "in_progress" and is_owner:
        form = form or StepForm(categories=scenario.categories)
        form.counter.data = str(attempt.step_counter)
        return render_template("training/simulations/play.html", form=form, available=available,
                               max_reply=engine.MAX_REPLY_LENGTH, **context), status
    result = services.result_of(attempt) if attempt.status != "in_progress" else None
    review = attempt.latest_review
    history = services.attempts_of(attempt.user, attempt.version.slug)
    best = max((a.final_score for a in history if a.final_score is not None), default=None)
    return render_template("training/simulations/debrief.html", result=result, review=review,
                           model=services.model_steps(scenario, language), history=history, best=best,
                           button=ButtonForm(), can_grade=services.can_grade_attempt(current_user, attempt),
                           **context), status


@bp.route("/attempts/<int:roleplay_id>")
@require(is_player)
def attempt(roleplay_id: int):
    return _render_attempt(_attempt_or_403(roleplay_id))


@bp.route("/attempts/<int:roleplay_id>/step", methods=["POST"])
@require(is_player)
def step(roleplay_id: int):
    attempt = get_or_404(Attempt, roleplay_id, allowed=lambda a: services.can_play_attempt(current_user, a))
    scenario = services.scenario_of(attempt.version)
    form = StepForm(categories=scenario.categories)
    if not form.validate_on_submit():
        if form.csrf_token.errors or not form.counter.data:
            abort(400)
        db.session.rollback()
        return _render_attempt(attempt, form, 422)
    try:
        counter = int(form.counter.data)
    except (TypeError, ValueError):
        abort(400)
    available = engine.available_actions(scenario, services.state_of(attempt))
    raw_choice = request.form.get("choice", "")
    if available.kind == "choices":
        if not raw_choice.isdigit():
            action = engine.Choice(-1)
        else:
            action = engine.Choice(int(raw_choice))
    elif available.kind == "classify":
        action = engine.Classify(form.category.data or "")
    else:
        action = engine.Reply(form.reply.data or "")
    try:
        services.take_step(current_user, attempt, counter, action)
    except services.StaleStep as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for(".attempt", roleplay_id=attempt.id), code=303)
    except services.SimulationError as exc:
        db.session.rollback()
        field = form.reply if available.kind == "reply" else form.category if available.kind == "classify" else None
        if field is not None:
            field.errors = list(field.errors) + exc.lines
        else:
            flash(exc.message, "error")
        return _render_attempt(attempt, form, 422)
    db.session.commit()
    if attempt.status != "in_progress":
        flash(_("The conversation has ended. Here is your debrief."), "info")
    return redirect(url_for(".attempt", roleplay_id=attempt.id, _anchor="latest"), code=303)


# --- Mentor grading -------------------------------------------------------------------------------

@bp.route("/reviews")
@require(is_staff_lead)
def reviews():
    language = _language()
    queue = services.grading_queue(current_user)
    return render_template("training/simulations/reviews.html", queue=queue, language=language, pick=pick)


def _grade_input(scenario, state) -> tuple[dict, dict, list[str]]:
    points: dict[str, dict[str, int]] = {}
    comments: dict[str, str] = {}
    problems: list[str] = []
    for reply in state.replies():
        node = scenario.nodes[reply.node]
        points[reply.node] = {}
        for name in node.reply.criteria:
            raw = request.form.get(f"points-{reply.node}-{name}", "").strip()
            maximum = scenario.criterion(name).max
            label = services.text(scenario, scenario.criterion(name).label, _language())
            try:
                value = int(raw)
            except ValueError:
                problems.append(_("%(criterion)s at reply %(node)s: give whole points from 0 to %(max)d.",
                                  criterion=label, node=reply.node, max=maximum))
                continue
            points[reply.node][name] = value
        comment = request.form.get(f"comment-{reply.node}", "")
        if len(comment) > 5000:
            problems.append(_("The comment on reply %(node)s is too long; keep it to 5000 characters.", node=reply.node))
        comments[reply.node] = comment
    return points, comments, problems


@bp.route("/attempts/<int:roleplay_id>/grade", methods=["GET", "POST"])
@require(is_staff_lead)
def grade(roleplay_id: int):
    attempt = get_or_404(Attempt, roleplay_id, allowed=lambda a: services.can_grade_attempt(current_user, a))
    language = _language()
    scenario = services.scenario_of(attempt.version)
    state = services.state_of(attempt)
    form = GradeForm()
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            if form.csrf_token.errors:
                abort(400)
            problems = [e for f in form for e in f.errors]
        else:
            points, comments, problems = _grade_input(scenario, state)
            if not problems:
                try:
                    services.grade_attempt(current_user, attempt, points, comments, reason=form.reason.data or "")
                except services.SimulationError as exc:
                    db.session.rollback()
                    problems = exc.lines
                else:
                    db.session.commit()
                    flash(_("The grade is saved: %(score)s%%.", score=attempt.final_score), "success")
                    return redirect(url_for(".attempt", roleplay_id=attempt.id), code=303)
        status = 422
    previous = attempt.latest_review
    replies = []
    for reply in state.replies():
        node = scenario.nodes[reply.node]
        hints = engine.reply_hints(scenario, reply.node, reply.reply or "")
        criteria = []
        for name in node.reply.criteria:
            criterion = scenario.criterion(name)
            value = request.form.get(f"points-{reply.node}-{name}") if request.method == "POST" else (
                previous.points.get(reply.node, {}).get(name) if previous else None)
            criteria.append({"id": name, "label": services.text(scenario, criterion.label, language),
                             "max": criterion.max, "value": value, "found": hints.get(name, []),
                             "phrases": list(node.reply.hints.get(name, ()))})
        comment = request.form.get(f"comment-{reply.node}") if request.method == "POST" else (
            previous.comments.get(reply.node, "") if previous else "")
        replies.append({"node": reply.node, "text": reply.reply,
                        "prompt": services.text(scenario, node.reply.prompt, language),
                        "criteria": criteria, "comment": comment or ""})
    gradable = attempt.status == "awaiting_review" or (attempt.status == "finished" and bool(attempt.reviews))
    return render_template("training/simulations/grade.html", attempt=attempt, scenario=scenario,
                           lines=services.transcript(scenario, state, language), replies=replies,
                           form=form, problems=problems, regrade=bool(attempt.reviews), gradable=gradable,
                           t=lambda value: services.text(scenario, value, language)), status


# --- Statistics -----------------------------------------------------------------------------------

@bp.route("/statistics")
@require(is_staff_lead)
def statistics():
    rows = services.overview(_language())
    chart = bar_chart([(r["title"], r["pass_rate"]) for r in rows], title=_("Pass rate per scenario"),
                      max_value=100, unit="%") if rows else None
    return render_template("training/simulations/statistics.html", rows=rows, chart=chart)


@bp.route("/statistics/<scenario_slug>")
@require(is_staff_lead)
def statistics_show(scenario_slug: str):
    stats = services.statistics(scenario_slug, _language())
    if stats is None:
        abort(404)
    chart = bar_chart([(c["label"], c["average"]) for c in stats["criteria"]],
                      title=_("Average points per criterion"),
                      max_value=max((c["max"] for c in stats["criteria"]), default=1))
    return render_template("training/simulations/statistics_show.html", stats=stats, chart=chart)


# --- Go-live track --------------------------------------------------------------------------------

@bp.route("/go-live", methods=["GET", "POST"])
@require(is_admin)
def golive():
    form = RequirementForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_requirement(current_user, form.kind.data, form.slug.data)
        except services.SimulationError as exc:
            db.session.rollback()
            form.slug.errors = list(form.slug.errors) + exc.lines
            status = 422
        else:
            db.session.commit()
            flash(_("%(slug)s is now required for going live.", slug=form.slug.data.strip()), "success")
            return redirect(url_for(".golive"), code=303)
    elif request.method == "POST":
        status = 422
    language = _language()
    titles = {v.slug: pick(v.title, language, v.languages) for v in services.current_versions()}
    newhires = [u for u in db.session.scalars(select(User).where(User.is_active_account.is_(True)).order_by(User.name))
                if u.is_newhire]
    return render_template("training/simulations/golive.html", form=form, requirements=services.requirements(),
                           titles=titles, newhires=newhires, button=ButtonForm()), status


@bp.route("/go-live/<int:requirement_id>/remove", methods=["POST"])
@require(is_admin)
def golive_remove(requirement_id: int):
    requirement = get_or_404(GoLiveRequirement, requirement_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.remove_requirement(current_user, requirement)
    db.session.commit()
    flash(_("The requirement is removed."), "success")
    return redirect(url_for(".golive"), code=303)


@bp.route("/go-live/people/<int:user_id>")
@require(is_player)
def golive_person(user_id: int):
    person = get_or_404(User, user_id, allowed=lambda u: can_view_user(current_user, u))
    return render_template("training/simulations/golive_person.html", person=person,
                           progress=services.golive_progress(person),
                           attempts=services.attempts_of(person)[:50], language=_language(), pick=pick)
