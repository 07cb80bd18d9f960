"""Reference per-agent metrics (metrics.md) on hand-computed tickets, ratings and survey answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.tickets.normalize import NormalizedTicket
from qa.tickets.reference import (
    METRIC_KEYS,
    Period,
    SurveyAnswer,
    median,
    metrics_by_agent,
    round_half_away,
    share,
    ticket_metrics,
)
from qa.tickets.sources import iter_file, iter_files
from tests.qa.tickets.helpers import Split, fixture, utc

MARCH = Period.of(date(2024, 3, 1), date(2024, 3, 31))
_ids = count(1)


def ticket(*, solved_at="2024-03-10T12:00", status="solved", agent="a1", frm=None, res=None, reopens=None,
           replies=None, csat=None, source="zendesk") -> NormalizedTicket:
    return NormalizedTicket(
        source, f"T{next(_ids)}", utc("2024-03-10T12:00"), agent, None, "email", None, status, None,
        None, None, utc(solved_at) if solved_at else None, frm, res, reopens, replies, csat, {},
    )


NOTHING = {key: None for key in METRIC_KEYS} | {"tickets_solved": 0}


def test_hand_computed_set():
    tickets = [
        ticket(frm=1440, res=90, reopens=0, replies=1, csat="positive"),
        ticket(frm=1441, res=150, reopens=1, replies=1, csat="negative"),
        ticket(frm=30, res=None, reopens=0, replies=2, csat=None),
        ticket(frm=None, res=135, reopens=None, replies=0, csat="neutral"),
        ticket(frm=None, res=None, reopens=0, replies=None, csat="positive"),
        # left out: not solved now, solved outside March, or closed without a solve time
        ticket(status="open", frm=1, replies=1, reopens=0, csat="positive"),
        ticket(solved_at="2024-04-01T00:00", frm=1, replies=1, reopens=0),
        ticket(status="closed", solved_at=None, frm=1),
    ]
    assert ticket_metrics(tickets, MARCH) == {
        "tickets_solved": 5,
        "first_reply_minutes_median": 1440.0,      # 30, 1440, 1441
        "first_reply_within_24h_pct": 66.7,        # 1440 counts (<= 1440), 1441 does not: 2 of 3
        "resolution_hours_median": 2.3,            # 1.5, 2.25, 2.5 hours -> 2.25 -> 2.3
        "fcr_pct": 33.3,                           # replies >= 1: three; one with 1 reply and 0 reopens
        "reopen_pct": 25.0,                        # 1 of 4 known reopens
        "csat_pct": 50.0,                          # 2 positive of 4 rated
        "one_touch_pct": 75.0,                     # replies < 2: three of four known
        "nps": None,
        "ces_avg": None,
    }


def test_even_count_median_is_the_mean_of_the_two_middle_values():
    tickets = [ticket(frm=m, res=r) for m, r in ((10, 60), (20, 120), (30, 180), (45, 240))]
    figures = ticket_metrics(tickets, MARCH)
    assert figures["first_reply_minutes_median"] == 25.0
    assert figures["resolution_hours_median"] == 2.5


def test_nothing_to_count_is_null_never_zero():
    assert ticket_metrics([], MARCH) == NOTHING
    lone = ticket_metrics([ticket()], MARCH)
    assert lone == NOTHING | {"tickets_solved": 1}
    zero = ticket_metrics([ticket(frm=0, res=0, reopens=0, replies=1, csat="negative")], MARCH)
    assert (zero["first_reply_minutes_median"], zero["reopen_pct"], zero["csat_pct"]) == (0.0, 0.0, 0.0)


def test_period_edges_in_a_non_utc_time_zone():
    moscow = Period.of(date(2024, 3, 1), date(2024, 3, 31), "Europe/Moscow")  # UTC+3
    first_minute = ticket(solved_at="2024-02-29T21:00")      # 1 March 00:00 in Moscow
    last_second = ticket(solved_at="2024-03-31T20:59:59")    # 31 March 23:59:59 in Moscow
    next_month = ticket(solved_at="2024-03-31T21:00")        # 1 April 00:00 in Moscow
    assert ticket_metrics([first_minute, last_second, next_month], moscow)["tickets_solved"] == 2
    assert ticket_metrics([first_minute, last_second, next_month], MARCH)["tickets_solved"] == 2
    assert not MARCH.contains(first_minute.solved_at) and MARCH.contains(next_month.solved_at)
    start, after = moscow.bounds_utc()
    assert (start, after) == (utc("2024-02-29T21:00"), utc("2024-03-31T21:00"))


def test_single_day_period_and_bad_periods():
    day = Period.of(date(2024, 3, 4), date(2024, 3, 4), "Europe/Moscow")
    assert day.contains(utc("2024-03-03T22:00")) and not day.contains(utc("2024-03-03T20:59"))
    with pytest.raises(ValueError, match="ends"):
        Period.of(date(2024, 3, 2), date(2024, 3, 1))
    with pytest.raises(ValueError, match="not a time zone"):
        Period.of(date(2024, 3, 1), date(2024, 3, 2), "Mars/Olympus")


def test_nps_and_effort_from_survey_answers_in_the_period():
    def answer(agent, when, nps=None, ces=None):
        return SurveyAnswer("zendesk", agent, utc(when), nps, ces)

    answers = [answer("a1", "2024-03-02T10:00", 10, 5), answer("a1", "2024-03-03T10:00", 10, 6),
               answer("a1", "2024-03-04T10:00", 3, 6), answer("a1", "2024-03-05T10:00", None, 7),
               answer("a1", "2024-04-02T10:00", 0, 1),  # April: left out
               answer("a2", "2024-03-02T10:00", 0), answer("a2", "2024-03-02T11:00", 5),
               answer("a2", "2024-03-02T12:00", 9), answer("a2", "2024-03-02T13:00", 8)]
    figures = metrics_by_agent([], MARCH, surveys=answers)
    assert (figures[("zendesk", "a1")]["nps"], figures[("zendesk", "a1")]["ces_avg"]) == (33.3, 6.0)  # (2-1)/3
    assert figures[("zendesk", "a2")]["nps"] == -25.0  # promoters 1, detractors 2, passive 1
    assert figures[("zendesk", "a2")]["ces_avg"] is None
    assert figures[("zendesk", "a1")]["tickets_solved"] == 0
    with pytest.raises(ValueError):
        SurveyAnswer("zendesk", "a1", utc("2024-03-02T10:00"), nps=11)


def test_zendesk_fixture_metrics_with_ratings_crediting_the_agent_at_rating_time():
    tickets = Split(iter_file("zendesk", fixture("zendesk_incremental_time.json"))).tickets
    ratings = Split(iter_file("zendesk", fixture("zendesk_satisfaction_ratings.json"))).ratings
    sam, kim = ("zendesk", "235323"), ("zendesk", "235324")
    plain = metrics_by_agent(tickets, MARCH)
    assert plain[sam] == {
        "tickets_solved": 1, "first_reply_minutes_median": 30.0, "first_reply_within_24h_pct": 100.0,
        "resolution_hours_median": 24.0, "fcr_pct": 100.0, "reopen_pct": 0.0, "csat_pct": 100.0,
        "one_touch_pct": 100.0, "nps": None, "ces_avg": None}
    assert plain[kim] == {
        "tickets_solved": 1, "first_reply_minutes_median": 1500.0, "first_reply_within_24h_pct": 0.0,
        "resolution_hours_median": 48.0, "fcr_pct": 0.0, "reopen_pct": 100.0, "csat_pct": 0.0,
        "one_touch_pct": 0.0, "nps": None, "ces_avg": None}
    # Rating 62 of Sam's ticket 35436 names Kim, the assignee when it was given.
    rated = metrics_by_agent(tickets, MARCH, ratings=ratings)
    assert rated[sam]["csat_pct"] is None and rated[sam]["tickets_solved"] == 1
    assert rated[kim]["csat_pct"] == 50.0


def test_freshdesk_fixture_metrics():
    got = Split(iter_files("freshdesk", [fixture("freshdesk_tickets.json"), fixture("freshdesk_satisfaction_ratings.json")]))
    figures = metrics_by_agent(got.tickets, MARCH, ratings=got.ratings)
    assert figures[("freshdesk", "43000123")] == {
        "tickets_solved": 2, "first_reply_minutes_median": 765.0,  # 90 and 1440
        "first_reply_within_24h_pct": 100.0, "resolution_hours_median": 27.0,  # 6 h and 48 h
        "fcr_pct": None, "reopen_pct": 50.0, "csat_pct": 50.0,  # positive and neutral
        "one_touch_pct": None, "nps": None, "ces_avg": None}
    assert figures[("freshdesk", "43000456")]["csat_pct"] == 0.0
    assert figures[("freshdesk", "43000456")]["resolution_hours_median"] == 1.0
    assert ("freshdesk", None) not in figures  # ticket 103 is open


@pytest.mark.parametrize(("value", "expected"), [
    (2.25, 2.3), (0.05, 0.1), (-2.25, -2.3), (0.15, 0.2), (2.35, 2.4), (1.04999, 1.0), (0, 0.0),
    (Fraction(200, 3), 66.7), (Decimal("12.45"), 12.5), (None, None),
])
def test_round_half_away_from_zero(value, expected):
    assert round_half_away(value) == expected


def test_share_and_median_helpers():
    assert share(1, 8) == Fraction(25, 2) and share(0, 0) is None
    assert round_half_away(share(1, 16)) == 6.3
    assert median([]) is None and median([3]) == 3 and median([1, 2]) == Fraction(3, 2)
    assert median([2.2, 2.3]) == Fraction(9, 4)  # exact: no float noise before the final rounding


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(finite)
def test_rounding_matches_decimal_half_up_and_is_symmetric(value):
    expected = float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    result = round_half_away(value)
    assert result == expected
    assert round_half_away(-value) == -result
    assert round_half_away(result) == result
    assert abs(Fraction(repr(result)) - Fraction(repr(value))) <= Fraction(1, 20)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=40), st.randoms())
def test_median_is_order_free_and_between_the_extremes(values, rnd):
    shuffled = values[:]
    rnd.shuffle(shuffled)
    middle = median(values)
    assert middle == median(shuffled)
    assert min(values) <= middle <= max(values)
    below = sum(1 for v in values if v < middle)
    above = sum(1 for v in values if v > middle)
    assert below <= len(values) // 2 and above <= len(values) // 2
    if len(values) % 2:
        assert middle in values


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.booleans()), max_size=30))
def test_period_membership_partitions_tickets_by_local_date(items):
    moscow = "Europe/Moscow"
    base = datetime(2024, 2, 28, 0, 0, tzinfo=utc("2024-01-01T00:00").tzinfo)
    tickets = [ticket(solved_at=(base + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M")) for h, _ in items]
    first = Period.of(date(2024, 2, 1), date(2024, 2, 29), moscow)
    second = Period.of(date(2024, 3, 1), date(2024, 12, 31), moscow)
    both = Period.of(date(2024, 2, 1), date(2024, 12, 31), moscow)
    assert (ticket_metrics(tickets, first)["tickets_solved"] + ticket_metrics(tickets, second)["tickets_solved"]
            == ticket_metrics(tickets, both)["tickets_solved"] == len(tickets))
