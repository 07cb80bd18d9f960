"""Bonus rounds (metrics.md, "Bonus rounds"): eligibility, ranking, proposal, departures, budget split."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.scorecards.bonus import (
    DEFAULT_RULES,
    BonusError,
    BonusRules,
    Candidate,
    Departure,
    check_departure_reasons,
    check_rules,
    departures,
    eligibility,
    propose,
    rank,
    split_budget,
)


def person(agent, composite=80.0, *, name=None, qa=80.0, csat=80.0, tickets=30, critical=False, training=True):
    return Candidate(agent, name or agent.split("@")[0].title(), composite, qa, csat, tickets, critical, training)


def test_default_rules():
    assert DEFAULT_RULES == BonusRules(min_tickets=20, no_critical_fail=True, training_complete=True, min_composite=75)
    assert check_rules(DEFAULT_RULES) == []


def test_an_eligible_candidate_has_no_reasons():
    assert eligibility(person("ana@x.test", 75)) == []            # the threshold itself is enough
    assert eligibility(person("ana@x.test", 90, tickets=20)) == []


def test_every_reason_is_given_in_plain_words():
    candidate = person("bo@x.test", 71.24, tickets=12, critical=True, training=False)
    assert eligibility(candidate) == [
        "12 tickets solved, fewer than the 20 required",
        "a critical fail in the period",
        "required training not complete",
        "composite 71.2 is below 75",
    ]


def test_composite_threshold_is_checked_on_the_published_figure():
    assert eligibility(person("a@x.test", 74.94)) == ["composite 74.9 is below 75"]
    assert eligibility(person("a@x.test", Fraction(7495, 100))) == []   # shown as 75.0
    assert eligibility(person("a@x.test", 79.0), replace(DEFAULT_RULES, min_composite=Decimal("79.5"))) == [
        "composite 79.0 is below 79.5"]


def test_no_composite_is_a_reason():
    assert eligibility(person("a@x.test", None)) == ["no composite: no scorecard component has data for the period"]


def test_rules_can_be_changed():
    rules = replace(DEFAULT_RULES, min_tickets=5, no_critical_fail=False, training_complete=False, min_composite=60)
    assert eligibility(person("a@x.test", 61, tickets=5, critical=True, training=False), rules) == []


def test_bad_rules_and_figures_are_refused():
    assert check_rules(BonusRules(min_tickets=-1, min_composite=101)) == [
        "the minimum of tickets solved is -1, not a whole number of 0 or more",
        "the minimum composite is 101, not a number between 0 and 100",
    ]
    with pytest.raises(BonusError) as caught:
        propose([person("a@x.test", 120), person("a@x.test", tickets=-3)])
    assert caught.value.problems == [
        "a@x.test: composite is 120, not a number between 0 and 100",
        "a@x.test: tickets solved is -3, not a whole number of 0 or more",
        "a@x.test appears more than once",
    ]


def test_ties_are_broken_by_qa_then_csat_then_name():
    ranked = rank([
        person("low@x.test", 70.0),
        person("zed@x.test", 80.0, qa=90, csat=99),
        person("amy@x.test", 80.0, qa=90, csat=85),
        person("bea@x.test", 80.0, qa=90, csat=85),
        person("cal@x.test", 80.0, qa=95, csat=10),
        person("nul@x.test", 80.0, qa=None, csat=100),
        person("top@x.test", 91.0, qa=10),
        person("non@x.test", None, qa=100),
    ])
    assert [c.agent for c in ranked] == [
        "top@x.test",   # highest composite
        "cal@x.test",   # 80.0, best qa_pct
        "zed@x.test",   # 80.0, qa 90, best csat_pct
        "amy@x.test",   # 80.0, qa 90, csat 85: by name
        "bea@x.test",
        "nul@x.test",   # 80.0, qa_pct None sorts after every number
        "low@x.test",
        "non@x.test",   # no composite: last
    ]


def test_names_compare_without_case_and_csat_none_is_last():
    ranked = rank([person("b@x.test", name="bob"), person("a@x.test", name="Bea"), person("c@x.test", name="al", csat=None)])
    assert [c.name for c in ranked] == ["Bea", "bob", "al"]


def test_exact_composites_are_told_apart_before_qa():
    # both show 80.0; the exact figure decides before qa_pct is looked at
    ranked = rank([person("a@x.test", Fraction(7996, 100), qa=100), person("b@x.test", Fraction(8004, 100), qa=0)])
    assert [c.agent for c in ranked] == ["b@x.test", "a@x.test"]


def test_proposal_has_the_interface_shape():
    candidates = [
        person("ana@x.test", 88.26),
        person("bo@x.test", 92.0),
        person("cy@x.test", 95.0, critical=True),       # critical fail: excluded with that reason
        person("di@x.test", 71.24, tickets=12),
        person("ed@x.test", 75.0),
    ]
    proposal = propose(candidates)
    assert proposal.as_json() == {
        "eligible": [
            {"agent": "bo@x.test", "rank": 1, "composite": 92.0},
            {"agent": "ana@x.test", "rank": 2, "composite": 88.3},
            {"agent": "ed@x.test", "rank": 3, "composite": 75.0},
        ],
        "ineligible": [
            {"agent": "cy@x.test", "reasons": ["a critical fail in the period"]},
            {"agent": "di@x.test", "reasons": ["12 tickets solved, fewer than the 20 required",
                                                "composite 71.2 is below 75"]},
        ],
    }
    assert proposal.agents == ["bo@x.test", "ana@x.test", "ed@x.test"]
    assert [c.agent for c in proposal.ranked] == proposal.agents
    json.dumps(proposal.as_json())  # one JSON document
    assert propose([]).as_json() == {"eligible": [], "ineligible": []}


def test_departures_and_their_reasons():
    proposal = propose([person("a@x.test", 90), person("b@x.test", 85), person("c@x.test", 80),
                        person("d@x.test", 95, critical=True)])
    found = departures(proposal, ["c@x.test", "b@x.test", "x@x.test", "d@x.test"])  # reordering is no departure
    assert found == [
        Departure("x@x.test", "added"),
        Departure("d@x.test", "added", None, ("a critical fail in the period",)),
        Departure("a@x.test", "dropped", 1),
    ]
    assert departures(proposal, ["b@x.test", "a@x.test", "c@x.test"]) == []
    assert check_departure_reasons(found, {
        "x@x.test": "covered the night shift alone in March",
        "d@x.test": "   ",
        "b@x.test": "stale reason",
    }) == [
        "d@x.test was added to the final list but was not proposed: give a reason",
        "a@x.test was proposed (rank 1) but is not on the final list: give a reason",
        "a reason is given for b@x.test, who is not a departure from the proposal",
    ]
    assert check_departure_reasons(found, {"x@x.test": "a", "d@x.test": "b", "a@x.test": "c"}) == []
    with pytest.raises(BonusError):
        departures(proposal, ["a@x.test", "a@x.test"])


def test_equal_split_gives_remainder_cents_by_rank():
    parts = split_budget(Decimal("100.00"), ["a", "b", "c"])
    assert parts == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    assert list(parts) == ["a", "b", "c"]
    assert sum(parts.values()) == Decimal("100.00")
    assert split_budget("0.05", ["a", "b", "c"]) == {"a": Decimal("0.02"), "b": Decimal("0.02"), "c": Decimal("0.01")}
    assert split_budget(600, ["a", "b"]) == {"a": Decimal("300.00"), "b": Decimal("300.00")}
    assert split_budget(0, []) == {}
    assert split_budget(0, ["a"]) == {"a": Decimal("0.00")}


def test_tier_split():
    tiers = [(1, 3), (2, 2), (None, 1)]
    # 3 + 2 + 2 + 1 + 1 = 9 shares of 1000.00
    parts = split_budget(Decimal("1000"), ["a", "b", "c", "d", "e"], "tiers", tiers)
    assert parts == {"a": Decimal("333.34"), "b": Decimal("222.22"), "c": Decimal("222.22"),
                     "d": Decimal("111.11"), "e": Decimal("111.11")}
    assert sum(parts.values()) == Decimal("1000")
    # 10 cents over 2 + 1 + 1 shares: 5, 2.5, 2.5; the spare cent goes to the higher rank
    assert split_budget("0.10", ["a", "b", "c"], "tiers", [(1, 2), (None, 1)]) == {
        "a": Decimal("0.05"), "b": Decimal("0.03"), "c": Decimal("0.02")}
    # tiers longer than the list are fine
    assert split_budget(90, ["a"], "tiers", [(1, 3), (2, 2)]) == {"a": Decimal("90.00")}


@pytest.mark.parametrize(("budget", "recipients", "kwargs", "expected"), [
    (Decimal("-1"), ["a"], {}, "the budget is -1; it cannot be negative"),
    ("-0.01", ["a"], {}, "the budget is -0.01; it cannot be negative"),
    ("10.005", ["a"], {}, "the budget 10.005 has a fraction of a cent"),
    ("ten", ["a"], {}, "the budget 'ten' is not an amount of money"),
    (Decimal("NaN"), ["a"], {}, "the budget Decimal('NaN') is not an amount of money"),
    (True, ["a"], {}, "the budget True is not an amount of money"),
    (100, [], {}, "a budget of 100 needs at least one recipient"),
    (100, ["a", "a"], {}, "a appears more than once"),
    (100, ["a"], {"mode": "random"}, "'random' is not a way to split a budget (use equal or tiers)"),
    (100, ["a"], {"mode": "tiers"}, "splitting by tiers needs the tiers: (how many recipients, weight) pairs"),
    (100, ["a"], {"tiers": [(None, 1)]}, "tiers are given, but the budget is split equally"),
    (100, ["a", "b", "c"], {"mode": "tiers", "tiers": [(1, 2), (1, 1)]}, "the tiers cover 2 recipients, but there are 3"),
    (100, ["a"], {"mode": "tiers", "tiers": [(None, 2), (1, 1)]},
     "tier 1 is for None recipients; use a whole number of 1 or more, or None for the rest (last tier only)"),
    (100, ["a"], {"mode": "tiers", "tiers": [(1, 0)]}, "tier 1 has weight 0; a weight is a number above zero"),
    (100, ["a"], {"mode": "tiers", "tiers": [3]}, "tier 1 is 3, not a pair of (how many recipients, weight)"),
])
def test_bad_splits_are_refused(budget, recipients, kwargs, expected):
    with pytest.raises(BonusError) as caught:
        split_budget(budget, recipients, **kwargs)
    assert caught.value.problems == [expected]


# --- Properties ------------------------------------------------------------------------------

figure = st.one_of(st.none(), st.integers(0, 100), st.floats(0, 100, allow_nan=False), st.fractions(0, 100))


@st.composite
def candidates(draw):
    count = draw(st.integers(0, 12))
    names = st.sampled_from(["Ana", "ana", "Bo", "Cy", "Di"])
    return [Candidate(f"agent{i}@x.test", draw(names), draw(figure), draw(figure), draw(figure),
                      draw(st.integers(0, 40)), draw(st.booleans()), draw(st.booleans())) for i in range(count)]


@settings(max_examples=200, deadline=None)
@given(candidates(), st.randoms(use_true_random=False))
def test_ranking_is_a_permutation_and_does_not_depend_on_input_order(people, rnd: random.Random):
    ranked = rank(people)
    assert sorted(c.agent for c in ranked) == sorted(c.agent for c in people)
    shuffled = list(people)
    rnd.shuffle(shuffled)
    assert rank(shuffled) == ranked
    proposal = propose(people)
    assert [row["rank"] for row in proposal.eligible] == list(range(1, len(proposal.eligible) + 1))
    assert sorted([row["agent"] for row in proposal.eligible] + [row["agent"] for row in proposal.ineligible]) == \
        sorted(c.agent for c in people)
    assert all(row["reasons"] for row in proposal.ineligible)


@settings(max_examples=300, deadline=None)
@given(
    cents=st.integers(0, 10**13),
    count=st.integers(1, 40),
    tiers=st.one_of(st.none(), st.lists(st.tuples(st.integers(1, 5), st.integers(1, 10)), max_size=4)),
)
def test_split_sums_exactly_to_any_non_negative_budget(cents, count, tiers):
    budget = Decimal(cents).scaleb(-2)
    recipients = [f"r{i}" for i in range(count)]
    if tiers is None:
        parts = split_budget(budget, recipients)
    else:
        parts = split_budget(budget, recipients, "tiers", [*tiers, (None, 1)])
    values = list(parts.values())
    assert list(parts) == recipients
    assert sum(values) == budget
    assert all(v >= 0 and v == v.quantize(Decimal("0.01")) for v in values)
    if tiers is None:
        assert max(values) - min(values) <= Decimal("0.01")
        assert values == sorted(values, reverse=True)   # spare cents go to the higher ranks
