"""Per-agent ticket metrics of metrics.md, computed by the database (same SQL on SQLite and PostgreSQL).

Counts and sums are SQL aggregates grouped by agent; medians are picked by window functions
(the one or two middle rows per agent) and averaged exactly here; percentages and means are
formed from the integer counts with fractions and rounded half away from zero at the end
(qa.tickets.reference does the same in plain Python, and the tests compare the two).

    figures = agent_metrics(Period.of(date(2024, 3, 1), date(2024, 3, 31), "UTC"))
    figures[user_id]["csat_pct"]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

from sqlalchemy import and_, case, func, literal, or_, select

from qa.tickets.models import AgentLink, SurveyResponse, Ticket, TicketRating
from qa.tickets.reference import (
    DETRACTOR_MAX,
    FIRST_REPLY_LIMIT_MINUTES,
    METRIC_KEYS,
    PROMOTER_MIN,
    Period,
    exact,
    round_half_away,
    share,
)
from servicecraft.extensions import db

SOLVED = ("solved", "closed")

EXPLANATIONS = {
    "tickets_solved": "Tickets assigned to the agent now whose solve time falls in the period (solved or closed).",
    "first_reply_minutes_median": "Median calendar minutes to the first public reply, over solved tickets that have one.",
    "first_reply_within_24h_pct": "Share of those tickets answered within 1440 minutes (24 hours), inclusive.",
    "resolution_hours_median": "Median calendar hours from creation to the latest solve.",
    "fcr_pct": "Tickets solved with exactly one agent reply and no reopen, over tickets with at least one reply.",
    "reopen_pct": "Tickets reopened at least once, over solved tickets whose reopen count is known.",
    "csat_pct": "Positive ratings over all ratings (positive, neutral, negative); a separate rating replaces the "
                "ticket's and credits the agent it names.",
    "one_touch_pct": "Tickets solved with fewer than two agent replies, over tickets whose reply count is known.",
    "nps": "Promoters (9-10) minus detractors (0-6), in points, over survey answers given in the period.",
    "ces_avg": "Mean customer effort score (1-7) over survey answers given in the period.",
}


def _solved_where(period: Period, user_ids: Iterable[int] | None):
    first, after = period.bounds_utc()
    condition = and_(Ticket.status.in_(SOLVED), Ticket.solved_at >= first, Ticket.solved_at < after)
    return condition


def _medians(column, period: Period, user_ids: list[int] | None) -> dict[int, Fraction]:
    """Return the exact median of `column` per agent over their solved tickets in the period."""
    number = func.row_number().over(partition_by=Ticket.agent_id, order_by=column).label("rn")
    total = func.count().over(partition_by=Ticket.agent_id).label("n")
    ranked = (select(Ticket.agent_id.label("agent_id"), column.label("v"), number, total)
              .where(_solved_where(period, user_ids), Ticket.agent_id.isnot(None), column.isnot(None)))
    if user_ids is not None:
        ranked = ranked.where(Ticket.agent_id.in_(user_ids))
    ranked = ranked.subquery()
    middle = select(ranked.c.agent_id, ranked.c.v).where(
        # Integer division (//): in SQLAlchemy 2 "/" divides exactly, which would miss the lower middle.
        or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
    values: dict[int, list[Fraction]] = defaultdict(list)
    for agent_id, value in db.session.execute(middle):
        values[agent_id].append(exact(float(value)))
    return {agent: sum(v, Fraction(0)) / len(v) for agent, v in values.items()}


def csat_counts(period: Period, *, user_ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """Return (rated, positive) per agent over the period's solved tickets (metrics.md, CSAT).

    The latest separate rating of a ticket replaces the ticket's own and credits the agent it
    names; otherwise the ticket's own rating credits the ticket's agent.
    """
    ids = set(user_ids) if user_ids is not None else None
    t, r, link = Ticket, TicketRating, AgentLink
    one = literal(1)
    latest = (select(r.source, r.ticket_external_id, r.agent_external_id, r.csat,
                     func.row_number().over(partition_by=(r.source, r.ticket_external_id),
                                            order_by=(case((r.rated_at.is_(None), 1), else_=0), r.rated_at.desc(),
                                                      r.id.desc())).label("rn")).subquery())
    credited = case((and_(latest.c.csat.isnot(None), latest.c.agent_external_id.isnot(None)), link.user_id),
                    else_=t.agent_id)
    value = func.coalesce(latest.c.csat, t.csat)
    rows = (select(credited.label("agent"), func.count(value), func.sum(case((value == "positive", one), else_=0)))
            .select_from(t)
            .outerjoin(latest, and_(latest.c.source == t.source, latest.c.ticket_external_id == t.external_id,
                                    latest.c.rn == 1))
            .outerjoin(link, and_(link.source == latest.c.source, link.external_id == latest.c.agent_external_id))
            .where(_solved_where(period, None))
            .group_by(credited))
    return {agent: (int(rated or 0), int(positive or 0)) for agent, rated, positive in db.session.execute(rows)
            if agent is not None and (ids is None or agent in ids)}


def agent_metrics(period: Period, *, user_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """Return every figure of metrics.md (and nps, ces_avg) per linked agent (user id)."""
    ids = list(user_ids) if user_ids is not None else None
    t = Ticket
    one = literal(1)
    counts = (select(
        t.agent_id,
        func.count(t.id),
        func.count(t.first_reply_minutes),
        func.sum(case((t.first_reply_minutes <= FIRST_REPLY_LIMIT_MINUTES, one), else_=0)),
        func.count(t.agent_replies),
        func.sum(case((t.agent_replies >= 1, one), else_=0)),
        func.sum(case((and_(t.agent_replies == 1, t.reopens == 0), one), else_=0)),
        func.count(t.reopens),
        func.sum(case((t.reopens >= 1, one), else_=0)),
        func.sum(case((t.agent_replies < 2, one), else_=0)),
    ).where(_solved_where(period, ids), t.agent_id.isnot(None)).group_by(t.agent_id))
    if ids is not None:
        counts = counts.where(t.agent_id.in_(ids))
    figures: dict[int, dict] = {}
    raw: dict[int, tuple] = {row[0]: tuple(int(x or 0) for x in row[1:]) for row in db.session.execute(counts)}

    csat = csat_counts(period, user_ids=ids)

    first, after = period.bounds_utc()
    s = SurveyResponse
    survey_rows = (select(s.agent_id, func.count(s.nps), func.sum(case((s.nps >= PROMOTER_MIN, one), else_=0)),
                          func.sum(case((s.nps <= DETRACTOR_MAX, one), else_=0)), func.count(s.ces), func.sum(s.ces))
                   .where(s.answered_at >= first, s.answered_at < after, s.agent_id.isnot(None))
                   .group_by(s.agent_id))
    if ids is not None:
        survey_rows = survey_rows.where(s.agent_id.in_(ids))
    surveys = {row[0]: tuple(int(x or 0) for x in row[1:]) for row in db.session.execute(survey_rows)}

    first_reply = _medians(t.first_reply_minutes, period, ids)
    resolution = _medians(t.resolution_minutes, period, ids)
    for agent in set(raw) | set(csat) | set(surveys):
        (solved, with_first, within, with_replies, replied, fcr, with_reopens, reopened, one_touch) = raw.get(
            agent, (0,) * 9)
        rated, positive = csat.get(agent, (0, 0))
        nps_n, promoters, detractors, ces_n, ces_sum = surveys.get(agent, (0,) * 5)
        resolution_median = resolution.get(agent)
        figures[agent] = {
            "tickets_solved": solved,
            "first_reply_minutes_median": round_half_away(first_reply.get(agent)),
            "first_reply_within_24h_pct": round_half_away(share(within, with_first)),
            "resolution_hours_median": round_half_away(resolution_median / 60 if resolution_median is not None else None),
            "fcr_pct": round_half_away(share(fcr, replied)),
            "reopen_pct": round_half_away(share(reopened, with_reopens)),
            "csat_pct": round_half_away(share(positive, rated)),
            "one_touch_pct": round_half_away(share(one_touch, with_replies)),
            "nps": round_half_away(Fraction(100 * (promoters - detractors), nps_n) if nps_n else None),
            "ces_avg": round_half_away(Fraction(ces_sum, ces_n) if ces_n else None),
        }
    assert all(set(f) == set(METRIC_KEYS) for f in figures.values())
    return figures


def empty_metrics() -> dict:
    """Return the figures of an agent with nothing in the period."""
    return {key: (0 if key == "tickets_solved" else None) for key in METRIC_KEYS}
