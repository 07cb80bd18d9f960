"""Playing an attempt: mood, hang-up, steps, errors, state storage, scoring and hints."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from training.simulations.engine import (
    MAX_REPLY_LENGTH,
    Choice,
    Classify,
    GradeError,
    Reply,
    State,
    StateError,
    StepError,
    available_actions,
    full_mentor_points,
    model_path,
    reply_hints,
    round_half_away,
    score,
    start,
    step,
)

from .helpers import EXAMPLE, example_data, parse

BEST = [Choice(0), Classify("payment/billing-error"), Choice(0), Reply("Anything else? Bye.")]


@pytest.fixture()
def scenario():
    return parse(EXAMPLE)


def play(scenario, actions):
    state = start(scenario)
    for action in actions:
        state = step(scenario, state, action)
    return state


# --- Playing --------------------------------------------------------------------------------

def test_start_applies_persona_mood_and_start_node_change():
    data = example_data()
    data["nodes"]["opening"]["mood"] = 5
    state = start(parse(data))
    assert (state.node, state.mood, state.finished, state.steps) == ("opening", 75, False, ())


def test_the_best_path_of_the_spec_example(scenario):
    state = play(scenario, BEST)
    assert state.finished and state.outcome == "resolved" and not state.hung_up
    assert state.node == "done"
    assert state.mood == 25  # 70 - 15 - 30
    assert [s.node for s in state.steps] == ["opening", "file", "offer", "close"]
    assert state.steps[0].choice == 0 and state.steps[0].points == {"acknowledge": 2}
    assert state.steps[0].mood == 55
    assert state.steps[1].category == "payment/billing-error"
    assert state.steps[3].reply == "Anything else? Bye."

    pending = score(scenario, state)
    assert pending.awaiting_review and pending.passed is None and pending.ungraded == ("close",)
    assert pending.points == {"acknowledge": 2, "solution": 2, "categorize": 2, "closing": 0}
    assert pending.score == 75.0

    graded = score(scenario, state, {"close": {"closing": 2}})
    assert graded.score == 100.0 and graded.passed is True and not graded.awaiting_review


def test_mentor_points_count_and_decide_the_pass(scenario):
    state = play(scenario, BEST)
    assert score(scenario, state, {"close": {"closing": 1}}).score == 87.5
    data = example_data()
    data["pass_score"] = 90
    strict = parse(data)
    result = score(strict, play(strict, BEST), {"close": {"closing": 1}})
    assert result.score == 87.5 and result.passed is False


def test_mood_is_clamped_between_0_and_100():
    data = example_data()
    data["nodes"]["opening"]["choices"][0]["mood"] = -500
    scenario = parse(data)
    state = step(scenario, start(scenario), Choice(0))
    assert state.mood == 0
    state = step(scenario, state, Classify("payment/billing-error"))
    state = step(scenario, state, Choice(0))
    assert state.mood == 0


def test_a_bad_choice_can_make_the_customer_hang_up_and_the_attempt_is_lost():
    data = example_data()
    data["nodes"]["opening"]["choices"][1]["mood"] = 30  # 70 + 30 reaches 100
    scenario = parse(data)
    state = step(scenario, start(scenario), Choice(1))
    assert state.finished and state.hung_up and state.outcome == "lost" and state.mood == 100
    assert state.node == "opening"  # the next node is never reached
    assert available_actions(scenario, state).kind == "finished"
    with pytest.raises(StepError, match="already ended"):
        step(scenario, state, Choice(0))
    result = score(scenario, state)
    assert result.passed is False and result.outcome == "lost"


def test_reaching_a_node_can_make_the_customer_hang_up():
    data = example_data()
    data["persona"]["hangup_at"] = 90
    data["nodes"]["opening"]["choices"][1]["mood"] = 10
    data["nodes"]["opening"]["choices"][1]["scores"] = {"acknowledge": 1}
    data["nodes"]["file"]["mood"] = 10  # 70 + 10 + 10 reaches 90 on arrival
    data["nodes"]["opening"]["choices"][0]["mood"] = -20
    scenario = parse(data)
    state = step(scenario, start(scenario), Choice(1))
    assert state.hung_up and state.outcome == "lost" and state.node == "file" and state.mood == 90
    assert state.points == {"acknowledge": 1}  # earned before the hang-up, still counted
    assert score(scenario, state).points["acknowledge"] == 1


def test_a_lost_attempt_never_passes_even_with_full_points():
    data = example_data()
    data["nodes"]["done"]["end"]["outcome"] = "lost"
    scenario = parse(data)
    state = play(scenario, BEST)
    result = score(scenario, state, full_mentor_points(scenario, state))
    assert result.score == 100.0 and result.passed is False


def test_negative_points_clamp_to_zero_and_extra_points_to_max():
    data = example_data()
    opening = data["nodes"]["opening"]["choices"]
    opening[0]["scores"] = {"acknowledge": 5}
    opening[1]["scores"] = {"acknowledge": -3, "solution": -4}
    scenario = parse(data)
    low = play(scenario, [Choice(1), Classify("payment/billing-error"), Choice(0), Reply("ok")])
    assert low.points == {"acknowledge": -3, "solution": -2, "categorize": 2}  # raw sums
    assert score(scenario, low).points == {"acknowledge": 0, "solution": 0, "categorize": 2,
                                           "closing": 0}
    high = play(scenario, BEST)
    assert score(scenario, high).points["acknowledge"] == 2


@pytest.mark.parametrize("category, points", [
    ("payment/billing-error", 2), ("payment/refund", 1), ("order/delivery", 0)])
def test_classify_full_half_or_no_points(scenario, category, points):
    state = play(scenario, [Choice(0), Classify(category)])
    assert state.steps[-1].points == {"categorize": points}
    assert score(scenario, state).points["categorize"] == points


def test_half_of_an_odd_number_of_points_is_kept_exactly():
    data = example_data()
    data["nodes"]["file"]["classify"]["points"] = 3
    data["rubric"][2]["max"] = 3
    scenario = parse(data)
    state = play(scenario, [Choice(0), Classify("payment/refund"), Choice(0), Reply("Thanks")])
    result = score(scenario, state, {"close": {"closing": 2}})
    assert result.points["categorize"] == 1.5
    assert result.score == 83.3  # 100 * 7.5 / 9 = 83.33...


def test_score_rounds_half_away_from_zero_not_to_even():
    assert round_half_away(Fraction(125, 10)) == 12.5
    assert round_half_away(Fraction(125, 1000)) == 0.1   # 0.125 -> 0.1
    assert round_half_away(Fraction(5, 100)) == 0.1      # banker's rounding would give 0.0
    assert round_half_away(Fraction(-5, 100)) == -0.1
    assert round_half_away(Fraction(200, 3)) == 66.7
    data = example_data()
    data["rubric"][3]["max"] = 10  # 16 points in all
    scenario = parse(data)
    state = play(scenario, [Choice(1), Classify("payment/refund"), Choice(0), Reply("Bye")])
    # 1 (half of classify) + 2 (solution) + 2 (mentor) = 5 of 16 = 31.25 %
    assert round(31.25, 1) == 31.2  # what Python's round() would wrongly show
    assert score(scenario, state, {"close": {"closing": 2}}).score == 31.3


def test_unfinished_attempt_scores_without_a_verdict(scenario):
    state = play(scenario, [Choice(0)])
    result = score(scenario, state)
    assert not result.finished and result.passed is None and result.score == 25.0


# --- Step errors ----------------------------------------------------------------------------------

def test_wrong_action_for_the_node(scenario):
    state = start(scenario)
    with pytest.raises(StepError, match="node opening expects picking one of the choices"):
        step(scenario, state, Classify("payment/refund"))
    with pytest.raises(StepError, match="expects"):
        step(scenario, state, Reply("hello"))
    state = step(scenario, state, Choice(0))
    with pytest.raises(StepError, match="node file expects filing"):
        step(scenario, state, Choice(0))


@pytest.mark.parametrize("index", [-1, 2, 99, True, "0", None])
def test_choice_index_out_of_range(scenario, index):
    with pytest.raises(StepError, match="choices 0 to 1"):
        step(scenario, start(scenario), Choice(index))


def test_unknown_category_is_refused(scenario):
    state = step(scenario, start(scenario), Choice(0))
    with pytest.raises(StepError, match="not a request category"):
        step(scenario, state, Classify("payment"))


def test_reply_length_and_emptiness(scenario):
    state = play(scenario, [Choice(0), Classify("payment/billing-error"), Choice(0)])
    with pytest.raises(StepError, match="5000"):
        step(scenario, state, Reply("x" * (MAX_REPLY_LENGTH + 1)))
    with pytest.raises(StepError, match="empty"):
        step(scenario, state, Reply("   "))
    with pytest.raises(StepError, match="must be text"):
        step(scenario, state, Reply(None))  # type: ignore[arg-type]
    done = step(scenario, state, Reply("x" * MAX_REPLY_LENGTH))
    assert done.finished


def test_not_an_action(scenario):
    with pytest.raises(StepError, match="not a step"):
        step(scenario, start(scenario), "0")  # type: ignore[arg-type]


def test_a_state_of_another_scenario_is_refused(scenario):
    other = State(scenario="late-delivery", node="opening", mood=10)
    with pytest.raises(StateError, match="late-delivery"):
        step(scenario, other, Choice(0))


def test_steps_never_change_the_previous_state(scenario):
    first = start(scenario)
    second = step(scenario, first, Choice(0))
    assert first.steps == () and first.node == "opening" and second.node == "file"


# --- State storage --------------------------------------------------------------------------------

def test_state_round_trips_through_json(scenario):
    state = play(scenario, [Choice(0), Classify("payment/refund"), Choice(0), Reply("Thank you")])
    stored = json.loads(json.dumps(state.to_dict()))
    restored = State.from_dict(stored)
    assert restored == state
    assert score(scenario, restored).points == score(scenario, state).points


def test_state_restored_midway_continues(scenario):
    state = State.from_dict(json.loads(json.dumps(play(scenario, [Choice(1)]).to_dict())))
    state = step(scenario, state, Classify("payment/billing-error"))
    assert state.node == "offer" and state.mood == 95


@pytest.mark.parametrize("bad", [
    None, [], {"scenario": "double-charge"},
    {"scenario": "double-charge", "node": "opening", "mood": "x"},
    {"scenario": "double-charge", "node": "opening", "mood": 500},
    {"scenario": "double-charge", "node": "opening", "mood": 5, "steps": [{"node": 1}]},
    {"scenario": "double-charge", "node": "opening", "mood": 5, "points": {"a": "b"}},
    {"scenario": "double-charge", "node": "opening", "mood": 5, "outcome": "won"},
    {"scenario": "double-charge", "node": "opening", "mood": 5, "version": 9},
])
def test_malformed_stored_state_gives_a_message(bad):
    with pytest.raises(StateError, match="cannot be read"):
        State.from_dict(bad)


def test_a_stored_node_that_no_longer_exists(scenario):
    state = State(scenario="double-charge", node="gone", mood=10)
    with pytest.raises(StateError, match="gone"):
        step(scenario, state, Choice(0))


# --- Available actions, grades, model path, hints -----------------------------------------------

def test_available_actions_follow_the_node(scenario):
    state = start(scenario)
    choices = available_actions(scenario, state)
    assert choices.kind == "choices" and choices.actions == (Choice(0), Choice(1))
    assert choices.texts[1]["en"] == "Did you read the tariff terms?"
    state = step(scenario, state, Choice(0))
    classify = available_actions(scenario, state)
    assert classify.kind == "classify" and Classify("payment/billing-error") in classify.actions
    state = play(scenario, BEST[:3])
    reply = available_actions(scenario, state)
    assert reply.kind == "reply" and reply.prompt["ru"] == "Завершите разговор." and not reply.actions


@pytest.mark.parametrize("grades, words", [
    ({"offer": {"solution": 2}}, "not a reply node"),
    ({"close": {"solution": 2}}, "not scored on 'solution'"),
    ({"close": {"closing": 3}}, "from 0 to 2"),
    ({"close": {"closing": -1}}, "from 0 to 2"),
    ({"close": {"closing": "2"}}, "from 0 to 2"),
    ({"nowhere": {"closing": 1}}, "not a reply node"),
])
def test_grades_that_do_not_fit_are_refused(scenario, grades, words):
    with pytest.raises(GradeError, match=words):
        score(scenario, play(scenario, BEST), grades)


def test_grades_for_a_reply_not_given_are_refused(scenario):
    state = play(scenario, [Choice(0)])
    with pytest.raises(GradeError, match="not a reply the trainee gave"):
        score(scenario, state, {"close": {"closing": 1}})


def test_model_path_plays_to_full_marks(scenario):
    actions = model_path(scenario)
    assert actions[:3] == [Choice(0), Classify("payment/billing-error"), Choice(0)]
    assert isinstance(actions[3], Reply) and actions[3].text
    state = play(scenario, actions)
    result = score(scenario, state, full_mentor_points(scenario, state))
    assert result.score == 100.0 and result.passed and state.outcome == "resolved"


def test_reply_hints_match_phrases_ignoring_case():
    data = example_data()
    data["nodes"]["close"]["reply"]["hints"] = {"closing": ["Anything else", "СПАСИБО", "3 days"]}
    scenario = parse(data)
    assert reply_hints(scenario, "close", "Is there ANYTHING ELSE? Спасибо!") == {
        "closing": ["Anything else", "СПАСИБО"]}
    assert reply_hints(scenario, "close", "Bye") == {"closing": []}
    with pytest.raises(StepError, match="not a reply node"):
        reply_hints(scenario, "offer", "text")
