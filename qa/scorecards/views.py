"""Pages of qa.scorecards (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from qa.scorecards import services
from qa.scorecards.composite import COMPONENT_KEYS
from qa.scorecards.forms import PackForm, WeightsForm
from qa.scorecards.services import EXPORT_KEYS, ScorecardError
from qa.tickets.reference import METRIC_KEYS
from servicecraft.charts import bar_chart, line_chart
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.permissions import get_or_404, is_manager, require, role

bp = Blueprint("scorecards", __name__, url_prefix="/scorecards")

can_see_scorecards = role("admin", "manager", "mentor", "agent")
can_see_tables = role("admin", "manager", "mentor")

TABLE_KEYS = ("composite", *COMPONENT_KEYS, "tickets_solved")


def _period_from_args():
    """Return (period, error message or None): from/to of the query string, else this month."""
    start, end = request.args.get("from"), request.args.get("to")
    if not start and not end:
        return services.default_period(), None
    try:
        return services.parse_period(start, end), None
    except ScorecardError as error:
        return services.default_period(), "; ".join(error.problems.values())


def _filters():
    """Return the team, branch and region filters of the query string (unknown ones ignored, with a message)."""
    problems = []
    team = branch = None
    try:
        team = services.resolve_team(request.args.get("team"))
    except ScorecardError as error:
        problems.extend(error.problems.values())
    try:
        branch = services.resolve_branch(request.args.get("branch"))
    except ScorecardError as error:
        problems.extend(error.problems.values())
    return team, branch, (request.args.get("region") or "").strip() or None, problems


def _sorted(rows, key: str, descending: bool):
    """Return the rows sorted by one column, rows with no data in it last (in their order)."""
    keyed = [(row.name.casefold() if key == "name" else row.value(key), row) for row in rows]
    with_data = [pair for pair in keyed if pair[0] is not None]
    with_data.sort(key=lambda pair: pair[0], reverse=descending)
    return [row for _value, row in with_data] + [row for value, row in keyed if value is None]


def _agent_links(period):
    """Return a function giving an agent's scorecard URL for *period*: url_for once, not once a row."""
    dates = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    path, mark, query = url_for("qa.scorecards.agent", user_id=0, **dates).partition("?")
    if not path.endswith("/0"):  # the id is not the path's last part: build every link
        return lambda agent_id: url_for("qa.scorecards.agent", user_id=agent_id, **dates)
    head, tail = path[:-1], mark + query
    return lambda agent_id: f"{head}{agent_id}{tail}"


