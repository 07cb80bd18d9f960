"""Evaluation scores exactly as metrics.md defines them."""

import pytest

from qa.evaluations.formfile import parse_form
from qa.evaluations.scoring import (
    NA,
    AnswerError,
    round_half_away,
    score_evaluation,
    validate_answers,
)
from tests.qa.evaluations.helpers import example_form, full_marks


def score(**changes):
    answers = {**full_marks(), **changes}
    return score_evaluation(example_form(), answers)


def test_full_marks_score_100():
    result = score()
    assert result.score == 100.0
    assert result.critical_fail is False


def test_weighted_formula():
    # weights: answer_time 2, greeting 1, identified 1, listened 3, polite 2, overall 1 = 10
    # listened 2/4 loses 1.5 of weight 3; greeting "no" loses 1 -> 7.5 / 10
    result = score(listened=2, greeting=False)
    assert result.score == 75.0
    assert result.per_item["listened"].value == 2
    assert result.per_item["listened"].max == 4
    assert result.per_item["listened"].weight == 3
    assert "100 × 7.5 ÷ 10 = 75.0" in result.explanation


def test_stars_map_1_to_5_onto_0_to_4():
    assert score(overall=1).per_item["overall"].value == 0
    assert score(overall=5).per_item["overall"].value == 4
    # 3 stars = 2 of 4 -> loses 0.5 of weight 1 -> 95.0
    assert score(overall=3).score == 95.0
    assert score(overall=1).score == 90.0


@pytest.mark.parametrize("seconds, points", [(0, 1), (59.9, 1), (60, 1), (60.01, 0), (600, 0)])
def test_timer_threshold_counts_within_as_yes(seconds, points):
    result = score(answer_time=seconds)
    assert result.per_item["answer_time"].value == points
    assert result.score == (100.0 if points else 80.0)


def test_timer_without_threshold_is_information_only():
    assert score(hold_time=5).score == score(hold_time=5000).score == 100.0
    assert "hold_time" not in score(hold_time=5).per_item


def test_information_items_do_not_count():
    result = score(notes="rude music on hold", receipt=["r.jpg"], recording=["call.mp3"])
    assert result.score == 100.0
    assert set(result.per_item) == {"answer_time", "greeting", "identified", "listened",
                                    "polite", "overall"}


def test_na_item_is_left_out_of_both_sums():
    # Without "identified" (weight 1): greeting no -> 8 / 9 = 88.9
    result = score(identified=NA, greeting=False)
    assert result.score == 88.9
    assert result.per_item["identified"].na is True
    assert result.per_item["identified"].value is None
    assert "Left out as N/A: identified" in result.explanation


def test_empty_answer_on_na_item_counts_as_na():
    answers = full_marks()
    del answers["identified"]
    assert score_evaluation(example_form(), answers).per_item["identified"].na is True


def test_all_na_gives_null_score():
    form = parse_form("""
format: 1
id: tiny
title: Tiny
kind: review
channel: chat
languages: [en]
sections:
  - title: Only
    items:
      - {id: a, type: yes_no, text: A, na: true}
      - {id: b, type: scale, max: 3, text: B, na: true, weight: 2}
      - {id: c, type: text, text: C}
""", "tiny.yaml")
    result = score_evaluation(form, {"a": NA, "b": "na", "c": "nothing to judge"})
    assert result.score is None
    assert result.exact is None
    assert result.critical_fail is False
    assert "no score" in result.explanation


def test_critical_item_at_lowest_value_zeroes_the_score():
    result = score(polite=False)
    assert result.score == 0.0
    assert result.critical_fail is True
    assert result.critical_failed_items == ("polite",)
    assert "critical fail" in result.explanation


def test_critical_scale_and_stars_fail_only_at_their_lowest():
    form = parse_form("""
format: 1
id: crit
title: Crit
kind: review
channel: email
languages: [en]
sections:
  - title: S
    items:
      - {id: s, type: scale, max: 3, text: S, critical: true}
      - {id: r, type: stars, text: R, critical: true}
      - {id: t, type: timer, threshold: 10, text: T, critical: true, na: true}
""", "crit.yaml")
    assert score_evaluation(form, {"s": 1, "r": 2, "t": 10}).critical_fail is False
    assert score_evaluation(form, {"s": 0, "r": 5, "t": 1}).critical_fail is True
    assert score_evaluation(form, {"s": 3, "r": 1, "t": 1}).critical_fail is True
    assert score_evaluation(form, {"s": 3, "r": 5, "t": 11}).critical_fail is True
    # A critical item answered N/A is not a fail.
    result = score_evaluation(form, {"s": 3, "r": 5, "t": NA})
    assert (result.critical_fail, result.score) == (False, 100.0)


