"""The validator enforces every rule of scenario-format.md with messages naming file, node, field."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from training.simulations.scenario import (
    Scenario,
    ScenarioError,
    ScenarioProblem,
    load_scenario,
    parse_scenario,
)

from .helpers import EXAMPLE, FILENAME, example_data, parse, problems


def find(error: ScenarioError, node: str | None, field: str | None, *words: str) -> str:
    """Return the rendered line of the problem at node/field; assert it names file, node, field."""
    matches = [p for p in error.problems if p.node == node and p.field == field]
    assert matches, f"no problem at node={node} field={field}; got:\n{error}"
    line = str(matches[0])
    head = f"{FILENAME}: " + ", ".join(
        part for part in (f"node {node}" if node else "", f"field {field}" if field else "") if part)
    assert line.startswith(head + ":"), line
    for word in words:
        assert word in line, f"{word!r} not in {line!r}"
    return line


# --- A valid file ---------------------------------------------------------------------------

def test_the_spec_example_loads_as_an_immutable_scenario():
    scenario = parse(EXAMPLE)
    assert isinstance(scenario, Scenario)
    assert scenario.id == "double-charge"
    assert scenario.languages == ("en", "ru")
    assert scenario.persona.hangup_at == 100 and scenario.pass_score == 70
    assert scenario.title == {"en": "Charged twice for one month", "ru": "Двойное списание за месяц"}
    assert scenario.nodes["file"].classify.answer == "payment/billing-error"
    assert scenario.criterion("closing").mentor is True
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        scenario.nodes["extra"] = scenario.nodes["file"]  # type: ignore[index]
    with pytest.raises(TypeError):
        scenario.title["en"] = "changed"  # type: ignore[index]
    assert pickle.loads(pickle.dumps(scenario)) == scenario


def test_problem_renders_as_one_line_with_file_node_and_field():
    problem = ScenarioProblem("a.yaml", "opening", "choices[0].mood", "must be a whole number", 7)
    assert str(problem) == "a.yaml: node opening, field choices[0].mood: must be a whole number (line 7)"
    assert str(ScenarioProblem("a.yaml", None, "channel", "is required but missing")) == \
        "a.yaml: field channel: is required but missing"


def test_every_problem_is_reported_in_one_run():
    data = example_data()
    del data["channel"]
    data["difficulty"] = 9
    data["nodes"]["opening"]["choices"][0]["mood"] = "a lot"
    data["nodes"]["offer"]["choices"][0]["text"] = {"en": "Refund."}
    error = problems(data)
    find(error, None, "channel", "required")
    find(error, None, "difficulty", "1 to 3")
    find(error, "opening", "choices[0].mood", "whole number")
    find(error, "offer", "choices[0].text", "ru")
    assert len(error.lines()) == 4
    assert str(error).count("\n") == 3


def test_load_scenario_reads_a_file_and_reports_a_missing_one(tmp_path):
    path = tmp_path / FILENAME
    path.write_text(EXAMPLE, encoding="utf-8")
    assert load_scenario(path).id == "double-charge"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "nothing.yaml")
    assert "nothing.yaml" in str(caught.value) and "cannot be read" in str(caught.value)


# --- Rule 1: required fields, types, unknown fields -----------------------------------------

def test_yaml_syntax_error_gives_the_line():
    broken = EXAMPLE.replace("channel: phone", "channel: [phone")
    error = problems(broken)
    assert len(error.problems) == 1
    assert error.problems[0].line is not None and error.problems[0].line >= 7
    assert str(error).startswith(f"{FILENAME}: the file is not valid YAML")
    assert f"(line {error.problems[0].line})" in str(error)


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain words", "\x00\x01"])
def test_a_file_that_is_not_a_scenario_is_refused(text):
    error = problems(text)
    assert error.lines()[0].startswith(FILENAME + ": ")


def test_not_utf8_is_refused():
    with pytest.raises(ScenarioError, match="UTF-8"):
        parse_scenario(b"\xff\xfe\x00bad", FILENAME)


def test_missing_required_top_field():
    data = example_data()
    del data["rubric"]
    find(problems(data), None, "rubric", "required")


def test_missing_required_node_field():
    data = example_data()
    del data["nodes"]["file"]["classify"]["points"]
    find(problems(data), "file", "classify.points", "required")


def test_missing_customer_text():
    data = example_data()
    del data["nodes"]["done"]["customer"]
    find(problems(data), "done", "customer", "required")


def test_unknown_field_is_an_error():
    data = example_data()
    data["nodes"]["opening"]["choices"][0]["scroes"] = data["nodes"]["opening"]["choices"][0].pop("scores")
    line = find(problems(data), "opening", "choices[0].scroes", "not a known field")
    assert "scores" in line  # tells the author what is allowed


def test_unknown_top_field_is_an_error():
    data = example_data()
    data["titel"] = "typo"
    find(problems(data), None, "titel", "not a known field")


def test_duplicate_key_is_an_error():
    text = EXAMPLE.replace("difficulty: 2", "difficulty: 2\ndifficulty: 3")
    line = find(problems(text), None, "difficulty", "twice")
    assert "(line 9)" in line


@pytest.mark.parametrize("path, value, node, field, words", [
    (("format",), 2, None, "format", "number 1"),
    (("format",), True, None, "format", "number 1"),
    (("difficulty",), 4, None, "difficulty", "1 to 3"),
    (("channel",), "fax", None, "channel", "phone"),
    (("pass_score",), 150, None, "pass_score", "0 to 100"),
    (("languages",), "en", None, "languages", "language code"),
    (("persona", "mood"), 120, None, "persona.mood", "0 to 100"),
    (("persona", "hangup_at"), "soon", None, "persona.hangup_at", "whole number"),
    (("rubric", 0, "max"), 0, None, "rubric.acknowledge.max", "at least 1"),
    (("rubric", 3, "mentor"), "yes", None, "rubric.closing.mentor", "true or false"),
    (("nodes", "opening", "choices", 0, "mood"), "-15", "opening", "choices[0].mood", "whole number"),
    (("nodes", "opening", "choices", 0, "text"), 5, "opening", "choices[0].text", "must be text"),
    (("nodes", "opening", "choices"), "pick one", "opening", "choices", "list"),
    (("nodes", "opening", "choices", 0, "scores", "acknowledge"), 1.5, "opening",
     "choices[0].scores.acknowledge", "whole number"),
    (("nodes", "opening", "mood"), [1], "opening", "mood", "whole number"),
    (("nodes", "file", "classify", "points"), 0, "file", "classify.points", "at least 1"),
    (("nodes", "close", "reply", "criteria"), "closing", "close", "reply.criteria", "list"),
    (("nodes", "close", "reply", "hints"), {"closing": "thanks"}, "close", "reply.hints.closing",
     "phrases"),
    (("nodes", "done", "end", "outcome"), "happy", "done", "end.outcome", "resolved"),
    (("nodes", "done", "end"), "resolved", "done", "end", "group of fields"),
])
def test_wrong_types_name_node_and_field(path, value, node, field, words):
    data = example_data()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    find(problems(data), node, field, words)


def test_id_must_be_a_slug():
    data = example_data()
    data["id"] = "Double Charge"
    find(problems(data), None, "id", "lower-case")


def test_id_must_equal_the_file_name():
    error = problems(example_data(), "billing/other.yaml")
    assert str(error) == ("billing/other.yaml: field id: must equal the file name without .yaml "
                          "(here 'other') (line 2)")


def test_yml_extension_is_refused():
    error = problems(example_data(), "double-charge.yml")
    assert "double-charge.yaml" in str(error)


def test_category_must_be_in_the_taxonomy():
    data = example_data()
    data["category"] = "payment/bitcoin"
    find(problems(data), None, "category", "payment/bitcoin", "not a request category")


def test_classify_answer_must_be_in_the_taxonomy():
    data = example_data()
    data["nodes"]["file"]["classify"]["answer"] = "billing"
    find(problems(data), "file", "classify.answer", "not a request category")


def test_a_deployments_extra_categories_are_allowed():
    data = example_data()
    data["category"] = "loyalty/points"
    data["nodes"]["file"]["classify"]["answer"] = "loyalty/points"
    problems(data)  # unknown without the setting
    scenario = parse(data, extra_categories=["loyalty/points"])
    assert "loyalty/points" in scenario.categories and "payment/refund" in scenario.categories


def test_a_node_needs_exactly_one_kind():
    data = example_data()
    data["nodes"]["offer"]["end"] = {"outcome": "resolved", "message": {"en": "x", "ru": "x"}}
    find(problems(data), "offer", "end", "only one of")
    data = example_data()
    del data["nodes"]["offer"]["choices"]
    find(problems(data), "offer", None, "exactly one of")


def test_empty_choices_are_refused():
    data = example_data()
    data["nodes"]["offer"]["choices"] = []
    find(problems(data), "offer", "choices", "at least one choice")


def test_bad_node_name():
    data = example_data()
    data["nodes"]["a node"] = data["nodes"].pop("done")
    find(problems(data), "a node", None, "not a usable node name")


# --- Rule 2: links and reachability -----------------------------------------------------------

def test_start_must_name_a_node():
    data = example_data()
    data["start"] = "hello"
    find(problems(data), None, "start", "'hello'", "does not exist")


def test_next_must_name_a_node():
    data = example_data()
    data["nodes"]["offer"]["choices"][0]["next"] = "clsoe"
    find(problems(data), "offer", "choices[0].next", "'clsoe'", "does not exist")


def test_every_node_must_be_reachable():
    data = example_data()
    data["nodes"]["orphan"] = {"customer": {"en": "Hi", "ru": "Привет"},
                               "end": {"outcome": "lost", "message": {"en": "x", "ru": "x"}}}
    error = problems(data)
    assert [str(p) for p in error.problems] == [
        f"{FILENAME}: node orphan: cannot be reached from the start node; link it from a choice "
        "or next, or delete it"
        + f" (line {error.problems[0].line})"]


# --- Rule 3: no cycle; every path ends in an end node ----------------------------------------

def test_a_cycle_is_refused_and_shown():
    data = example_data()
    data["nodes"]["offer"]["choices"].append(
        {"text": {"en": "Start again", "ru": "Начнём сначала"}, "next": "opening"})
    line = find(problems(data), "offer", "choices[1].next", "opening -> file -> offer -> opening")
    assert "round" in line


def test_a_self_loop_is_a_cycle():
    data = example_data()
    data["nodes"]["file"]["classify"]["next"] = "file"
    find(problems(data), "file", "classify.next", "file -> file")


def test_a_dead_end_node_without_an_ending_is_refused():
    data = example_data()
    data["nodes"]["done"] = {"customer": {"en": "Thanks.", "ru": "Спасибо."}}
    find(problems(data), "done", None, "choices, reply, classify or end")


# --- Rule 4: score keys and mentor criteria --------------------------------------------------

def test_score_keys_must_be_rubric_criteria():
    data = example_data()
    data["nodes"]["offer"]["choices"][0]["scores"] = {"soluton": 2}
    find(problems(data), "offer", "choices[0].scores.soluton", "'soluton'", "not in the rubric")


def test_reply_criteria_must_be_mentor_criteria():
    data = example_data()
    data["nodes"]["close"]["reply"]["criteria"] = ["closing", "solution"]
    find(problems(data), "close", "reply.criteria", "'solution'", "mentor: true")


def test_reply_criteria_must_exist():
    data = example_data()
    data["nodes"]["close"]["reply"]["criteria"] = ["closure"]
    find(problems(data), "close", "reply.criteria", "'closure'", "not in the rubric")


def test_choices_cannot_score_a_mentor_criterion():
    data = example_data()
    data["nodes"]["offer"]["choices"][0]["scores"]["closing"] = 1
    find(problems(data), "offer", "choices[0].scores.closing", "only a mentor")


def test_classify_cannot_score_a_mentor_criterion():
    data = example_data()
    data["nodes"]["file"]["classify"]["criterion"] = "closing"
    find(problems(data), "file", "classify.criterion", "only a mentor")


def test_hints_must_belong_to_the_replys_criteria():
    data = example_data()
    data["nodes"]["close"]["reply"]["hints"] = {"solution": ["refund"]}
    find(problems(data), "close", "reply.hints.solution", "do not name")


# --- Rule 5: every text in every language ------------------------------------------------------

def test_a_text_missing_a_language():
    data = example_data()
    data["nodes"]["opening"]["choices"][1]["feedback"] = {"en": "Blames the customer."}
    find(problems(data), "opening", "choices[1].feedback", "lacks the ru translation")


def test_a_plain_string_stands_for_the_first_language_only():
    data = example_data()
    data["summary"] = "English only"
    find(problems(data), None, "summary", "lacks the ru translation")
    data = example_data()
    data["languages"] = ["en"]
    for node in data["nodes"].values():
        node["customer"] = node["customer"]["en"]
    error = problems(data)  # the other texts still carry ru, which is not listed
    find(error, None, "title", "ru", "not listed in languages")
    assert not [p for p in error.problems if p.field == "customer"]


def test_an_empty_translation_counts_as_missing():
    data = example_data()
    data["nodes"]["done"]["end"]["message"]["ru"] = "  "
    find(problems(data), "done", "end.message", "lacks the ru translation")


def test_rubric_labels_and_prompts_are_texts_too():
    data = example_data()
    data["languages"] = ["en", "ru", "uk"]
    error = problems(data)
    find(error, None, "rubric.acknowledge.label", "uk")
    find(error, "close", "reply.prompt", "uk")
    find(error, None, "persona.description", "uk")


# --- Rule 6: each criterion can score ------------------------------------------------------------

def test_a_criterion_nothing_awards_is_refused():
    data = example_data()
    data["rubric"].append({"id": "empathy", "label": {"en": "Empathy", "ru": "Эмпатия"}, "max": 2})
    find(problems(data), None, "rubric.empathy.max", "never score above zero")


def test_a_criterion_with_only_negative_points_is_refused():
    data = example_data()
    data["rubric"].append({"id": "tone", "label": {"en": "Tone", "ru": "Тон"}, "max": 1})
    data["nodes"]["opening"]["choices"][1]["scores"] = {"tone": -1}
    find(problems(data), None, "rubric.tone.max", "never score above zero")


def test_a_mentor_criterion_no_reply_names_is_refused():
    data = example_data()
    data["rubric"].append({"id": "wording", "label": {"en": "Wording", "ru": "Формулировки"},
                           "max": 1, "mentor": True})
    find(problems(data), None, "rubric.wording.max", "never score above zero")


# --- Rule 7: one route reaches every maximum at once -----------------------------------------------

def test_maxima_on_different_branches_are_refused():
    data = example_data()
    opening = data["nodes"]["opening"]["choices"]
    opening[1]["scores"] = {"solution": 2}
    del data["nodes"]["offer"]["choices"][0]["scores"]
    error = problems(data)
    find(error, None, "rubric", "no route", "every criterion's maximum")
    assert len(error.problems) == 1  # rule 6 holds: each criterion can score on its own


def test_points_cancelled_later_on_the_only_route_are_refused():
    data = example_data()
    data["nodes"]["offer"]["choices"][0]["scores"] = {"solution": 2, "acknowledge": -1}
    find(problems(data), None, "rubric", "no route")


def test_points_above_max_may_absorb_a_later_penalty():
    data = example_data()
    data["nodes"]["opening"]["choices"][0]["scores"] = {"acknowledge": 3}
    data["nodes"]["offer"]["choices"][0]["scores"] = {"solution": 2, "acknowledge": -1}
    assert parse(data).id == "double-charge"


def test_a_best_route_that_makes_the_customer_hang_up_is_refused():
    data = example_data()
    data["persona"]["hangup_at"] = 80
    data["nodes"]["opening"]["choices"][0]["mood"] = 15  # 70 + 15 reaches 80
    find(problems(data), None, "rubric", "hang up")


def test_a_customer_who_hangs_up_before_the_first_reply_is_refused():
    data = example_data()
    data["persona"]["hangup_at"] = 75
    data["nodes"]["opening"]["mood"] = 10
    find(problems(data), "opening", "mood", "hangs up before the first reply")


def test_the_model_route_prefers_an_ending_that_is_not_lost():
    data = example_data()
    nodes = data["nodes"]
    # A first, equally rich choice whose route also passes a reply but ends with the customer lost.
    nodes["offer"]["choices"].insert(0, {"text": {"en": "Bye", "ru": "Пока"},
                                         "scores": {"solution": 2}, "next": "close_badly"})
    nodes["close_badly"] = {"customer": {"en": "Hm.", "ru": "Хм."}, "reply": {
        "prompt": {"en": "Close.", "ru": "Завершите."}, "criteria": ["closing"], "next": "gone"}}
    nodes["gone"] = {"customer": {"en": "Bye.", "ru": "Пока."},
                     "end": {"outcome": "lost", "message": {"en": "Lost.", "ru": "Потерян."}}}
    scenario = parse(data)
    assert [s.node for s in scenario.model_route][-1] == "close"
    assert scenario.model_route[2].choice == 1


def _ladder(rungs: int) -> dict:
    """A scenario with 2**rungs routes: each rung offers two choices worth points to two criteria."""
    data = example_data()
    nodes = {}
    text = {"en": "x", "ru": "x"}
    for i in range(rungs):
        nxt = f"n{i + 1}" if i + 1 < rungs else "file"
        nodes[f"n{i}"] = {"customer": text, "choices": [
            {"text": text, "scores": {"acknowledge": 1, "solution": -1}, "next": nxt},
            {"text": text, "scores": {"acknowledge": -1, "solution": 1}, "next": nxt},
        ]}
    nodes.update({k: v for k, v in data["nodes"].items() if k != "opening"})
    nodes["offer"]["choices"][0]["scores"] = {}
    data["nodes"] = nodes
    data["start"] = "n0"
    data["rubric"][0]["max"] = 2
    data["rubric"][1]["max"] = 2
    return data


def test_rule_7_search_is_fast_on_a_graph_with_exponentially_many_routes():
    # 2**60 routes; an even count of rungs lets the sums sit anywhere, but both maxima need
    # acknowledge - solution to be 0 while both are >= 2: impossible, and that must be found fast.
    data = _ladder(60)
    # (An exhaustive search would never finish here; speed itself is measured in bench/.)
    find(problems(data), None, "rubric", "no route")
    # Giving one rung a bonus makes it possible; the route is found as quickly.
    data["nodes"]["n59"]["choices"][0]["scores"] = {"acknowledge": 3, "solution": 2}
    scenario = parse(data)
    assert len(scenario.model_route) == 60 + 3


def test_a_broken_link_is_reported_even_when_another_node_is_broken():
    data = example_data()
    data["nodes"]["file"]["classify"]["next"] = "ofer"
    data["nodes"]["close"]["reply"]["hints"] = {"closng": ["thanks"]}
    error = problems(data)
    find(error, "file", "classify.next", "'ofer'")
    find(error, "close", "reply.hints.closng", "do not name")


def test_a_broken_link_names_the_line_of_its_next_field():
    text = EXAMPLE.replace("        next: close", "        next: clsoe")
    line = find(problems(text), "offer", "choices[0].next", "'clsoe'")
    number = EXAMPLE.splitlines().index("        next: close") + 1
    assert line.endswith(f"(line {number})")