@bp.route("/")
@require(can_see_scorecards)
def index():
    """Team / branch / region table (agents go to their own scorecard)."""
    if not can_see_tables(current_user):
        return redirect(url_for("qa.scorecards.agent", user_id=current_user.id, **request.args))
    period, period_error = _period_from_args()
    team, branch, region, problems = _filters()
    if period_error:
        problems.append(period_error)
    rows = services.scorecards(period, team_id=team.id if team else None, branch_id=branch.id if branch else None,
                               region=region, viewer=current_user)
    sort = request.args.get("sort", "composite")
    if sort not in (*TABLE_KEYS, *METRIC_KEYS, "name"):
        sort = "composite"
    descending = request.args.get("dir", "desc" if sort != "name" else "asc") == "desc"
    rows = _sorted(rows, sort, descending)
    fmt = request.args.get("format")
    stamp = f"{period.start.isoformat()}_{period.end.isoformat()}"
    if fmt == "csv":
        return Response(services.export_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="scorecards-{stamp}.csv"'})
    if fmt == "xlsx":
        return Response(services.export_xlsx(rows),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="scorecards-{stamp}.xlsx"'})
    teams, branches, regions = services.filter_choices()
    branch_of = {b["id"]: b for b in branches}

    # Central against regional offices, and per branch (each name translated once, not once a row).
    no_branch, central, regional = _("No branch"), _("Central office"), _("Regional offices")

    def office(row):
        b = branch_of.get(row.user.branch_id)
        if b is None:
            return no_branch
        return central if b["is_central"] else regional

    offices = services.group_summary(rows, office)
    by_branch = services.group_summary(
        rows, lambda r: branch_of[r.user.branch_id]["name"] if r.user.branch_id in branch_of else no_branch)
    chart = bar_chart([(str(entry["group"]), entry["composite"]) for entry in offices],
                      title=_("Mean composite: central against regional offices"), max_value=100) if offices else None
    pack = PackForm(formdata=None, start=period.start.isoformat(), end=period.end.isoformat(),
                    team=team.id if team else "", branch=branch.id if branch else "", region=region or "")
    status = 422 if problems else 200
    # What the tables show, worked out once here so that rendering only places it: each label
    # translated once (not once a table), each value rounded once, the links from one url_for.
    labels = {key: services.label(key) for key in ("name", *TABLE_KEYS)}
    link = _agent_links(period)
    table = [(row, link(row.agent_id), [row.value(key) for key in TABLE_KEYS]) for row in rows]
    return render_template("qa/scorecards/index.html", rows=rows, table=table, period=period, keys=TABLE_KEYS,
                           sort=sort, descending=descending, offices=offices, by_branch=by_branch, chart=chart,
                           teams=teams, branches=branches, regions=regions, team=team, branch=branch, region=region,
                           problems=problems, labels=labels, note=services.component_note, pack=pack,
                           is_lead=current_user.has_role("admin", "manager")), status


def _agent_or_403(user_id: int) -> User:
    return get_or_404(User, user_id, allowed=lambda person: services.can_view_scorecard(current_user, person))


@bp.route("/agents/<int:user_id>")
@require(can_see_scorecards)
def agent(user_id: int):
    """One agent's scorecard with how each number is computed, trends and drill-down."""
    person = _agent_or_403(user_id)
    period, period_error = _period_from_args()
    row = services.scorecard(person, period)
    months = services.last_months(6, until=period.end)
    history = [services.scorecard(person, month) for month in months]
    labels = [m.start.strftime("%Y-%m") for m in months]
    trend_chart = line_chart(labels, [(_("Composite"), [r.composite.value for r in history])],
                             title=_("Composite over the last six months"))
    component_chart = line_chart(
        labels, [(services.label(k), [r.value(k) for r in history]) for k in ("qa_pct", "mystery_shop_pct", "csat_pct")],
        title=_("QA score, mystery shopping and CSAT over the last six months"))
    items = services.drilldown(person, period, current_user)
    first, after = period.start.isoformat(), period.end.isoformat()
    ticket_links = is_manager(current_user)
    return render_template("qa/scorecards/agent.html", person=person, row=row, period=period, keys=COMPONENT_KEYS,
                           metric_keys=METRIC_KEYS, label=services.label, note=services.component_note,
                           trend_chart=trend_chart, component_chart=component_chart, history=history,
                           labels=labels, items=items, ticket_links=ticket_links, first=first, last=after,
                           period_error=period_error), (422 if period_error else 200)


@bp.route("/agents/<int:user_id>/pdf")
@require(can_see_scorecards)
def agent_pdf(user_id: int):
    """The agent's scorecard as a PDF."""
    person = _agent_or_403(user_id)
    period, period_error = _period_from_args()
    if period_error:
        abort(422)
    data = services.scorecard_pdf([services.scorecard(person, period)])
    name = f"scorecard-{person.id}-{period.start.isoformat()}-{period.end.isoformat()}.pdf"
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/pack", methods=["POST"])
@require(is_manager)
def pack():
    """Start a background PDF pack of a team's / branch's scorecards; its job page shows progress."""
    form = PackForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        period = services.parse_period(form.start.data, form.end.data)
    except ScorecardError as error:
        flash("; ".join(error.problems.values()), "error")
        return redirect(url_for("qa.scorecards.index"))
    def number(value):
        return int(value) if (value or "").isdigit() else None
    job = services.start_pack(current_user, period, team_id=number(form.team.data), branch_id=number(form.branch.data),
                              region=form.region.data or None, title=form.title.data or None)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/weights", methods=["GET", "POST"])
@require(is_manager)
def weights():
    """The composite's weights: preview how the ranking would change, then save a new version."""
    current = services.active_weights()
    form = WeightsForm(data={key: Decimal(str(current.get(key, 0))) for key in COMPONENT_KEYS})
    period = services.default_period()
    preview = None
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            new = {key: getattr(form, key).data for key in COMPONENT_KEYS}
            new = {k: (int(v) if v == v.to_integral_value() else float(v)) for k, v in new.items()}
            try:
                if form.save.data:
                    services.save_weights(new, current_user, form.reason.data or "")
                    db.session.commit()
                    flash(_("The new weights are in force."), "success")
                    return redirect(url_for("qa.scorecards.weights"))
                preview = services.preview_ranking(period, new)
            except ScorecardError as error:
                db.session.rollback()
                problems = list(error.problems.values())
                if "reason" in error.problems:
                    form.reason.errors = [error.problems["reason"]]
                status = 422
        else:
            status = 422
    return render_template("qa/scorecards/weights.html", form=form, keys=COMPONENT_KEYS, current=current,
                           history=services.weights_history(), preview=preview, problems=problems, period=period,
                           label=services.label), status


__all__ = ["bp", "EXPORT_KEYS"]
