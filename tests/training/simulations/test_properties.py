"""Property-based tests: random scenario graphs, random play, random damage to valid files."""

from __future__ import annotations

import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.simulations.engine import (
    MAX_REPLY_LENGTH,
    Choice,
    Classify,
    Reply,
    State,
    StepError,
    available_actions,
    full_mentor_points,
    model_path,
    reply_hints,
    score,
    start,
    step,
)
from training.simulations.scenario import Scenario, ScenarioError, parse_scenario

from .helpers import EXAMPLE, SCENARIOS, dump

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ANSWERS = ("payment/billing-error", "order/delivery", "technical/connection")


def _text(label: str) -> dict[str, str]:
    return {"en": label, "ru": label + " (ru)"}


@st.composite
def scenario_data(draw, fixed: bool):
    """Draw a structurally valid scenario as data: a DAG from n0 to one or two end nodes.

    With *fixed*, the route following every node's first link (the spine) is made to reach
    every maximum without a hang-up, so the whole file is valid (rules 1-7). Without it,
    points, maxima and moods are random and rules 6-7 may fail.
    """
    count = draw(st.integers(1, 7))
    inner = [f"n{i}" for i in range(count)]
    ends = ["won", "gone"][: draw(st.integers(1, 2))]
    order = inner + ends
    links: dict[str, list[str]] = {name: [] for name in inner}
    for j in range(1, count):  # every node has an earlier parent, so all are reachable
        links[f"n{draw(st.integers(0, j - 1))}"].append(f"n{j}")
    for end in ends:
        links[f"n{draw(st.integers(0, count - 1))}"].append(end)
    for i, name in enumerate(inner):
        links[name].extend(draw(st.lists(st.sampled_from(order[i + 1:]), max_size=2)))
        if not links[name]:
            links[name].append(draw(st.sampled_from(order[i + 1:])))
        # Shuffle so the spine is not always the first-drawn link.
        links[name] = draw(st.permutations(links[name]))

    spine, node = [], "n0"
    while node in links:
        spine.append(node)
        node = links[node][0]

    kinds = {}
    for name in inner:
        if len(links[name]) > 1 or (fixed and name == "n0"):
            kinds[name] = "choices"
        else:
            kinds[name] = draw(st.sampled_from(["choices", "reply", "classify"]))
    if fixed and not any(kinds[n] == "reply" for n in spine):
        kinds = {n: ("classify" if k == "reply" else k) for n, k in kinds.items()}
    has_mentor = any(k == "reply" for k in kinds.values())

    small = st.integers(-2, 3)
    mood = st.integers(-30, 30)
    hangup = draw(st.integers(50, 100) if fixed else st.integers(20, 100))
    # Without *fixed* the customer may even hang up before the first reply (mood == hangup_at).
    persona_mood = draw(st.integers(0, hangup - 1 if fixed else hangup))
    nodes: dict[str, dict] = {}
    for name in inner:
        on_spine = name in spine
        body: dict = {"customer": _text(name)}
        node_mood = draw(st.integers(-20, 0) if fixed and on_spine else mood)
        if node_mood:
            body["mood"] = node_mood
        if kinds[name] == "choices":
            choices = []
            for index, target in enumerate(links[name]):
                first = fixed and on_spine and index == 0
                scores = {c: draw(st.integers(0, 3) if first else small)
                          for c in draw(st.lists(st.sampled_from(["a", "b"]), unique=True))}
                choice = {"text": _text(f"{name}-{index}"), "next": target}
                if scores:
                    choice["scores"] = scores
                choice_mood = draw(st.integers(-20, 0) if first else mood)
                if choice_mood:
                    choice["mood"] = choice_mood
                if draw(st.booleans()):
                    choice["feedback"] = _text("why")
                choices.append(choice)
            body["choices"] = choices
        elif kinds[name] == "reply":
            body["reply"] = {"prompt": _text("Say it"), "criteria": ["m"], "next": links[name][0]}
            if draw(st.booleans()):
                body["reply"]["hints"] = {"m": ["thank you", "Спасибо"]}
        else:
            body["classify"] = {"answer": draw(st.sampled_from(ANSWERS)),
                                "points": draw(st.integers(1, 3)),
                                "criterion": draw(st.sampled_from(["a", "b"])),
                                "next": links[name][0]}
        nodes[name] = body
    for end in ends:
        nodes[end] = {"customer": _text(end), "end": {
            "outcome": "resolved" if end == "won" else "lost", "message": _text(end)}}
        if not fixed and draw(st.booleans()):
            nodes[end]["mood"] = draw(mood)

    maxima = {c: draw(st.integers(1, 3)) for c in ("a", "b")}
    if fixed:  # the spine's sums become the maxima (at least 1, bumping n0's first choice)
        for c in ("a", "b"):
            total = 0
            for name in spine:
                if kinds[name] == "choices":
                    total += nodes[name]["choices"][0].get("scores", {}).get(c, 0)
                elif kinds[name] == "classify" and nodes[name]["classify"]["criterion"] == c:
                    total += nodes[name]["classify"]["points"]
            if total <= 0:
                first = nodes["n0"]["choices"][0].setdefault("scores", {})
                first[c] = first.get(c, 0) + 1 - total
                total = 1
            maxima[c] = total
    rubric = [{"id": c, "label": _text(c), "max": maxima[c]} for c in ("a", "b")]
    if has_mentor:
        rubric.append({"id": "m", "label": _text("m"), "max": draw(st.integers(1, 3)),
                       "mentor": True})
    return {
        "format": 1, "id": "random", "title": _text("Random"), "summary": _text("Random"),
        "languages": ["en", "ru"], "category": "payment/billing-error", "channel": "chat",
        "difficulty": 2,
        "persona": {"name": "Pat", "description": _text("A customer"), "mood": persona_mood,
                    "hangup_at": hangup},
        "rubric": rubric, "start": "n0", "nodes": nodes,
    }


