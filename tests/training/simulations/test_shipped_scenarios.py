"""The scenarios shipped in scenarios/ are valid, varied, and their model path scores 100."""

from __future__ import annotations

import pytest

from training.simulations.engine import (
    Choice,
    Classify,
    Reply,
    available_actions,
    full_mentor_points,
    model_path,
    score,
    start,
    step,
)
from training.simulations.scenario import load_scenario

from .helpers import SCENARIOS

FILES = sorted(SCENARIOS.glob("*.yaml"))
REQUIRED = {
    "double-charge", "unstable-connection", "refund-not-allowed", "insulting-customer",
    "elderly-customer", "late-delivery", "rude-branch-staff", "existing-customer-ignored",
}


def test_at_least_eight_scenarios_cover_the_brief():
    ids = {path.stem for path in FILES}
    assert REQUIRED <= ids and len(FILES) >= 8
    scenarios = [load_scenario(path) for path in FILES]
    assert {s.channel for s in scenarios} == {"phone", "chat", "email", "office", "social"}
    assert {s.difficulty for s in scenarios} == {1, 2, 3}
    assert len({s.category for s in scenarios}) >= 8
    assert all(s.languages[:2] == ("en", "ru") for s in scenarios)
    assert sum(1 for s in scenarios if {"uk", "ja"} <= set(s.languages)) >= 2


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_shipped_scenario_is_valid_and_its_model_path_scores_100(path):
    scenario = load_scenario(path)
    assert scenario.id == path.stem
    state = start(scenario)
    for action in model_path(scenario):
        state = step(scenario, state, action)
    assert state.finished and state.outcome in ("resolved", "escalated")
    result = score(scenario, state, full_mentor_points(scenario, state))
    assert result.score == 100.0 and result.passed is True


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_shipped_scenario_has_a_reply_a_classify_feedback_and_a_way_to_lose(path):
    scenario = load_scenario(path)
    kinds = [node.kind for node in scenario.nodes.values()]
    assert "reply" in kinds and "classify" in kinds
    replies = [n.reply for n in scenario.nodes.values() if n.kind == "reply"]
    assert all(r.hints and set(r.hints) == set(r.criteria) for r in replies)
    options = [c for n in scenario.nodes.values() for c in n.choices]
    assert all(c.feedback for c in options)
    assert any(c.mood > 0 for c in options)
    # Explore every route (right category, any reply): some bad route loses the customer.
    outcomes, stack = set(), [start(scenario)]
    while stack:
        state = stack.pop()
        if state.finished:
            outcomes.add((state.outcome, state.hung_up))
            continue
        offer = available_actions(scenario, state)
        if offer.kind == "choices":
            actions = offer.actions
        elif offer.kind == "classify":
            actions = (Classify(scenario.nodes[state.node].classify.answer),)
        else:
            actions = (Reply("Thank you"),)
        stack.extend(step(scenario, state, action) for action in actions)
    assert ("lost", True) in outcomes or ("lost", False) in outcomes
    assert any(outcome != "lost" for outcome, _ in outcomes)


def test_most_shipped_scenarios_can_end_with_the_customer_hanging_up():
    hung_up = 0
    for path in FILES:
        scenario = load_scenario(path)
        stack = [start(scenario)]
        found = False
        while stack and not found:
            state = stack.pop()
            if state.finished:
                found = state.hung_up
                continue
            offer = available_actions(scenario, state)
            actions = offer.actions if offer.kind == "choices" else (
                (Classify(scenario.nodes[state.node].classify.answer),)
                if offer.kind == "classify" else (Reply("ok"),))
            stack.extend(step(scenario, state, a) for a in actions)
        hung_up += found
    assert hung_up >= len(FILES) - 1


def test_replaying_a_path_gives_the_same_state_every_time():
    # Steps are pure: the player replays a stored transcript to rebuild where a learner is.
    scenario = load_scenario(SCENARIOS / "double-charge.yaml")
    actions = model_path(scenario)
    assert isinstance(actions[0], Choice)
    finals = []
    for _ in range(3):
        state = start(scenario)
        for action in actions:
            state = step(scenario, state, action)
        finals.append(state)
    assert finals[0] == finals[1] == finals[2]
