"""Play a role-play scenario: attempt state, steps, mood and hang-up, scoring, model path.

Pure Python: no Flask, no database. An attempt is an immutable :class:`State` that turns
into a JSON-friendly dict (:meth:`State.to_dict`) and back, so the web app can store it
after every step. Every function takes the checked :class:`Scenario` and never changes it.

Mood rules (scenario-format.md): the start node's change applies to the persona's starting
mood; then a choice's change applies when it is taken and a node's when it is reached.
Mood is clamped to 0..100 after every change and the customer hangs up (outcome ``lost``)
the moment it reaches ``hangup_at``; points already earned by that step still count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from servicecraft.messages import _
from servicecraft.taxonomy import main_part
from servicecraft.texts import Text
from training.simulations.scenario import MOOD_MAX, MOOD_MIN, OUTCOMES, Node, Scenario

__all__ = [
    "MAX_REPLY_LENGTH",
    "Action",
    "Available",
    "Choice",
    "Classify",
    "GradeError",
    "Reply",
    "ScoreResult",
    "State",
    "StateError",
    "Step",
    "StepError",
    "available_actions",
    "full_mentor_points",
    "model_path",
    "reply_hints",
    "score",
    "start",
    "step",
]

MAX_REPLY_LENGTH = 5000
STATE_VERSION = 1

Points = int | float  # classify can award half points


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_finished() -> str:
    return _("this attempt has already ended; start a new one")


def _m_wrong_action(node: str, expected: str) -> str:
    if expected == "choices":
        return _("node %(node)s expects picking one of the choices", node=node)
    if expected == "classify":
        return _("node %(node)s expects filing the request under a category", node=node)
    if expected == "reply":
        return _("node %(node)s expects typing a reply", node=node)
    return _("node %(node)s expects %(expected)s", node=node, expected=expected)


def _m_index(node: str, count: int) -> str:
    return _("node %(node)s has choices 0 to %(last)s; pick one of them", node=node, last=count - 1)


def _m_unknown_category(value: object) -> str:
    return _("'%(value)s' is not a request category; pick one from the list", value=value)


def _m_reply_type() -> str:
    return _("the reply must be text")


def _m_reply_empty() -> str:
    return _("the reply is empty; type what you would say to the customer")


def _m_reply_long(length: int) -> str:
    return _("the reply is %(length)s characters long; keep it to %(maximum)s", length=length, maximum=MAX_REPLY_LENGTH)


def _m_unknown_action(action: object) -> str:
    return _("'%(action)s' is not a step: pick a choice, a category or type a reply", action=action)


def _m_other_scenario(state_id: object, scenario_id: str) -> str:
    return _("this attempt belongs to scenario '%(state_id)s', not '%(scenario_id)s'",
             state_id=state_id, scenario_id=scenario_id)


def _m_bad_state(detail: str) -> str:
    """*detail* is already translated (the callers pass ``_("a step is malformed")`` and the like)."""
    return _("the saved attempt cannot be read (%(detail)s)", detail=detail)


def _m_no_reply_node(node: object) -> str:
    return _("'%(node)s' is not a reply node of this scenario", node=node)


def _m_not_on_path(node: str) -> str:
    return _("node %(node)s is not a reply the trainee gave in this attempt", node=node)


def _m_not_named(node: str, criterion: object) -> str:
    return _("the reply at node %(node)s is not scored on '%(criterion)s'", node=node, criterion=criterion)


def _m_grade_range(node: str, criterion: str, maximum: int) -> str:
    return _("the grade for '%(criterion)s' at node %(node)s must be a number from 0 to %(maximum)s",
             criterion=criterion, node=node, maximum=maximum)


# --- Errors and actions ---------------------------------------------------------------------

class StepError(Exception):
    """An action does not fit the attempt (wrong kind, out of range, too long, ended)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class StateError(StepError):
    """A saved attempt is malformed or belongs to another scenario."""


class GradeError(StepError):
    """Mentor points do not fit the attempt's replies."""


@dataclass(frozen=True)
class Choice:
    """Pick the choice with this index (0 is the first) at a `choices` node."""

    index: int


