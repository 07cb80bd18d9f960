"""Scorecards of metrics.md for many agents at once, the managers' weights, rankings and trends.

Every component is computed for ALL the chosen agents with one aggregate query each (no
per-agent loops), the exact values are kept (fractions) and rounded only when shown, and the
composite comes from :func:`qa.scorecards.composite.composite` under the active weights::

    period = period_of(date(2026, 3, 1), date(2026, 3, 31))
    rows = scorecards(period, team_id=3)             # list[ScorecardRow], by name
    row_as_export(rows[0])                           # {"agent", "name", every key of metrics.md}

Views, the API, the CLI and bonus rounds all call these functions. The computed figures are
cached (servicecraft.cache, :data:`SCORECARDS`) as plain data until a commit changes a table
they read; the people are chosen by a live query each time, so scoping by viewer is unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import lazyload

from qa.evaluations.models import Evaluation, EvaluationRevision
from qa.scorecards.composite import (
    COMPONENT_KEYS,
    DEFAULT_WEIGHTS,
    ComponentInput,
    CompositeResult,
    check_weights,
    component_label,
    composite,
    mean_of,
    scorecard_row,
    share_of,
)
from qa.scorecards.models import ScorecardWeights
from qa.tickets.metrics import SOLVED, agent_metrics, csat_counts, empty_metrics
from qa.tickets.models import Ticket
from qa.tickets.reference import FIRST_REPLY_LIMIT_MINUTES, METRIC_KEYS, Period, exact, round_half_away
from servicecraft import audit, cache
from servicecraft.extensions import db
from servicecraft.i18n import organisation_timezone
from servicecraft.messages import _
from servicecraft.models import Branch, Team, User, UserRole

__all__ = [
    "EXPORT_KEYS", "ScorecardError", "ScorecardRow", "active_weights", "agents_query", "component_note",
    "current_month", "month_period", "parse_period", "period_of", "preview_ranking", "rank_rows",
    "row_as_export", "save_weights", "scorecard", "scorecards", "trend", "weights_history",
]

# The export/API row: agent, name, every ticket metric, every component, the composite.
EXPORT_KEYS: tuple[str, ...] = ("agent", "name", *METRIC_KEYS,
                                *[k for k in COMPONENT_KEYS if k not in METRIC_KEYS], "composite")

REVIEW_STATUSES = ("released",)
SHOP_STATUSES = ("validated", "released")


class ScorecardError(ValueError):
    """Bad input for a scorecard use-case; ``problems`` maps a field to its message."""

    def __init__(self, problems: Mapping[str, str] | str):
        if isinstance(problems, str):
            problems = {"": problems}
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))


# --- Periods --------------------------------------------------------------------------------

def deployment_timezone() -> str:
    """Return the deployment's time zone name (setting TIMEZONE, from SERVICECRAFT_TIMEZONE)."""
    return organisation_timezone()


def period_of(start: date, end: date) -> Period:
    """Return the period [start, end] in the deployment's time zone; refuse an end before the start."""
    if end < start:
        raise ScorecardError({"to": _("The period ends (%(end)s) before it starts (%(start)s).",
                                      end=end.isoformat(), start=start.isoformat())})
    return Period.of(start, end, deployment_timezone())


def _parse_date(value: object, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ScorecardError({name: _("%(field)s must be a date written as YYYY-MM-DD, not %(value)s.",
                                      field=name, value=repr(value or ""))}) from None


def parse_period(start: object, end: object) -> Period:
    """Return the period of two YYYY-MM-DD strings (``from``, ``to``); ScorecardError names the field."""
    problems: dict[str, str] = {}
    dates: dict[str, date] = {}
    for name, value in (("from", start), ("to", end)):
        try:
            dates[name] = _parse_date(value, name)
        except ScorecardError as error:
            problems.update(error.problems)
    if problems:
        raise ScorecardError(problems)
    return period_of(dates["from"], dates["to"])


def _today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(deployment_timezone())).date()


