"""Reference implementation of the per-agent ticket metrics of metrics.md (pure Python).

Small and exact on purpose: the database computes the same figures with SQL for speed, and
its tests compare against this module. Arithmetic uses fractions (a float such as 0.1 is
taken as the decimal it prints as), and every figure is rounded half away from zero to one
decimal only at the end. A figure with nothing to count is None, never 0 (`tickets_solved`
is a count, so it is 0 when nothing was solved).

A typical use::

    period = Period.of(date(2024, 3, 1), date(2024, 3, 31), "Europe/Moscow")
    figures = metrics_by_agent(tickets, period, ratings=ratings, surveys=answers)
    figures[("zendesk", "1234")]["csat_pct"]  # -> 87.5
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
FIRST_REPLY_LIMIT_MINUTES = 1440  # the 24-hour first-reply rule, inclusive
PROMOTER_MIN, DETRACTOR_MAX = 9, 6
METRIC_KEYS = (
    "tickets_solved", "first_reply_minutes_median", "first_reply_within_24h_pct", "resolution_hours_median",
    "fcr_pct", "reopen_pct", "csat_pct", "one_touch_pct", "nps", "ces_avg",
)
SOLVED = frozenset(("solved", "closed"))

Number = int | float | Fraction | Decimal
AgentKey = tuple[str, str | None]  # (source, agent_external_id); None: nobody assigned


# Messages (kept together for translation).
def msg_bad_period(start: date, end: date) -> str:
    return f"the period ends ({end}) before it starts ({start})"


def msg_bad_zone(name: object) -> str:
    return f"{name!r} is not a time zone (use a name such as Europe/Moscow or UTC)"


def msg_bad_nps(value: object) -> str:
    return f"{value!r} is not a 0-10 likelihood-to-recommend answer"


def msg_bad_ces(value: object) -> str:
    return f"{value!r} is not an effort score (a number)"


def msg_not_a_number(value: object) -> str:
    return f"{value!r} is not a finite number"


class TicketLike(Protocol):
    """What the metrics read from a ticket (NormalizedTicket and the database model both fit)."""

    source: str
    external_id: str
    agent_external_id: str | None
    status: str
    solved_at: datetime | None
    first_reply_minutes: float | None
    resolution_minutes: float | None
    reopens: int | None
    agent_replies: int | None
    csat: str | None


class RatingLike(Protocol):
    source: str
    ticket_external_id: str
    agent_external_id: str | None
    csat: str
    rated_at: datetime | None


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One post-contact survey answer: a 0-10 recommend score and/or an effort score."""

    source: str
    agent_external_id: str | None
    answered_at: datetime
    nps: int | None = None
    ces: float | None = None

    def __post_init__(self) -> None:
        if self.nps is not None and (isinstance(self.nps, bool) or not isinstance(self.nps, int)
                                     or not 0 <= self.nps <= 10):
            raise ValueError(msg_bad_nps(self.nps))
        if self.ces is not None and (isinstance(self.ces, bool) or not isinstance(self.ces, (int, float))
                                     or not math.isfinite(self.ces)):
            raise ValueError(msg_bad_ces(self.ces))


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of calendar dates [start, end] in a time zone."""

    start: date
    end: date
    tz: tzinfo = UTC

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(msg_bad_period(self.start, self.end))

    @classmethod
    def of(cls, start: date, end: date, tz: str | tzinfo | None = None) -> Period:
        """Build a period from dates and a zone name (default UTC)."""
        if tz is None:
            zone: tzinfo = UTC
        elif isinstance(tz, tzinfo):
            zone = tz
        else:
            try:
                zone = ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
                raise ValueError(msg_bad_zone(tz)) from None
        return cls(start, end, zone)

    def bounds_utc(self) -> tuple[datetime, datetime]:
        """Return [first instant, first instant after) in UTC, for a database range query."""
        first = datetime.combine(self.start, datetime.min.time(), self.tz)
        after = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), self.tz)
        return first.astimezone(UTC), after.astimezone(UTC)

    def contains(self, moment: datetime | None) -> bool:
        """Tell whether a moment falls on one of the period's dates (a naive moment is UTC)."""
        if moment is None:
            return False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return self.start <= moment.astimezone(self.tz).date() <= self.end


# ---------------------------------------------------------------------------------------------
# Exact helpers
# ---------------------------------------------------------------------------------------------