def test_rounding_is_half_away_from_zero_on_the_exact_value():
    form = parse_form("""
format: 1
id: rounding
title: R
kind: review
channel: email
languages: [en]
sections:
  - title: S
    items:
      - {id: a, type: yes_no, text: A, weight: 0.25}
      - {id: b, type: yes_no, text: B, weight: 0.75}
      - {id: c, type: yes_no, text: C, weight: 1}
      - {id: d, type: scale, max: 3, text: D}
""", "r.yaml")
    # (0.75 + 1) / 3 * 100 = 58.333.. -> 58.3
    assert score_evaluation(form, {"a": False, "b": True, "c": True, "d": 0}).score == 58.3
    # 2/3 of weight 1 + 1 + 0.25 over 3 -> 63.888.. -> 63.9
    assert score_evaluation(form, {"a": True, "b": False, "c": True, "d": 2}).score == 63.9
    assert round_half_away(0.25) == 0.3
    assert round_half_away(0.35) == 0.4   # binary 0.35 is below .35; decimal reading rounds up
    assert round_half_away(-0.25) == -0.3
    assert round_half_away(2.675, 2) == 2.68


def test_exact_half_rounds_up():
    form = parse_form("""
format: 1
id: half2
title: H
kind: review
channel: email
languages: [en]
sections:
  - title: S
    items:
      - {id: a, type: scale, max: 2000, text: A}
""", "h.yaml")
    # In binary floats 50.05 and 49.95 are not exact halves; the exact arithmetic keeps them so.
    assert score_evaluation(form, {"a": 1001}).score == 50.1    # 50.05 -> 50.1
    assert score_evaluation(form, {"a": 999}).score == 50.0     # 49.95 -> 50.0
    assert score_evaluation(form, {"a": 3}).score == 0.2        # 0.15 -> 0.2
    assert score_evaluation(form, {"a": 999}).exact == pytest.approx(49.95)


def test_validate_answers_reports_every_problem():
    answers = {
        "answer_time": -3,         # negative seconds
        "greeting": "yes",         # yes/no written as a word
        "identified": 1,           # yes/no written as a number
        "listened": 5,             # above max 4
        "polite": NA,              # N/A where not allowed
        "overall": 0,              # stars are 1..5
        "hold_time": "long",       # not seconds
        "notes": 12,               # not text
        "receipt": "r.jpg",        # not a list
        "ghost": True,             # no such item
    }
    problems = {p.item_id: p.message for p in validate_answers(example_form(), answers)}
    assert problems == {
        "ghost": "is not an item of this form",
        "answer_time": "must be a number of seconds, 0 or more",
        "greeting": "must be answered yes or no",
        "identified": "must be answered yes or no",
        "listened": "must be a whole number from 0 to 4",
        "polite": "cannot be answered N/A",
        "overall": "must be a whole number of stars from 1 to 5",
        "hold_time": "must be a number of seconds, 0 or more",
        "notes": "must be text",
        "receipt": "must be a list of file names",
    }


def test_empty_required_scored_items_are_problems():
    problems = validate_answers(example_form(), {"greeting": "", "listened": None})
    assert sorted(p.item_id for p in problems) == ["answer_time", "greeting", "listened",
                                                    "overall", "polite"]
    assert all(p.message == "needs an answer" for p in problems)


def test_scale_rejects_booleans_and_fractions():
    problems = validate_answers(example_form(), {**full_marks(), "listened": True, "overall": 4.5})
    assert {p.item_id for p in problems} == {"listened", "overall"}


def test_score_refuses_invalid_answers():
    with pytest.raises(AnswerError) as caught:
        score_evaluation(example_form(), {**full_marks(), "greeting": "да"})
    assert "item greeting: must be answered yes or no" in str(caught.value)


def test_text_answer_na_is_just_text():
    assert score(notes="na").score == 100.0
