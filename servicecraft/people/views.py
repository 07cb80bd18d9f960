"""Admin pages for people, teams and branches (people are deactivated, never deleted)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from servicecraft.auth import services as auth_services
from servicecraft.auth.forms import ButtonForm
from servicecraft.extensions import db
from servicecraft.models import ROLES, Branch, Team, User, UserRole
from servicecraft.people import services
from servicecraft.people.forms import BranchForm, ImportForm, TeamForm, UserForm
from servicecraft.permissions import get_or_404, is_admin, require

bp = Blueprint("people", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _choices():
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    branches = db.session.scalars(select(Branch).order_by(Branch.code)).all()
    return teams, branches


def _person_input(form: UserForm) -> services.PersonInput:
    return services.PersonInput(
        email=form.email.data or "",
        name=form.name.data or "",
        roles=list(form.roles.data or []),
        language=form.language.data,
        timezone=form.timezone.data,
        team_id=form.team_id.data or None,
        branch_id=form.branch_id.data or None,
        start_date=form.start_date.data,
        mentor_capacity=form.mentor_capacity.data if form.mentor_capacity.data is not None else 0,
        is_active=bool(form.is_active.data),
    )


def _show_problems(form, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


@bp.route("/people")
@require(is_admin)
def index():
    query = select(User).order_by(User.name)
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    branch = request.args.get("branch", type=int)
    team = request.args.get("team", type=int)
    status = request.args.get("status", "active")
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    if role in ROLES:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if branch:
        query = query.where(User.branch_id == branch)
    if team:
        query = query.where(User.team_id == team)
    if status == "active":
        query = query.where(User.is_active_account.is_(True))
    elif status == "inactive":
        query = query.where(User.is_active_account.is_(False))
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    people = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    teams, branches = _choices()
    return render_template(
        "people/index.html", people=people, teams=teams, branches=branches, roles=ROLES,
        q=q, role=role, branch=branch, team=team, status=status, page=page, total=total, page_size=PAGE_SIZE,
    )


@bp.route("/people/new", methods=["GET", "POST"])
@require(is_admin)
def new():
    teams, branches = _choices()
    form = UserForm(teams=teams, branches=branches)
    if form.validate_on_submit():
        try:
            user, password = services.create_user(_person_input(form), actor=current_user)
        except services.PeopleError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("%(name)s is added.", name=user.name), "success")
            if password:
                flash(_("Their first password (shown once): %(password)s", password=password), "info")
            return redirect(url_for("people.edit", user_id=user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("people/form.html", form=form, person=None), status


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@require(is_admin)
def edit(user_id: int):
    person = get_or_404(User, user_id)
    teams, branches = _choices()
    if request.method == "GET":
        form = UserForm(
            obj=person, teams=teams, branches=branches,
            data={"roles": sorted(person.roles), "team_id": person.team_id or 0, "branch_id": person.branch_id or 0,
                  "is_active": person.is_active_account},
        )
    else:
        form = UserForm(teams=teams, branches=branches)
    if form.validate_on_submit():
        data = _person_input(form)
        if person.id == current_user.id and (not data.is_active or "admin" not in data.roles):
            _show_problems(form, {"roles": _("You cannot remove your own admin role or deactivate yourself.")})
        else:
            try:
                services.update_user(person, data, actor=current_user, reason=form.reason.data or "")
            except services.PeopleError as error:
                db.session.rollback()
                _show_problems(form, error.problems)
            else:
                db.session.commit()
                flash(_("Changes to %(name)s are saved.", name=person.name), "success")
                return redirect(url_for("people.edit", user_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("people/form.html", form=form, person=person, button_form=ButtonForm()), status


@bp.route("/people/<int:user_id>/reset-link", methods=["POST"])
@require(is_admin)
def reset_link(user_id: int):
    person = get_or_404(User, user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    from flask import current_app

    token = auth_services.issue_password_reset(person, actor=current_user, hours=current_app.config["PASSWORD_RESET_HOURS"])
    db.session.commit()
    link = url_for("auth.reset_password", token=token, _external=True)
    flash(_("Give %(name)s this one-time link to set a password: %(link)s", name=person.name, link=link), "info")
    return redirect(url_for("people.edit", user_id=person.id))


@bp.route("/people/import", methods=["GET", "POST"])
@require(is_admin)
def import_csv():
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text.")]
        else:
            result = services.import_users(text, actor=current_user)
            if result.errors:
                db.session.rollback()
            else:
                db.session.commit()
                flash(_("%(created)d created, %(updated)d updated.", created=len(result.created), updated=len(result.updated)), "success")
    status = 422 if (result and result.errors) or form.errors else 200
    return render_template("people/import.html", form=form, result=result, columns=services.IMPORT_COLUMNS), status


@bp.route("/branches")
@require(is_admin)
def branches():
    rows = db.session.execute(
        select(Branch, func.count(User.id)).outerjoin(User, User.branch_id == Branch.id)
        .group_by(Branch.id).order_by(Branch.code)
    ).all()
    return render_template("people/branches.html", rows=rows)


@bp.route("/branches/new", methods=["GET", "POST"], defaults={"branch_id": None})
@bp.route("/branches/<int:branch_id>", methods=["GET", "POST"])
@require(is_admin)
def branch_form(branch_id: int | None):
    branch = get_or_404(Branch, branch_id) if branch_id else None
    form = BranchForm(obj=branch)
    if form.validate_on_submit():
        try:
            services.save_branch(branch, code=form.code.data, name=form.name.data, region=form.region.data,
                                 is_central=form.is_central.data, actor=current_user)
        except services.PeopleError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The branch is saved."), "success")
            return redirect(url_for("people.branches"))
    status = 422 if request.method == "POST" else 200
    return render_template("people/branch_form.html", form=form, branch=branch), status


@bp.route("/teams")
@require(is_admin)
def teams():
    rows = db.session.execute(
        select(Team, func.count(User.id)).outerjoin(User, User.team_id == Team.id).group_by(Team.id).order_by(Team.name)
    ).all()
    return render_template("people/teams.html", rows=rows)


@bp.route("/teams/new", methods=["GET", "POST"], defaults={"team_id": None})
@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@require(is_admin)
def team_form(team_id: int | None):
    team = get_or_404(Team, team_id) if team_id else None
    _teams, branches = _choices()
    form = TeamForm(obj=team, branches=branches)
    if request.method == "GET" and team is not None:
        form.branch_id.data = team.branch_id or 0
    if form.validate_on_submit():
        try:
            services.save_team(team, name=form.name.data, branch_id=form.branch_id.data or None, actor=current_user)
        except services.PeopleError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The team is saved."), "success")
            return redirect(url_for("people.teams"))
    status = 422 if request.method == "POST" else 200
    return render_template("people/team_form.html", form=form, team=team), status