def month_period(day: date) -> Period:
    """Return the calendar month containing *day*."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return period_of(first, following - timedelta(days=1))


def current_month() -> Period:
    """Return this calendar month (in the deployment's time zone), up to its last day."""
    return month_period(_today())


# In the first week of a month there is too little to judge anyone by: pages open on the
# month just finished then, and on the running month afterwards.
FRESH_MONTH_DAYS = 7


def default_period(today: date | None = None) -> Period:
    """Return the period a scorecard page opens on: last month during the first week, else this month."""
    today = today or _today()
    if today.day <= FRESH_MONTH_DAYS:
        return month_period(today.replace(day=1) - timedelta(days=1))
    return month_period(today)


# --- Rows -----------------------------------------------------------------------------------

@dataclass
class ScorecardRow:
    """One agent's scorecard for a period: exact components with counts, ticket figures, the composite."""

    user: User
    period: Period
    components: dict[str, ComponentInput]   # every COMPONENT_KEYS key
    figures: dict[str, Any]                 # ticket metrics (METRIC_KEYS), rounded as agent_metrics gives them
    composite: CompositeResult
    weights: dict[str, Any]
    critical_fails: int = 0                 # reviews/shops in the period with a critical fail
    courses_assigned: int = 0
    courses_completed: int = 0
    extra_counts: dict[str, int] = field(default_factory=dict)

    @property
    def agent_id(self) -> int:
        return self.user.id

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def critical_fail(self) -> bool:
        return self.critical_fails > 0

    @property
    def training_complete(self) -> bool:
        """Every assigned course completed by the period's end (true when none is assigned)."""
        return self.courses_completed >= self.courses_assigned

    def value(self, key: str) -> float | int | None:
        """Return a component, ticket figure or ``composite`` as shown (rounded)."""
        if key == "composite":
            return self.composite.value
        if key in self.components:
            return self.components[key].rounded
        return self.figures.get(key)

    def count(self, key: str) -> int | None:
        """Return how many items a figure rests on (tickets, evaluations, attempts, courses)."""
        if key in self.components:
            return self.components[key].count
        if key in self.extra_counts:
            return self.extra_counts[key]
        if key == "composite":
            return len(self.composite.used)
        return None

    @property
    def left_out(self) -> tuple[str, ...]:
        """Weighted components left out of the composite because they had no data."""
        return self.composite.left_out

    @property
    def null_components(self) -> tuple[str, ...]:
        return tuple(key for key in COMPONENT_KEYS if self.components[key].value is None)


def component_note(key: str) -> str:
    """Return the "how is this computed?" sentence of a component or ticket figure."""
    from qa.tickets.metrics import EXPLANATIONS

    note = _NOTES.get(key)
    if note is not None:
        return note()
    if key in EXPLANATIONS:
        return _(EXPLANATIONS[key])
    return ""


# Translated on demand, one at a time (a scorecards table asks for dozens of labels and notes).
_NOTES = {
    "qa_pct": lambda: _("Mean score of the agent's ticket reviews released to them, for interactions that happened "
                        "in the period."),
    "mystery_shop_pct": lambda: _("Mean score of validated mystery shops of the period: shops of the agent, and "
                                  "branch-level shops of the agent's branch (they count for everyone in the branch)."),
    "simulation_pct": lambda: _("Mean final score of the agent's graded role-play attempts finished in the period."),
    "training_pct": lambda: _("Share of the courses assigned to the agent that were completed by the period's end."),
    "csat_pct": lambda: _("Positive ratings over all ratings (positive, neutral, negative) of tickets solved in the "
                          "period."),
    "fcr_pct": lambda: _("Tickets solved with exactly one agent reply and no reopen, over tickets with at least one "
                         "reply."),
    "first_reply_within_24h_pct": lambda: _("Share of solved tickets with a first reply that got it within 24 hours "
                                            "(1440 minutes)."),
    "composite": lambda: _("Weighted mean of the components that have data: sum(weight x component) / sum(weight); "
                           "a component without data is left out."),
}


def label(key: str) -> str:
    """Return a column's name for people."""
    text = _LABELS.get(key)
    if text is not None:
        return text()
    return component_label(key)


_LABELS = {
    "composite": lambda: _("Composite"), "tickets_solved": lambda: _("Tickets solved"),
    "first_reply_minutes_median": lambda: _("First reply (median minutes)"),
    "resolution_hours_median": lambda: _("Resolution (median hours)"), "reopen_pct": lambda: _("Reopened %"),
    "one_touch_pct": lambda: _("One-touch %"), "nps": lambda: _("NPS"), "ces_avg": lambda: _("CES (mean)"),
    "agent": lambda: _("E-mail"), "name": lambda: _("Name"),
}


# --- Agents ---------------------------------------------------------------------------------

def agents_query(*, people: Sequence[User] | None = None, team_id: int | None = None,
                 branch_id: int | None = None, region: str | None = None, viewer: User | None = None):
    """Return a select of active agents, by name, narrowed by people/team/branch/region/viewer."""
    from servicecraft.permissions import visible_user_filter

    query = (select(User).where(User.is_active_account.is_(True),
                                User.id.in_(select(UserRole.user_id).where(UserRole.role == "agent")))
             .order_by(User.name, User.email))
    if people is not None:
        query = query.where(User.id.in_([p.id for p in people] or [-1]))
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if branch_id is not None:
        query = query.where(User.branch_id == branch_id)
    if region:
        query = query.where(User.branch_id.in_(select(Branch.id).where(Branch.region == region)))
    if viewer is not None:
        query = query.where(visible_user_filter(viewer, User))
    return query


# --- Aggregates (one query each, for every agent at once) -----------------------------------

def _ticket_counts(period: Period, ids: list[int]) -> dict[int, dict[str, int]]:
    """Exact counts behind csat_pct, fcr_pct and first_reply_within_24h_pct (same rules as qa.tickets.metrics)."""
    first, after = period.bounds_utc()
    t = Ticket
    one = literal(1)
    solved = and_(t.status.in_(SOLVED), t.solved_at >= first, t.solved_at < after)
    rows = db.session.execute(
        select(t.agent_id, func.count(t.first_reply_minutes),
               func.sum(case((t.first_reply_minutes <= FIRST_REPLY_LIMIT_MINUTES, one), else_=0)),
               func.sum(case((t.agent_replies >= 1, one), else_=0)),
               func.sum(case((and_(t.agent_replies == 1, t.reopens == 0), one), else_=0)))
        .where(solved, t.agent_id.in_(ids)).group_by(t.agent_id))
    out: dict[int, dict[str, int]] = defaultdict(lambda: {"with_first": 0, "within": 0, "replied": 0, "fcr": 0,
                                                          "rated": 0, "positive": 0})
    for agent, with_first, within, replied, fcr in rows:
        out[agent].update(with_first=int(with_first or 0), within=int(within or 0), replied=int(replied or 0),
                          fcr=int(fcr or 0))
    # CSAT: the same counts as qa.tickets.metrics (the latest separate rating replaces the ticket's own).
    for agent, (rated, positive) in csat_counts(period, user_ids=ids).items():
        out[agent].update(rated=rated, positive=positive)
    return out


def _evaluation_scores(period: Period, ids: list[int], branch_of: Mapping[int, int | None]):
    """Return ({agent: [review scores]}, {agent: [shop scores]}, {agent: critical fails})."""
    first, after = period.bounds_utc()
    e, rev = Evaluation, EvaluationRevision
    branches = sorted({b for b in branch_of.values() if b is not None})
    reviews: dict[int, list[float]] = defaultdict(list)
    shops: dict[int, list[float]] = defaultdict(list)
    fails: dict[int, int] = defaultdict(int)
    members: dict[int, list[int]] = defaultdict(list)
    for agent, branch in branch_of.items():
        if branch is not None:
            members[branch].append(agent)
    counted = or_(and_(e.kind == "review", e.status.in_(REVIEW_STATUSES)),
                  and_(e.kind == "mystery_shop", e.status.in_(SHOP_STATUSES)))
    whose = or_(e.agent_id.in_(ids), and_(e.kind == "mystery_shop", e.agent_id.is_(None),
                                          e.branch_id.in_(branches or [-1])))
    rows = db.session.execute(
        select(e.kind, e.agent_id, e.branch_id, rev.score, rev.critical_fail)
        .join(rev, rev.id == e.current_revision_id)
        .where(counted, whose, e.happened_at >= first, e.happened_at < after))
    for kind, agent, branch, score, critical in rows:
        targets = [agent] if agent is not None else members.get(branch, [])
        for target in targets:
            if score is not None:
                (reviews if kind == "review" else shops)[target].append(score)
            if critical:
                fails[target] += 1
    return reviews, shops, fails


def _simulation_scores(period: Period, ids: list[int]) -> dict[int, list[float]]:
    from training.simulations.models import Attempt

    first, after = period.bounds_utc()
    rows = db.session.execute(
        select(Attempt.user_id, Attempt.final_score)
        .where(Attempt.user_id.in_(ids), Attempt.status == "finished", Attempt.final_score.isnot(None),
               Attempt.finished_at >= first, Attempt.finished_at < after))
    out: dict[int, list[float]] = defaultdict(list)
    for user_id, score in rows:
        out[user_id].append(score)
    return out


def _training_counts(period: Period, ids: list[int]) -> dict[int, tuple[int, int]]:
    from training.courses.models import Enrolment

    _first, after = period.bounds_utc()
    done = and_(Enrolment.completed_at.isnot(None), Enrolment.completed_at < after)
    rows = db.session.execute(
        select(Enrolment.user_id, func.count(Enrolment.id), func.sum(case((done, literal(1)), else_=0)))
        .where(Enrolment.user_id.in_(ids), Enrolment.enrolled_at < after).group_by(Enrolment.user_id))
    return {user_id: (int(total or 0), int(completed or 0)) for user_id, total, completed in rows}


def _exact_scores(values: Iterable[float]) -> ComponentInput:
    return mean_of(exact(v) for v in values)


def scorecards(period: Period, *, people: Sequence[User] | None = None, team_id: int | None = None,
               branch_id: int | None = None, weights: Mapping[str, Any] | None = None,
               region: str | None = None, viewer: User | None = None) -> list[ScorecardRow]:
    """Return the scorecard of every active agent chosen (all, or *people*, a team, branch, region), by name.

    *viewer*, when given, narrows the agents to those the viewer may see. *weights* default to
    :func:`active_weights`.
    """
    # Roles are not read here (nor by the rows' users in the views): loaded only if someone asks.
    agents = list(db.session.scalars(agents_query(people=people, team_id=team_id, branch_id=branch_id,
                                                  region=region, viewer=viewer).options(lazyload(User.role_rows))))
    return compute_rows(agents, period, weights)


# The tables the computed rows read (through agent_metrics, _ticket_counts, _evaluation_scores,
# _simulation_scores, _training_counts and active_weights). The people (who is an agent, in
# which team, whom a viewer may see) are chosen by a live query and are part of the key.
SCORECARDS = cache.namespace("qa.scorecards", tables=(
    "qa_ticket", "qa_ticket_rating", "qa_agent_link", "qa_survey_response",
    "qa_evaluation", "qa_evaluation_revision", "qa_scorecard_weights",
    "training_roleplay_attempt", "training_enrolment",
))


@dataclass(frozen=True)
class _Computed:
    """One agent's computed scorecard as plain data (what the cache stores; no ORM objects)."""

    components: dict[str, ComponentInput]
    figures: dict[str, Any]
    composite: tuple[float | None, Fraction | None, tuple[str, ...], tuple[str, ...]]
    critical_fails: int
    courses_assigned: int
    courses_completed: int


def period_key(period: Period) -> tuple[str, str, str]:
    """Return the period as plain values for a cache key: first day, last day, time zone."""
    return period.start.isoformat(), period.end.isoformat(), getattr(period.tz, "key", None) or str(period.tz)


def compute_rows(agents: Sequence[User], period: Period, weights: Mapping[str, Any] | None = None) -> list[ScorecardRow]:
    """Return the scorecards of exactly these people, in the order given (a handful of queries in all).

    The figures come from :data:`SCORECARDS` (servicecraft.cache), keyed by the period, the
    people (id and branch) and the weights; a commit changing any table they read invalidates them.
    """
    if weights is not None:
        problems = check_weights(dict(weights))
        if problems:
            raise ScorecardError({"weights": "; ".join(problems)})
    if not agents:
        return []
    people = tuple((a.id, a.branch_id) for a in agents)
    weights_key = None if weights is None else tuple(sorted((k, repr(v)) for k, v in weights.items()))
    key = (*period_key(period), people, weights_key)
    chosen_weights, used_weights, computed = cache.cached(
        SCORECARDS, key, lambda: _compute(people, period, weights))
    shared = MappingProxyType(used_weights)
    rows = []
    for agent in agents:
        data = computed[agent.id]
        value, exact_value, used, left_out = data.composite
        rows.append(ScorecardRow(
            user=agent, period=period, components=dict(data.components), figures=dict(data.figures),
            composite=CompositeResult(value, exact_value, used, left_out, shared), weights=chosen_weights,
            critical_fails=data.critical_fails, courses_assigned=data.courses_assigned,
            courses_completed=data.courses_completed,
            extra_counts={"tickets_solved": data.figures.get("tickets_solved") or 0}))
    return rows


def _compute(people: tuple[tuple[int, int | None], ...], period: Period, weights: Mapping[str, Any] | None):
    """Return (weights, the composite's weights, {agent id: _Computed}) for these (id, branch id) pairs."""
    chosen_weights = dict(weights) if weights is not None else active_weights()
    problems = check_weights(chosen_weights)
    if problems:
        raise ScorecardError({"weights": "; ".join(problems)})
    ids = [agent_id for agent_id, _branch in people]
    figures = agent_metrics(period, user_ids=ids)
    counts = _ticket_counts(period, ids)
    reviews, shops, fails = _evaluation_scores(period, ids, dict(people))
    simulations = _simulation_scores(period, ids)
    training = _training_counts(period, ids)
    computed: dict[int, _Computed] = {}
    used_weights: dict[str, Fraction] = dict(composite({}, chosen_weights).weights)
    for agent_id in ids:
        figs = figures.get(agent_id) or empty_metrics()
        c = counts.get(agent_id) or {"with_first": 0, "within": 0, "replied": 0, "fcr": 0, "rated": 0, "positive": 0}
        assigned, completed = training.get(agent_id, (0, 0))
        components = {
            "qa_pct": _exact_scores(reviews.get(agent_id, ())),
            "mystery_shop_pct": _exact_scores(shops.get(agent_id, ())),
            "csat_pct": share_of(c["positive"], c["rated"]),
            "fcr_pct": share_of(c["fcr"], c["replied"]),
            "first_reply_within_24h_pct": share_of(c["within"], c["with_first"]),
            "simulation_pct": _exact_scores(simulations.get(agent_id, ())),
            "training_pct": share_of(completed, assigned),
        }
        result = composite(components, chosen_weights)
        computed[agent_id] = _Computed(
            components=components, figures=dict(figs),
            composite=(result.value, result.exact, result.used, result.left_out),
            critical_fails=fails.get(agent_id, 0), courses_assigned=assigned, courses_completed=completed)
    return chosen_weights, used_weights, computed


def scorecard(agent: User, period: Period, weights: Mapping[str, Any] | None = None) -> ScorecardRow:
    """Return one person's scorecard (they need not hold the agent role or be active)."""
    return compute_rows([agent], period, weights)[0]


def row_as_export(row: ScorecardRow) -> dict[str, Any]:
    """Return the export/API row: ``agent`` (e-mail), ``name``, every key of metrics.md, ``composite``."""
    out = scorecard_row(row.email, row.name, {k: row.figures.get(k) for k in METRIC_KEYS}, row.components,
                        row.weights)
    return {key: out.get(key) for key in EXPORT_KEYS}


# --- Ranking ----------------------------------------------------------------------------------

def _rank_key(row: ScorecardRow):
    def desc(value: Fraction | None):
        return (1, Fraction(0)) if value is None else (0, -value)

    return (desc(row.composite.exact), desc(row.components["qa_pct"].value), desc(row.components["csat_pct"].value),
            row.name.casefold(), row.email)


def rank_rows(rows: Iterable[ScorecardRow]) -> list[ScorecardRow]:
    """Return rows by composite (higher first; ties by qa_pct, csat_pct, then name), as bonus rounds rank."""
    return sorted(rows, key=_rank_key)


def preview_ranking(period: Period, new_weights: Mapping[str, Any], **filters) -> list[dict[str, Any]]:
    """Return the ranking now and under *new_weights*: [{agent, name, rank_now, rank_new, composite_now, composite_new, move}]."""
    problems = check_weights(new_weights)
    if problems:
        raise ScorecardError({"weights": "; ".join(problems)})
    now = scorecards(period, **filters)
    ranked_now = rank_rows(now)
    position_now = {row.agent_id: index + 1 for index, row in enumerate(ranked_now)}
    composite_now = {row.agent_id: row.composite.value for row in now}
    rescored = []
    for row in now:
        result = composite(row.components, new_weights)
        rescored.append(ScorecardRow(user=row.user, period=period, components=row.components, figures=row.figures,
                                     composite=result, weights=dict(new_weights)))
    out = []
    for index, row in enumerate(rank_rows(rescored)):
        before = position_now[row.agent_id]
        out.append({"agent": row.email, "name": row.name, "agent_id": row.agent_id,
                    "rank_now": before, "rank_new": index + 1,
                    "composite_now": composite_now[row.agent_id], "composite_new": row.composite.value,
                    "move": before - (index + 1)})
    return out


# --- Weights ----------------------------------------------------------------------------------

def _plain_weight(value: Any) -> int | float:
    number = exact(value)
    return int(number) if number.denominator == 1 else float(value)


def active_weights() -> dict[str, Any]:
    """Return the weights in force (the latest saved version, else DEFAULT_WEIGHTS)."""
    latest = db.session.scalars(select(ScorecardWeights).order_by(ScorecardWeights.id.desc()).limit(1)).first()
    if latest is None:
        return dict(DEFAULT_WEIGHTS)
    return {key: latest.weights.get(key, 0) for key in COMPONENT_KEYS}


def active_weights_version() -> ScorecardWeights | None:
    return db.session.scalars(select(ScorecardWeights).order_by(ScorecardWeights.id.desc()).limit(1)).first()


def weights_history(limit: int = 50) -> list[ScorecardWeights]:
    """Return the saved weight versions, newest first."""
    return list(db.session.scalars(select(ScorecardWeights).order_by(ScorecardWeights.id.desc()).limit(limit)))


def save_weights(weights: Mapping[str, Any], actor: User, reason: str) -> ScorecardWeights:
    """Save new weights as a new version (never overwriting), audited; ScorecardError on bad weights."""
    problems: dict[str, str] = {}
    listed = check_weights(weights)
    if listed:
        problems["weights"] = "; ".join(listed)
    if not (reason or "").strip():
        problems["reason"] = _("Say why the weights change (the reason is kept with the new version).")
    if problems:
        raise ScorecardError(problems)
    before = active_weights()
    clean = {key: _plain_weight(weights.get(key, 0)) for key in COMPONENT_KEYS}
    version = ScorecardWeights(weights=clean, reason=reason.strip(), created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "scorecard_weights", version.id, "weights_changed", before=before, after=clean,
                 reason=reason.strip())
    return version


# --- Trends -----------------------------------------------------------------------------------

def last_months(periods: int = 6, *, until: date | None = None) -> list[Period]:
    """Return the last *periods* calendar months, oldest first, ending with the month of *until* (today)."""
    day = until or _today()
    months = []
    first = day.replace(day=1)
    for _index in range(periods):
        months.append(month_period(first))
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def trend(agent: User, periods: int = 6, *, until: date | None = None,
          weights: Mapping[str, Any] | None = None) -> list[ScorecardRow]:
    """Return the agent's scorecards for the last *periods* months, oldest first."""
    return [scorecard(agent, period, weights) for period in last_months(periods, until=until)]


# --- Who sees which scorecard -----------------------------------------------------------------

def can_view_scorecard(viewer, agent: User) -> bool:
    """Managers and admins see everyone; mentors their mentees; agents themselves; shoppers nothing."""
    from servicecraft.permissions import can_view_user, signed_in

    if not signed_in(viewer) or agent is None:
        return False
    if not viewer.has_role("admin", "manager", "mentor", "agent"):
        return False
    return can_view_user(viewer, agent)


def sees_tables(viewer) -> bool:
    """Team, branch and region tables: managers, admins and mentors (mentors see their mentees' rows)."""
    return bool(getattr(viewer, "is_authenticated", False)) and viewer.has_role("admin", "manager", "mentor")


def teams_and_branches() -> tuple[list[Team], list[Branch], list[str]]:
    """Return the teams, branches and regions for filters."""
    teams = list(db.session.scalars(select(Team).order_by(Team.name)))
    branches = list(db.session.scalars(select(Branch).order_by(Branch.name)))
    regions = sorted({b.region for b in branches if b.region})
    return teams, branches, regions


FILTERS = cache.namespace("qa.scorecards.filters", tables=("people_team", "people_branch"))


def filter_choices() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Return :func:`teams_and_branches` as plain data (cached): teams {id, name}, branches {id, name, is_central}, regions."""
    def compute():
        teams, branches, regions = teams_and_branches()
        return ([{"id": t.id, "name": t.name} for t in teams],
                [{"id": b.id, "name": b.name, "is_central": b.is_central} for b in branches], regions)

    return cache.cached(FILTERS, ("teams, branches, regions",), compute)


def group_summary(rows: Sequence[ScorecardRow], key_of) -> list[dict[str, Any]]:
    """Return per group (e.g. branch) the mean of each component and of the composite over agents with data."""
    groups: dict[Any, list[ScorecardRow]] = defaultdict(list)
    for row in rows:
        groups[key_of(row)].append(row)
    out = []
    for group, members in groups.items():
        entry: dict[str, Any] = {"group": group, "agents": len(members)}
        for key in (*COMPONENT_KEYS, "composite"):
            values = [row.composite.exact if key == "composite" else row.components[key].value for row in members]
            mean = mean_of(v for v in values if v is not None)
            entry[key] = round_half_away(mean.value)
            entry[key + "_count"] = mean.count
        out.append(entry)
    return out


# --- Filters given by name --------------------------------------------------------------------

def resolve_team(value: object) -> Team | None:
    """Return the team named (or numbered) *value*; None for empty; ScorecardError naming ``team`` if unknown."""
    text = str(value or "").strip()
    if not text:
        return None
    team = db.session.scalars(select(Team).where(Team.name == text)).first()
    if team is None and text.isdigit():
        team = db.session.get(Team, int(text))
    if team is None:
        raise ScorecardError({"team": _("There is no team %(team)s.", team=repr(text))})
    return team


def resolve_branch(value: object) -> Branch | None:
    """Return the branch with code, name or id *value*; None for empty; ScorecardError naming ``branch``."""
    text = str(value or "").strip()
    if not text:
        return None
    branch = db.session.scalars(select(Branch).where(or_(Branch.code == text, Branch.name == text))).first()
    if branch is None and text.isdigit():
        branch = db.session.get(Branch, int(text))
    if branch is None:
        raise ScorecardError({"branch": _("There is no branch %(branch)s.", branch=repr(text))})
    return branch


# --- Exports ----------------------------------------------------------------------------------

def export_csv(rows: Sequence[ScorecardRow]) -> str:
    """Return the rows as CSV (header: EXPORT_KEYS; an empty cell for no data)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_KEYS)
    for row in rows:
        data = row_as_export(row)
        writer.writerow(["" if data[key] is None else data[key] for key in EXPORT_KEYS])
    return out.getvalue()