def _parse(data) -> Scenario:
    return parse_scenario(dump(data), "random.yaml")


actions = st.lists(st.one_of(
    st.builds(Choice, st.integers(-1, 4)),
    st.builds(Classify, st.sampled_from(ANSWERS + ("payment/refund", "nonsense", ""))),
    st.builds(Reply, st.sampled_from(["", "   ", "Thank you, спасибо", "x" * (MAX_REPLY_LENGTH + 1)])),
    st.builds(Reply, st.text(max_size=40)),
), max_size=25)


@FAST
@given(scenario_data(fixed=True), actions)
def test_random_valid_scenarios_never_crash_the_engine(data, moves):
    scenario = _parse(data)  # the generator builds valid files: this must not raise
    state = start(scenario)
    for action in moves:
        offer = available_actions(scenario, state)
        try:
            after = step(scenario, state, action)
        except StepError:
            continue
        assert offer.kind != "finished"
        assert 0 <= after.mood <= 100 and len(after.steps) == len(state.steps) + 1
        if after.hung_up:
            assert after.finished and after.outcome == "lost"
            assert after.mood >= scenario.persona.hangup_at
        state = State.from_dict(json.loads(json.dumps(after.to_dict())))
        assert state == after
        if offer.kind == "reply":
            assert set(reply_hints(scenario, after.steps[-1].node, action.text)) == {"m"}
    for grades in (None, full_mentor_points(scenario, state)):
        result = score(scenario, state, grades)
        assert 0 <= result.score <= 100
        assert all(0 <= result.points[c.id] <= c.max for c in scenario.rubric)
        if result.passed:
            assert state.finished and state.outcome != "lost"

    best = start(scenario)
    for action in model_path(scenario):
        best = step(scenario, best, action)
    assert best.finished and not best.hung_up
    assert score(scenario, best, full_mentor_points(scenario, best)).score == 100.0


def _routes(nodes: dict, name: str):
    """Yield every route from *name* to an end: a list of (node, choice or None, next)."""
    node = nodes[name]
    if "end" in node:
        yield []
        return
    if "choices" in node:
        options = [(i, c["next"]) for i, c in enumerate(node["choices"])]
    else:
        options = [(None, (node.get("reply") or node.get("classify"))["next"])]
    for index, target in options:
        for rest in _routes(nodes, target):
            yield [(name, index, target)] + rest


