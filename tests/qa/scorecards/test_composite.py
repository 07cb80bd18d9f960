"""Scorecard composite (metrics.md, "Scorecard"): worked examples computed by hand, and properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.scorecards.composite import (
    COMPONENT_KEYS,
    DEFAULT_WEIGHTS,
    ComponentInput,
    CompositeError,
    check_weights,
    composite,
    mean_of,
    scorecard_row,
    share_of,
)
from qa.tickets.reference import round_half_away
from servicecraft import messages

ALL = {
    "qa_pct": 80, "mystery_shop_pct": 90, "csat_pct": 70, "fcr_pct": 60,
    "first_reply_within_24h_pct": 100, "simulation_pct": 50, "training_pct": 100,
}


def test_default_weights_are_the_specs():
    assert dict(DEFAULT_WEIGHTS) == {
        "qa_pct": 25, "mystery_shop_pct": 20, "csat_pct": 15, "fcr_pct": 10,
        "first_reply_within_24h_pct": 10, "simulation_pct": 10, "training_pct": 10,
    }
    assert set(DEFAULT_WEIGHTS) == set(COMPONENT_KEYS)
    with pytest.raises(TypeError):
        DEFAULT_WEIGHTS["qa_pct"] = 1  # type: ignore[index]


def test_every_component_with_default_weights():
    # 25*80 + 20*90 + 15*70 + 10*60 + 10*100 + 10*50 + 10*100 = 7950; / 100 = 79.5
    result = composite(ALL)
    assert result.value == 79.5
    assert result.exact == Fraction(795, 10)
    assert result.used == COMPONENT_KEYS
    assert result.left_out == ()
    assert result.note() is None


def test_null_components_are_left_out_not_zero():
    components = dict(ALL, mystery_shop_pct=None, fcr_pct=None, simulation_pct=None)
    # 25*80 + 15*70 + 10*100 + 10*100 = 5050 over weights 25+15+10+10 = 60: 84.1666... -> 84.2
    # (as zeros it would be 5050/100 = 50.5)
    result = composite(components)
    assert result.exact == Fraction(5050, 60)
    assert result.value == 84.2
    assert result.left_out == ("mystery_shop_pct", "fcr_pct", "simulation_pct")
    assert result.used == ("qa_pct", "csat_pct", "first_reply_within_24h_pct", "training_pct")
    assert result.note() == ("left out, no data in the period: mystery shopping, first-contact resolution, "
                             "simulations")


def test_a_missing_key_counts_as_null_and_other_keys_are_ignored():
    result = composite({"qa_pct": 80, "csat_pct": 70, "tickets_solved": 31, "reopen_pct": 5.0})
    # (25*80 + 15*70) / 40 = 3050 / 40 = 76.25 -> 76.3 (half away from zero)
    assert result.value == 76.3
    assert "training_pct" in result.left_out


def test_every_component_null_is_null():
    result = composite({key: None for key in COMPONENT_KEYS})
    assert result.value is None and result.exact is None
    assert result.left_out == COMPONENT_KEYS
    assert composite({}).value is None


def test_rounding_happens_at_the_end_only():
    weights = {"qa_pct": 1, "csat_pct": 1}
    # exact: (70.06 + 70.02) / 2 = 70.04 -> 70.0; rounding the parts first would give (70.1 + 70.0) / 2 -> 70.1
    assert composite({"qa_pct": 70.06, "csat_pct": 70.02}, weights).value == 70.0
    # 82.25 is exactly representable: Python's round() gives 82.2, half away from zero gives 82.3
    assert composite({"qa_pct": 82.5, "csat_pct": 82}, weights).value == 82.3


def test_component_inputs_keep_means_exact():
    qa = mean_of([80, 90.5, None])          # the None (all items N/A) is left out
    assert qa == ComponentInput(Fraction(1705, 20), 2)
    assert qa.rounded == 85.3
    training = share_of(2, 3)               # 66.666...
    assert training.count == 3 and training.value == Fraction(200, 3)
    # (25 * 85.25 + 10 * 66.666...) / 35 = 2797.9166... / 35 = 79.94047... -> 79.9
    result = composite({"qa_pct": qa, "training_pct": training, "mystery_shop_pct": mean_of([])})
    assert result.exact == (25 * Fraction(1705, 20) + 10 * Fraction(200, 3)) / 35
    assert result.value == 79.9
    assert "mystery_shop_pct" in result.left_out
    assert mean_of([]) == ComponentInput(None, 0)
    assert share_of(0, 0) == ComponentInput(None, 0)


def test_zero_weight_is_not_left_out():
    weights = dict(DEFAULT_WEIGHTS, mystery_shop_pct=0)
    result = composite(dict(ALL, mystery_shop_pct=None), weights)
    assert "mystery_shop_pct" not in result.left_out
    assert "mystery_shop_pct" not in result.used
    assert result.value == round_half_away(Fraction(7950 - 1800, 80))  # 76.875 -> 76.9
    assert result.value == 76.9


def test_weights_may_be_decimal_or_fractional():
    result = composite({"qa_pct": 90, "csat_pct": 60}, {"qa_pct": Decimal("0.5"), "csat_pct": 0.25})
    assert result.exact == 80  # (0.5*90 + 0.25*60) / 0.75


@pytest.mark.parametrize(("weights", "expected"), [
    ({}, ["every weight is zero: give at least one component a weight above zero"]),
    ({"qa_pct": 0, "csat_pct": 0.0}, ["every weight is zero: give at least one component a weight above zero"]),
    ({"qa_pct": -5, "csat_pct": 10}, ["the weight of qa_pct is -5; a weight cannot be negative"]),
    ({"qa": 25, "csat_pct": 10}, ["'qa' is not a scorecard component (use one of qa_pct, mystery_shop_pct, csat_pct, "
                                  "fcr_pct, first_reply_within_24h_pct, simulation_pct, training_pct)"]),
    ({"qa_pct": "25", "csat_pct": 10}, ["the weight of qa_pct is '25', not a number"]),
    ({"qa_pct": float("nan"), "csat_pct": True},
     ["the weight of qa_pct is nan, not a number", "the weight of csat_pct is True, not a number"]),
])
def test_check_weights(weights, expected):
    assert check_weights(weights) == expected
    with pytest.raises(CompositeError) as caught:
        composite(ALL, weights)
    assert caught.value.problems == expected


def test_good_weights_have_no_problems():
    assert check_weights(DEFAULT_WEIGHTS) == []
    assert check_weights({"qa_pct": 1}) == []


def test_bad_component_values_are_refused():
    with pytest.raises(CompositeError) as caught:
        composite(dict(ALL, qa_pct=101, csat_pct="70", fcr_pct=-0.1))
    assert caught.value.problems == [
        "qa_pct is 101, outside 0..100", "csat_pct is '70', not a number", "fcr_pct is -0.1, outside 0..100",
    ]


def test_messages_go_through_the_translator():
    french = {"%(key)s is %(value)s, outside 0..100": "%(key)s vaut %(value)s, hors de 0..100"}
    previous = messages.installed()  # the app's translator, when a test app exists: put it back
    messages.install(lambda message: french.get(message, message))
    try:
        with pytest.raises(CompositeError) as caught:
            composite({"qa_pct": 120})
    finally:
        messages.install(previous)
    assert caught.value.problems == ["qa_pct vaut 120, hors de 0..100"]


def test_scorecard_row():
    figures = {"tickets_solved": 31, "csat_pct": 70.0, "fcr_pct": None, "first_reply_within_24h_pct": 100.0}
    components = {"qa_pct": mean_of([80]), "simulation_pct": None, "training_pct": share_of(1, 1)}
    row = scorecard_row("ana@example.test", "Ana", figures, components)
    # qa 80 (25), csat 70 (15), first reply 100 (10), training 100 (10): 5050 / 60 -> 84.2
    assert row == {
        "agent": "ana@example.test", "name": "Ana", "tickets_solved": 31, "csat_pct": 70.0, "fcr_pct": None,
        "first_reply_within_24h_pct": 100.0, "qa_pct": 80.0, "mystery_shop_pct": None, "simulation_pct": None,
        "training_pct": 100.0, "composite": 84.2,
    }


percent = st.one_of(
    st.none(),
    st.integers(0, 100),
    st.floats(0, 100, allow_nan=False),
    st.fractions(0, 100, max_denominator=1000),
)


@settings(max_examples=300, deadline=None)
@given(
    components=st.fixed_dictionaries({key: percent for key in COMPONENT_KEYS}),
    weights=st.fixed_dictionaries({key: st.integers(0, 50) for key in COMPONENT_KEYS}).filter(lambda w: any(w.values())),
)
def test_composite_lies_between_the_components_it_uses(components, weights):
    result = composite(components, weights)
    used = [Fraction(repr(v)) if isinstance(v, float) else Fraction(v)
            for key, v in components.items() if v is not None and weights[key] > 0]
    assert len(used) == len(result.used)
    assert set(result.used) | set(result.left_out) == {key for key in COMPONENT_KEYS if weights[key] > 0}
    if not used:
        assert result.value is None and result.exact is None
        return
    assert min(used) <= result.exact <= max(used)
    assert round_half_away(min(used)) <= result.value <= round_half_away(max(used))
    assert result.value == round_half_away(result.exact)
