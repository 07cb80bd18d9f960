"""The pure functions behind ``servicecraft scenarios validate`` and ``scenarios play``.

Authors test a route from the command line as in a story editor's test mode. The CLI wraps
these: :func:`validate_paths` returns one line per problem (exit 1 when any),
:func:`play` returns the JSON result or raises :class:`AuthoringError` whose ``lines`` are
printed (exit 1).

A path is a comma-separated list of steps: a choice index (``0`` is the first choice),
``c:main/sub`` for a classify node or ``r:text`` for a reply node. A reply may contain
commas: a piece that is not itself a step (not a number, ``c:`` or ``r:``) continues the
reply before it, so ``r:Sorry, we will call you,1`` is the reply "Sorry, we will call
you" followed by choice 1. A path must play the conversation to its end (or to the
customer hanging up); stopping early, or steps left after the end, do not fit the graph.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from servicecraft.messages import _
from training.simulations.engine import (
    Action,
    Choice,
    Classify,
    Reply,
    StepError,
    model_path,
    score,
    start,
    step,
)
from training.simulations.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["AuthoringError", "parse_steps", "play", "play_scenario", "validate_paths"]


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_no_files(path: str) -> str:
    return _("%(path)s: the folder holds no .yaml scenario files", path=path)


def _m_missing(path: str) -> str:
    return _("%(path)s: no such file or folder", path=path)


def _m_bad_step(number: int, piece: str) -> str:
    return _("step %(number)s '%(piece)s' is not a step: write a choice number (0 is the first), "
             "c:main/sub for a category or r:text for a reply", number=number, piece=piece)


def _m_empty_path() -> str:
    return _("the path is empty; give steps such as 0,c:payment/billing-error,r:Thank you")


def _m_step_failed(number: int, message: str) -> str:
    return _("step %(number)s: %(message)s", number=number, message=message)


def _m_extra_steps(number: int, outcome: str) -> str:
    return _("step %(number)s: the conversation has already ended (%(outcome)s); remove the steps from here on",
             number=number, outcome=outcome)


def _m_unfinished(node: str) -> str:
    return _("the path stops at node %(node)s before the conversation ends; add the next steps", node=node)


class AuthoringError(Exception):
    """A path does not fit the scenario, or the file is invalid; ``lines`` say why."""

    def __init__(self, lines: Iterable[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def validate_paths(paths: Iterable[str | os.PathLike], *,
                   extra_categories: Iterable[str] = ()) -> list[str]:
    """Check scenario files (a folder means its *.yaml files); return one line per problem, in order."""
    extra = tuple(extra_categories)
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(path.glob("*.yaml"))
            if not files:
                errors.append(_m_no_files(str(path)))
        elif path.exists():
            files = [path]
        else:
            errors.append(_m_missing(str(path)))
            continue
        for file in files:
            try:
                load_scenario(file, extra_categories=extra)
            except ScenarioError as exc:
                errors.extend(exc.lines())
    return errors


def parse_steps(text: str) -> list[Action]:
    """Turn a path such as ``0,c:payment/billing-error,r:Thank you,1`` into actions."""
    if not isinstance(text, str) or not text.strip():
        raise AuthoringError([_m_empty_path()])
    actions: list[Action] = []
    reply_open = False  # the previous piece was a reply that a comma may continue
    for piece in text.split(","):
        token = piece.strip()
        if token.startswith("r:"):
            actions.append(Reply(token[2:].strip()))
            reply_open = True
        elif token.startswith("c:"):
            actions.append(Classify(token[2:].strip()))
            reply_open = False
        elif token.isascii() and token.isdigit():
            actions.append(Choice(int(token)))
            reply_open = False
        elif reply_open:
            previous = actions.pop()
            assert isinstance(previous, Reply)
            actions.append(Reply(f"{previous.text},{piece}".rstrip()))
        else:
            raise AuthoringError([_m_bad_step(len(actions) + 1, token)])
    return actions


def play_scenario(scenario: Scenario, actions: Iterable[Action]) -> dict[str, Any]:
    """Play *actions* from the start; return {"id", "outcome", "mood", "score", "points", "awaiting_review"}."""
    state = start(scenario)
    for number, action in enumerate(actions, start=1):
        if state.finished:
            raise AuthoringError([f"{scenario.source}: " + _m_extra_steps(number, state.outcome)])
        try:
            state = step(scenario, state, action)
        except StepError as exc:
            raise AuthoringError([f"{scenario.source}: " + _m_step_failed(number, exc.message)]) from None
    if not state.finished:
        raise AuthoringError([f"{scenario.source}: " + _m_unfinished(state.node)])
    result = score(scenario, state)
    return {"id": scenario.id, "outcome": state.outcome, "mood": state.mood,
            "score": result.score, "points": dict(result.points),
            "awaiting_review": result.awaiting_review}


def play(path: str | os.PathLike, steps: str | None = None, *, best: bool = False,
         extra_categories: Iterable[str] = ()) -> dict[str, Any]:
    """Load a scenario file and play *steps* (or its model path with *best*); return the result dict."""
    try:
        scenario = load_scenario(path, extra_categories=tuple(extra_categories))
    except ScenarioError as exc:
        raise AuthoringError(exc.lines()) from None
    if best:
        actions = model_path(scenario)
    else:
        try:
            actions = parse_steps(steps or "")
        except AuthoringError as exc:
            raise AuthoringError([f"{scenario.source}: {line}" for line in exc.lines]) from None
    return play_scenario(scenario, actions)
