"""The sampling rules (pure module): the right tickets, reproducible draws, no duplicates."""

from datetime import date, timedelta

import pytest

from qa.reviews.sampling import Candidate, SamplingError, check_params, draw, week_of

MONDAY = date(2026, 3, 2)


def tickets():
    out = []
    n = 0
    for agent in (1, 2):
        for day in range(14):   # two ISO weeks, one ticket a day
            n += 1
            out.append(Candidate(n, agent, MONDAY + timedelta(days=day), csat="negative" if n % 5 == 0 else "positive",
                                 reopens=1 if n % 7 == 0 else 0, first_reply_minutes=2000 if n % 4 == 0 else 60,
                                 resolution_minutes=100 * 60 if n % 9 == 0 else 60,
                                 category="billing" if n % 3 == 0 else "delivery"))
    return out


def test_random_takes_n_per_agent_per_week():
    drawn = draw("random", {"per_agent": 3}, 42, tickets())
    by_group = {}
    for t in tickets():
        if t.id in drawn:
            by_group.setdefault((t.agent_id, week_of(t.solved_on)), []).append(t.id)
    assert sorted(by_group) == [(1, "2026-W10"), (1, "2026-W11"), (2, "2026-W10"), (2, "2026-W11")]
    assert all(len(ids) == 3 for ids in by_group.values())


def test_random_takes_all_of_a_small_group():
    few = [Candidate(1, 1, MONDAY), Candidate(2, 1, MONDAY)]
    assert draw("random", {"per_agent": 5}, 1, few) == [1, 2]


def test_same_seed_same_draw_other_seed_other_draw():
    first = draw("random", {"per_agent": 2}, 7, tickets())
    assert draw("random", {"per_agent": 2}, 7, list(reversed(tickets()))) == first
    assert any(draw("random", {"per_agent": 2}, seed, tickets()) != first for seed in range(8, 14))


def test_filter_rules_pick_the_right_tickets():
    all_ = tickets()
    assert draw("low_csat", {}, 1, all_) == [t.id for t in all_ if t.csat == "negative"]
    assert draw("reopened", {}, 1, all_) == [t.id for t in all_ if t.reopens > 0]
    assert draw("category", {"category": "billing"}, 1, all_) == [t.id for t in all_ if t.category == "billing"]
    slow = [t.id for t in all_ if t.first_reply_minutes > 1440 or t.resolution_minutes > 72 * 60]
    assert draw("slow", {}, 1, all_) == slow
    assert draw("slow", {"resolution_hours": 200, "first_reply_minutes": 5000}, 1, all_) == []


def test_first_reply_of_exactly_24_hours_is_not_slow():
    edge = [Candidate(1, 1, MONDAY, first_reply_minutes=1440), Candidate(2, 1, MONDAY, first_reply_minutes=1441)]
    assert draw("slow", {}, 1, edge) == [2]


def test_limit_draws_at_random_among_matches_reproducibly():
    picked = draw("category", {"category": "delivery", "limit": 4}, 3, tickets())
    assert len(picked) == 4 and len(set(picked)) == 4
    assert all(t.category == "delivery" for t in tickets() if t.id in picked)
    assert draw("category", {"category": "delivery", "limit": 4}, 3, tickets()) == picked


def test_no_ticket_twice_even_when_given_twice():
    doubled = tickets() + tickets()
    drawn = draw("random", {"per_agent": 7}, 5, doubled)
    assert len(drawn) == len(set(drawn)) == 28


def test_unsolved_and_unlinked_tickets_are_left_out():
    assert draw("low_csat", {}, 1, [Candidate(1, None, MONDAY, csat="negative"),
                                    Candidate(2, 1, None, csat="negative")]) == []


@pytest.mark.parametrize("rule, params, field", [
    ("random", {}, "per_agent"), ("random", {"per_agent": 0}, "per_agent"), ("random", {"per_agent": "x"}, "per_agent"),
    ("category", {}, "category"), ("low_csat", {"limit": -1}, "limit"), ("nonsense", {}, "rule"),
])
def test_bad_parameters_name_the_field(rule, params, field):
    with pytest.raises(SamplingError) as error:
        check_params(rule, params)
    assert field in error.value.problems