def export_xlsx(rows: Sequence[ScorecardRow], *, title: str = "Scorecards") -> bytes:
    """Return the rows as an XLSX workbook (one sheet, header row frozen; an empty cell for no data)."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(EXPORT_KEYS))
    for row in rows:
        data = row_as_export(row)
        sheet.append([data[key] for key in EXPORT_KEYS])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def scorecard_pdf(rows: Sequence[ScorecardRow], *, title: str | None = None, progress=None) -> bytes:
    """Return one PDF holding the scorecard of each row (one page per agent)."""
    from servicecraft.pdf import render_pdf

    if progress is not None:
        progress(50, _("Drawing %(count)s scorecards", count=len(rows)))
    return render_pdf("pdf/scorecard.html", rows=rows, title=title, keys=COMPONENT_KEYS,
                      metric_keys=METRIC_KEYS, label=label, note=component_note)


# --- Drill-down: the items behind an agent's numbers ------------------------------------------

def drilldown(agent: User, period: Period, viewer: User) -> dict[str, list]:
    """Return the evaluations, role-play attempts and courses behind the agent's scorecard."""
    from training.courses.models import Enrolment
    from training.simulations.models import Attempt

    first, after = period.bounds_utc()
    e = Evaluation
    counted = or_(and_(e.kind == "review", e.status.in_(REVIEW_STATUSES)),
                  and_(e.kind == "mystery_shop", e.status.in_(SHOP_STATUSES)))
    whose = or_(e.agent_id == agent.id, and_(e.kind == "mystery_shop", e.agent_id.is_(None),
                                             e.branch_id == (agent.branch_id or -1)))
    evaluations = list(db.session.scalars(
        select(e).where(counted, whose, e.happened_at >= first, e.happened_at < after).order_by(e.happened_at)))
    attempts = list(db.session.scalars(
        select(Attempt).where(Attempt.user_id == agent.id, Attempt.status == "finished",
                              Attempt.final_score.isnot(None), Attempt.finished_at >= first,
                              Attempt.finished_at < after).order_by(Attempt.finished_at)))
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == agent.id, Enrolment.enrolled_at < after)
        .order_by(Enrolment.enrolled_at)))
    return {"evaluations": evaluations, "attempts": attempts, "enrolments": enrolments, "after": after}