def exact(value: Number) -> Fraction:
    """Return a number as an exact fraction; a float counts as the decimal it prints as."""
    if isinstance(value, bool):
        raise ValueError(msg_not_a_number(value))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(msg_not_a_number(value))
        return Fraction(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(msg_not_a_number(value))
        return Fraction(value)
    raise ValueError(msg_not_a_number(value))


def round_half_away(value: Number | None, places: int = 1) -> float | None:
    """Round half away from zero (2.25 -> 2.3, -2.25 -> -2.3, 0.05 -> 0.1); None stays None."""
    if value is None:
        return None
    number = exact(value)
    scale = 10 ** places
    # floor(|n/d| * scale + 1/2) in integers (a scorecards page rounds hundreds of values);
    # int / int is correctly rounded, as float(Fraction(magnitude, scale)) is.
    numerator, denominator = abs(number.numerator), number.denominator
    magnitude = (2 * numerator * scale + denominator) // (2 * denominator)
    result = magnitude / scale
    return -result if number < 0 and magnitude else result


def median(values: Iterable[Number]) -> Fraction | None:
    """Return the exact median (mean of the two middle values for an even count); None if empty."""
    ordered = sorted(exact(value) for value in values)
    count = len(ordered)
    if count == 0:
        return None
    middle = count // 2
    if count % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def share(part: int, whole: int) -> Fraction | None:
    """Return part/whole as a percentage (0..100), or None when there is nothing to count."""
    return Fraction(100 * part, whole) if whole else None


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------


def _is_solved_in(ticket: TicketLike, period: Period) -> bool:
    return ticket.status in SOLVED and period.contains(ticket.solved_at)


def _figures(tickets: list[Any], csats: list[str], answers: list[SurveyAnswer]) -> dict[str, Any]:
    """Compute every figure from one agent's solved tickets, credited ratings and survey answers."""
    first_replies = [t.first_reply_minutes for t in tickets if t.first_reply_minutes is not None]
    resolutions = [exact(t.resolution_minutes) / 60 for t in tickets if t.resolution_minutes is not None]
    with_replies = [t for t in tickets if t.agent_replies is not None]
    replied = [t for t in with_replies if t.agent_replies >= 1]
    with_reopens = [t for t in tickets if t.reopens is not None]
    nps_answers = [a.nps for a in answers if a.nps is not None]
    ces_answers = [a.ces for a in answers if a.ces is not None]
    nps = None
    if nps_answers:
        promoters = sum(1 for score in nps_answers if score >= PROMOTER_MIN)
        detractors = sum(1 for score in nps_answers if score <= DETRACTOR_MAX)
        nps = Fraction(100 * (promoters - detractors), len(nps_answers))
    ces = sum((exact(score) for score in ces_answers), Fraction(0)) / len(ces_answers) if ces_answers else None
    return {
        "tickets_solved": len(tickets),
        "first_reply_minutes_median": round_half_away(median(first_replies)),
        "first_reply_within_24h_pct": round_half_away(share(
            sum(1 for minutes in first_replies if exact(minutes) <= FIRST_REPLY_LIMIT_MINUTES), len(first_replies))),
        "resolution_hours_median": round_half_away(median(resolutions)),
        "fcr_pct": round_half_away(share(
            sum(1 for t in replied if t.agent_replies == 1 and t.reopens == 0), len(replied))),
        "reopen_pct": round_half_away(share(sum(1 for t in with_reopens if t.reopens >= 1), len(with_reopens))),
        "csat_pct": round_half_away(share(csats.count("positive"), len(csats))),
        "one_touch_pct": round_half_away(share(sum(1 for t in with_replies if t.agent_replies < 2), len(with_replies))),
        "nps": round_half_away(nps),
        "ces_avg": round_half_away(ces),
    }


def metrics_by_agent(tickets: Iterable[TicketLike], period: Period, *, ratings: Iterable[RatingLike] = (),
                     surveys: Iterable[SurveyAnswer] = ()) -> dict[AgentKey, dict[str, Any]]:
    """Return every figure of metrics.md per agent, keyed by (source, agent_external_id).

    A ticket counts for the agent it is assigned to now and the period containing its
    `solved_at`; tickets not solved (status other than solved/closed) are left out. A
    separate rating of such a ticket replaces the ticket's own `csat` (the latest one, by
    `rated_at`) and credits the agent it names, else the ticket's agent. Survey answers
    count in the period containing `answered_at`.
    """
    solved: dict[AgentKey, list[TicketLike]] = defaultdict(list)
    by_ticket: dict[tuple[str, str], TicketLike] = {}
    for ticket in tickets:
        if _is_solved_in(ticket, period):
            solved[(ticket.source, ticket.agent_external_id)].append(ticket)
            by_ticket[(ticket.source, ticket.external_id)] = ticket
    latest: dict[tuple[str, str], RatingLike] = {}
    for rating in ratings:
        key = (rating.source, rating.ticket_external_id)
        if key not in by_ticket:
            continue
        known = latest.get(key)
        if known is None or _later(rating.rated_at, known.rated_at):
            latest[key] = rating
    csats: dict[AgentKey, list[str]] = defaultdict(list)
    for key, ticket in by_ticket.items():
        rating = latest.get(key)
        if rating is not None:
            agent = rating.agent_external_id or ticket.agent_external_id
            csats[(ticket.source, agent)].append(rating.csat)
        elif ticket.csat is not None:
            csats[(ticket.source, ticket.agent_external_id)].append(ticket.csat)
    answers: dict[AgentKey, list[SurveyAnswer]] = defaultdict(list)
    for answer in surveys:
        if period.contains(answer.answered_at):
            answers[(answer.source, answer.agent_external_id)].append(answer)
    agents = set(solved) | set(csats) | set(answers)
    return {agent: _figures(solved.get(agent, []), csats.get(agent, []), answers.get(agent, []))
            for agent in agents}


def _later(candidate: datetime | None, known: datetime | None) -> bool:
    if candidate is None:
        return known is None
    return known is None or candidate >= known


def ticket_metrics(tickets: Iterable[TicketLike], period: Period, *,
                   surveys: Iterable[SurveyAnswer] = ()) -> dict[str, Any]:
    """Return every figure over all given tickets as one group (a team, or one agent's list)."""
    chosen = [ticket for ticket in tickets if _is_solved_in(ticket, period)]
    csats = [ticket.csat for ticket in chosen if ticket.csat is not None]
    answers = [answer for answer in surveys if period.contains(answer.answered_at)]
    return _figures(chosen, csats, answers)