@dataclass(frozen=True)
class Classify:
    """File the request under a `main/sub` category at a `classify` node."""

    category: str


@dataclass(frozen=True)
class Reply:
    """Type a free-text reply at a `reply` node."""

    text: str


Action = Choice | Classify | Reply


# --- Attempt state --------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One step the trainee took: where, what, the mood after it and the points it earned."""

    node: str
    kind: str  # "choices", "classify" or "reply"
    mood: int
    points: Mapping[str, Points] = field(default_factory=dict)
    choice: int | None = None
    category: str | None = None
    reply: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the step as JSON-friendly data."""
        data: dict[str, Any] = {"node": self.node, "kind": self.kind, "mood": self.mood,
                                "points": dict(self.points)}
        if self.choice is not None:
            data["choice"] = self.choice
        if self.category is not None:
            data["category"] = self.category
        if self.reply is not None:
            data["reply"] = self.reply
        return data


@dataclass(frozen=True)
class State:
    """An attempt at a scenario after some steps (immutable; step() returns a new one).

    ``points`` holds the raw, unclamped sums per criterion earned by choices and classify;
    mentor criteria are graded later from the replies. ``hung_up`` tells a hang-up apart
    from an `end` node whose outcome is ``lost``.
    """

    scenario: str
    node: str
    mood: int
    steps: tuple[Step, ...] = ()
    points: Mapping[str, Points] = field(default_factory=dict)
    finished: bool = False
    outcome: str | None = None
    hung_up: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the attempt as JSON-friendly data (what the web app stores)."""
        return {
            "version": STATE_VERSION, "scenario": self.scenario, "node": self.node,
            "mood": self.mood, "steps": [s.to_dict() for s in self.steps],
            "points": dict(self.points), "finished": self.finished, "outcome": self.outcome,
            "hung_up": self.hung_up,
        }

    @classmethod
    def from_dict(cls, data: object) -> State:
        """Rebuild an attempt from to_dict() data; raise StateError when it is malformed."""
        try:
            return _state_from_dict(data)
        except StateError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StateError(_m_bad_state(f"{type(exc).__name__}: {exc}")) from None

    def replies(self) -> list[Step]:
        """Return the reply steps, in order (what a mentor grades)."""
        return [s for s in self.steps if s.kind == "reply"]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_points(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _points_map(value: object) -> dict[str, Points]:
    if not isinstance(value, Mapping):
        raise StateError(_m_bad_state(_("points must be a mapping")))
    out = {}
    for key, number in value.items():
        if not isinstance(key, str) or not _is_points(number):
            raise StateError(_m_bad_state(_("points for '%(key)s' must be a number", key=key)))
        out[key] = number
    return out


def _state_from_dict(data: object) -> State:
    if not isinstance(data, Mapping):
        raise StateError(_m_bad_state(_("it is not a mapping")))
    if data.get("version", STATE_VERSION) != STATE_VERSION:
        raise StateError(_m_bad_state(_("unknown version %(version)s", version=repr(data.get("version")))))
    steps = []
    for raw in data.get("steps", []):
        if not isinstance(raw, Mapping) or raw.get("kind") not in ("choices", "classify", "reply"):
            raise StateError(_m_bad_state(_("a step is malformed")))
        choice, category, reply = raw.get("choice"), raw.get("category"), raw.get("reply")
        if not (isinstance(raw.get("node"), str) and _is_int(raw.get("mood"))
                and (choice is None or _is_int(choice))
                and (category is None or isinstance(category, str))
                and (reply is None or isinstance(reply, str))):
            raise StateError(_m_bad_state(_("a step is malformed")))
        steps.append(Step(node=raw["node"], kind=raw["kind"], mood=raw["mood"],
                          points=_points_map(raw.get("points", {})), choice=choice,
                          category=category, reply=reply))
    outcome = data.get("outcome")
    state = State(scenario=data["scenario"], node=data["node"], mood=data["mood"],
                  steps=tuple(steps), points=_points_map(data.get("points", {})),
                  finished=data.get("finished", False), outcome=outcome,
                  hung_up=data.get("hung_up", False))
    if not (isinstance(state.scenario, str) and isinstance(state.node, str)
            and _is_int(state.mood) and MOOD_MIN <= state.mood <= MOOD_MAX
            and isinstance(state.finished, bool) and isinstance(state.hung_up, bool)
            and (outcome is None or outcome in OUTCOMES)):
        raise StateError(_m_bad_state(_("a field has the wrong type")))
    return state


# --- Playing --------------------------------------------------------------------------------

def _clamp(mood: int) -> int:
    return MOOD_MIN if mood < MOOD_MIN else MOOD_MAX if mood > MOOD_MAX else mood


def _arrive(scenario: Scenario, state: State, node_id: str, mood: int) -> State:
    """Enter *node_id* with *mood* (before the node's own change); settle hang-up and endings."""
    node = scenario.nodes[node_id]
    mood = _clamp(mood + node.mood)
    if mood >= scenario.persona.hangup_at:
        return _replace(state, node=node_id, mood=mood, finished=True, outcome="lost",
                        hung_up=True)
    if node.kind == "end":
        return _replace(state, node=node_id, mood=mood, finished=True, outcome=node.end.outcome)
    return _replace(state, node=node_id, mood=mood)


def _replace(state: State, **changes: Any) -> State:
    # dataclasses.replace re-runs field defaults machinery; a direct call is cheaper per step.
    values = {"scenario": state.scenario, "node": state.node, "mood": state.mood,
              "steps": state.steps, "points": state.points, "finished": state.finished,
              "outcome": state.outcome, "hung_up": state.hung_up}
    values.update(changes)
    return State(**values)


def start(scenario: Scenario) -> State:
    """Begin an attempt: the customer's first words, mood = persona mood + start node's change."""
    empty = State(scenario=scenario.id, node=scenario.start, mood=0)
    return _arrive(scenario, empty, scenario.start, scenario.persona.mood)


def _current(scenario: Scenario, state: State) -> Node:
    if not isinstance(state, State):
        raise StateError(_m_bad_state(_("it is not an attempt")))
    if state.scenario != scenario.id:
        raise StateError(_m_other_scenario(state.scenario, scenario.id))
    node = scenario.nodes.get(state.node)
    if node is None:
        raise StateError(_m_bad_state(_("node '%(node)s' is not in the scenario", node=state.node)))
    return node


def step(scenario: Scenario, state: State, action: Action) -> State:
    """Take one action in the attempt and return the new state; raise StepError when it does not fit."""
    node = _current(scenario, state)
    if state.finished or node.kind == "end":
        raise StepError(_m_finished())
    earned: dict[str, Points] = {}
    record: dict[str, Any] = {}
    if isinstance(action, Choice):
        if node.kind != "choices":
            raise StepError(_m_wrong_action(node.id, node.kind))
        index = action.index
        if not _is_int(index) or not 0 <= index < len(node.choices):
            raise StepError(_m_index(node.id, len(node.choices)))
        option = node.choices[index]
        earned = dict(option.scores)
        mood_change, target = option.mood, option.next
        record["choice"] = index
    elif isinstance(action, Classify):
        if node.kind != "classify":
            raise StepError(_m_wrong_action(node.id, node.kind))
        chosen = action.category
        if not isinstance(chosen, str) or chosen not in scenario.categories:
            raise StepError(_m_unknown_category(chosen))
        task = node.classify
        if chosen == task.answer:
            earned = {task.criterion: task.points}
        elif main_part(chosen) == main_part(task.answer):
            half = Fraction(task.points, 2)
            earned = {task.criterion: int(half) if half.denominator == 1 else float(half)}
        else:
            earned = {task.criterion: 0}
        mood_change, target = 0, task.next
        record["category"] = chosen
    elif isinstance(action, Reply):
        if node.kind != "reply":
            raise StepError(_m_wrong_action(node.id, node.kind))
        text = action.text
        if not isinstance(text, str):
            raise StepError(_m_reply_type())
        if len(text) > MAX_REPLY_LENGTH:
            raise StepError(_m_reply_long(len(text)))
        if not text.strip():
            raise StepError(_m_reply_empty())
        mood_change, target = 0, node.reply.next
        record["reply"] = text
    else:
        raise StepError(_m_unknown_action(action))

    points = dict(state.points)
    for key, value in earned.items():
        points[key] = points.get(key, 0) + value
    mood = _clamp(state.mood + mood_change)
    if mood >= scenario.persona.hangup_at:
        # The customer hangs up on this reply: the next node is never reached.
        taken = Step(node=node.id, kind=node.kind, mood=mood, points=earned, **record)
        return _replace(state, mood=mood, steps=state.steps + (taken,), points=points,
                        finished=True, outcome="lost", hung_up=True)
    moved = _arrive(scenario, state, target, mood)
    taken = Step(node=node.id, kind=node.kind, mood=moved.mood, points=earned, **record)
    return _replace(moved, steps=state.steps + (taken,), points=points)


@dataclass(frozen=True)
class Available:
    """What the trainee can do now.

    ``kind`` is ``choices``, ``classify``, ``reply`` or ``finished``; ``actions`` lists every
    action that fits (none for a reply: any text up to MAX_REPLY_LENGTH characters);
    ``texts`` are the choice texts, aligned with ``actions``; ``prompt`` is the reply prompt.
    """

    kind: str
    actions: tuple[Action, ...] = ()
    texts: tuple[Text, ...] = ()
    prompt: Text | None = None


def available_actions(scenario: Scenario, state: State) -> Available:
    """Return what the trainee can do at the attempt's current node."""
    node = _current(scenario, state)
    if state.finished or node.kind == "end":
        return Available(kind="finished")
    if node.kind == "choices":
        return Available(kind="choices", actions=tuple(Choice(i) for i in range(len(node.choices))),
                         texts=tuple(c.text for c in node.choices))
    if node.kind == "classify":
        return Available(kind="classify", actions=tuple(Classify(c) for c in scenario.categories))
    return Available(kind="reply", prompt=node.reply.prompt)


# --- Scoring --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreResult:
    """An attempt's result: points per criterion (clamped), percent score, review and pass state.

    ``passed`` is None while the attempt is unfinished or awaiting a mentor's review.
    ``ungraded`` lists the reply nodes a mentor has yet to grade.
    """

    points: Mapping[str, Points]
    maximum: Mapping[str, int]
    score: float
    outcome: str | None
    finished: bool
    awaiting_review: bool
    passed: bool | None
    ungraded: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-friendly data."""
        return {"points": dict(self.points), "max": dict(self.maximum), "score": self.score,
                "outcome": self.outcome, "finished": self.finished,
                "awaiting_review": self.awaiting_review, "passed": self.passed,
                "ungraded": list(self.ungraded)}


def _number(value: Fraction) -> Points:
    return int(value) if value.denominator == 1 else float(value)


def round_half_away(value: Fraction, places: int = 1) -> float:
    """Round to *places* decimals, halves away from zero (not Python's banker's rounding)."""
    scale = 10 ** places
    scaled = abs(value) * scale
    whole = int(scaled + Fraction(1, 2))  # floor of |x| + 1/2 on a non-negative number
    return (whole if value >= 0 else -whole) / scale


def _check_grades(scenario: Scenario, state: State,
                  mentor_points: Mapping[str, Mapping[str, Points]]) -> None:
    if not isinstance(mentor_points, Mapping):
        raise GradeError(_m_no_reply_node(mentor_points))
    replied = {s.node for s in state.steps if s.kind == "reply"}
    for node_id, grades in mentor_points.items():
        node = scenario.nodes.get(node_id) if isinstance(node_id, str) else None
        if node is None or node.kind != "reply":
            raise GradeError(_m_no_reply_node(node_id))
        if node_id not in replied:
            raise GradeError(_m_not_on_path(node_id))
        if not isinstance(grades, Mapping):
            raise GradeError(_m_not_named(node_id, grades))
        for name, value in grades.items():
            if name not in node.reply.criteria:
                raise GradeError(_m_not_named(node_id, name))
            maximum = scenario.criterion(name).max
            if not _is_points(value) or not 0 <= value <= maximum:
                raise GradeError(_m_grade_range(node_id, name, maximum))


def score(scenario: Scenario, state: State,
          mentor_points: Mapping[str, Mapping[str, Points]] | None = None) -> ScoreResult:
    """Score an attempt.

    *mentor_points* maps a reply node id to ``{criterion: points}`` a mentor awarded for
    that reply (each 0..max). A node appears at most once on a path, so the node id names
    the reply. Raise GradeError when the grades do not fit the attempt.
    """
    _current(scenario, state)
    mentor_points = mentor_points or {}
    _check_grades(scenario, state, mentor_points)
    raw: dict[str, Fraction] = {c.id: Fraction(0) for c in scenario.rubric}
    for key, value in state.points.items():
        if key in raw and not scenario.criterion(key).mentor:
            raw[key] += Fraction(value)
    ungraded = []
    for reply in state.replies():
        node = scenario.nodes.get(reply.node)
        if node is None or node.kind != "reply":
            continue
        grades = mentor_points.get(reply.node, {})
        if any(name not in grades for name in node.reply.criteria):
            ungraded.append(reply.node)
        for name, value in grades.items():
            raw[name] += Fraction(value)
    points = {c.id: _number(min(max(raw[c.id], Fraction(0)), Fraction(c.max)))
              for c in scenario.rubric}
    total = Fraction(sum(Fraction(p) for p in points.values()))
    percent = round_half_away(100 * total / scenario.max_total)
    awaiting = bool(ungraded)
    passed = None
    if state.finished and not awaiting:
        passed = percent >= scenario.pass_score and state.outcome != "lost"
    return ScoreResult(points=points, maximum={c.id: c.max for c in scenario.rubric},
                       score=percent, outcome=state.outcome, finished=state.finished,
                       awaiting_review=awaiting, passed=passed, ungraded=tuple(ungraded))


def full_mentor_points(scenario: Scenario, state: State) -> dict[str, dict[str, int]]:
    """Return grades awarding every reply of the attempt full marks (for tests and previews)."""
    grades: dict[str, dict[str, int]] = {}
    for reply in state.replies():
        node = scenario.nodes[reply.node]
        grades[reply.node] = {name: scenario.criterion(name).max for name in node.reply.criteria}
    return grades


# --- Model path and hints -------------------------------------------------------------------

def model_path(scenario: Scenario) -> list[Action]:
    """Return the actions of a route that reaches every criterion's maximum (rule 7).

    Replies carry the scenario's hint phrases as a stand-in text: only a mentor can grade
    a real reply, so the debrief shows the prompt and hints beside the trainee's words.
    """
    actions: list[Action] = []
    for route_step in scenario.model_route:
        if route_step.kind == "choices":
            actions.append(Choice(route_step.choice))
        elif route_step.kind == "classify":
            actions.append(Classify(route_step.category))
        else:
            actions.append(Reply(_model_reply(scenario.nodes[route_step.node])))
    return actions


def _model_reply(node: Node) -> str:
    phrases = [p for name in node.reply.criteria for p in node.reply.hints.get(name, ())]
    if phrases:
        return "; ".join(phrases)[:MAX_REPLY_LENGTH]
    prompt = node.reply.prompt
    text = prompt if isinstance(prompt, str) else next(iter(prompt.values()), "")
    return (text or "(model reply)")[:MAX_REPLY_LENGTH]


def reply_hints(scenario: Scenario, node_id: str, text: str) -> dict[str, list[str]]:
    """Return, per criterion of a reply node, the hint phrases found in *text* (ignoring case).

    A suggestion for the mentor only, never a score.
    """
    node = scenario.nodes.get(node_id) if isinstance(node_id, str) else None
    if node is None or node.kind != "reply":
        raise StepError(_m_no_reply_node(node_id))
    if not isinstance(text, str):
        raise StepError(_m_reply_type())
    folded = text.casefold()
    return {name: [p for p in node.reply.hints.get(name, ()) if p.casefold() in folded]
            for name in node.reply.criteria}