# --- Team packs built in the background -------------------------------------------------------

def _pack_job(ctx, *, start: str, end: str, team_id=None, branch_id=None, region=None, title=None):
    from servicecraft import jobs, storage

    period = period_of(date.fromisoformat(start), date.fromisoformat(end))
    ctx.progress(10, _("Computing the scorecards"))
    rows = scorecards(period, team_id=team_id, branch_id=branch_id, region=region)
    data = scorecard_pdf(rows, title=title, progress=ctx.progress)
    # Through storage, so the web server that shows the job page finds what this worker made.
    stored = storage.save_bytes(data, name=f"scorecards-{start}-{end}.pdf", content_type="application/pdf",
                                folder="reports")
    ctx.progress(100, _("%(count)s scorecards ready", count=len(rows)))
    return {"file": jobs.file_result(stored), "agents": len(rows)}


def start_pack(actor: User, period: Period, *, team_id=None, branch_id=None, region=None, title=None):
    """Start building one PDF of the chosen agents' scorecards; return the job (its page shows progress)."""
    from servicecraft import jobs

    return jobs.enqueue("scorecards.pack", actor=actor, start=period.start.isoformat(), end=period.end.isoformat(),
                        team_id=team_id, branch_id=branch_id, region=region or None, title=title or None)


def _register_jobs() -> None:
    from servicecraft import jobs

    jobs.job("scorecards.pack")(_pack_job)


_register_jobs()