def _expected_valid(data: dict) -> bool:
    """Decide rules 6 and 7 by trying every route (small graphs only)."""
    nodes, persona = data["nodes"], data["persona"]
    maxima = {c["id"]: c["max"] for c in data["rubric"]}
    clamp = lambda m: max(0, min(100, m))  # noqa: E731

    def gains(name, index):
        node = nodes[name]
        if index is not None:
            return node["choices"][index].get("scores", {}), node["choices"][index].get("mood", 0)
        if "classify" in node:
            return {node["classify"]["criterion"]: node["classify"]["points"]}, 0
        return {"m": maxima["m"]}, 0

    routes = list(_routes(nodes, "n0"))
    for criterion in maxima:  # rule 6, mood ignored
        if not any(sum(gains(n, i)[0].get(criterion, 0) for n, i, _ in r) > 0 for r in routes):
            return False
    mood0 = clamp(persona["mood"] + nodes["n0"].get("mood", 0))
    if mood0 >= persona["hangup_at"]:
        return False
    for route in routes:  # rule 7, mood counted
        mood, sums, alive = mood0, dict.fromkeys(maxima, 0), True
        for name, index, target in route:
            points, change = gains(name, index)
            for key, value in points.items():
                sums[key] += value
            mood = clamp(mood + change)
            if mood >= persona["hangup_at"]:
                alive = False
                break
            mood = clamp(mood + nodes[target].get("mood", 0))
            if mood >= persona["hangup_at"]:
                alive = False
                break
        if alive and all(sums[c] >= maxima[c] for c in maxima):
            return True
    return False


@settings(max_examples=200, deadline=None)
@given(scenario_data(fixed=False))
def test_rules_6_and_7_agree_with_trying_every_route(data):
    expected = _expected_valid(data)
    try:
        scenario = _parse(data)
    except ScenarioError as exc:
        assert not expected, str(exc)
        assert all(p.field in ("rubric", "mood") or p.field.startswith("rubric.")
                   for p in exc.problems), str(exc)
        return
    assert expected
    state = start(scenario)
    for action in model_path(scenario):
        state = step(scenario, state, action)
    assert not state.hung_up
    assert score(scenario, state, full_mentor_points(scenario, state)).score == 100.0


# --- Random damage to valid files ----------------------------------------------------------

SOURCES = [EXAMPLE] + [path.read_text(encoding="utf-8") for path in sorted(SCENARIOS.glob("*.yaml"))]
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=True),
                 st.text(max_size=8), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


def _assert_only_scenario_errors(text: str, filename: str) -> None:
    try:
        parse_scenario(text, filename)
    except ScenarioError as exc:
        assert exc.problems
        for line in exc.lines():
            assert line.startswith(filename + ": ") and "\n" not in line


@st.composite
def damaged(draw):
    """Draw a shipped file with one random change: delete, retype or rename a key."""
    source = draw(st.sampled_from(SOURCES))
    data = yaml.safe_load(source)
    filename = f"{data['id']}.yaml"
    parent, key = None, None
    target = data
    for _ in range(draw(st.integers(1, 6))):
        if isinstance(target, dict) and target:
            parent, key = target, draw(st.sampled_from(sorted(target, key=str)))
        elif isinstance(target, list) and target:
            parent, key = target, draw(st.integers(0, len(target) - 1))
        else:
            break
        target = parent[key]
    if parent is None:
        return dump(draw(JUNK)), filename
    edit = draw(st.sampled_from(["delete", "retype", "rename"]))
    if edit == "delete":
        del parent[key]
    elif edit == "retype":
        parent[key] = draw(JUNK)
    elif isinstance(parent, dict):
        parent[draw(st.sampled_from(["x", key + "s" if isinstance(key, str) else "k", "next", "end"]))] = parent.pop(key)
    return dump(data), filename


@FAST
@given(damaged())
def test_random_edits_of_a_valid_file_give_messages_never_crashes(case):
    text, filename = case
    _assert_only_scenario_errors(text, filename)


@FAST
@given(st.sampled_from(SOURCES), st.data())
def test_garbled_yaml_gives_messages_never_crashes(source, data):
    position = data.draw(st.integers(0, len(source)))
    how = data.draw(st.sampled_from(["insert", "cut", "truncate"]))
    if how == "insert":
        junk = data.draw(st.text(alphabet=":{}[]-&*!|>'\"#%@`\t\n ,?", min_size=1, max_size=4))
        text = source[:position] + junk + source[position:]
    elif how == "cut":
        text = source[:position] + source[position + data.draw(st.integers(1, 20)):]
    else:
        text = source[:position]
    _assert_only_scenario_errors(text, "garbled.yaml")


def test_deleting_any_required_key_is_always_reported():
    data = yaml.safe_load(EXAMPLE)
    for key in ("format", "id", "title", "summary", "languages", "category", "channel",
                "difficulty", "persona", "rubric", "start", "nodes"):
        broken = {k: v for k, v in data.items() if k != key}
        try:
            parse_scenario(dump(broken), "double-charge.yaml")
        except ScenarioError as exc:
            assert any(p.field == key and "required" in p.message for p in exc.problems)
        else:  # pragma: no cover - the assertion below explains the failure
            raise AssertionError(f"deleting {key} was accepted")

