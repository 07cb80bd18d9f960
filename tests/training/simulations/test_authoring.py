"""What `servicecraft scenarios validate` and `scenarios play` rely on."""

from __future__ import annotations

import json

import pytest

from training.simulations.authoring import AuthoringError, parse_steps, play, validate_paths
from training.simulations.engine import Choice, Classify, Reply

from .helpers import EXAMPLE, SCENARIOS


@pytest.fixture()
def example_file(tmp_path):
    path = tmp_path / "double-charge.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    return path


def test_parse_steps_reads_indices_categories_and_replies():
    assert parse_steps("0,c:payment/billing-error,r:Thank you,1") == [
        Choice(0), Classify("payment/billing-error"), Reply("Thank you"), Choice(1)]
    assert parse_steps(" 1 , c: order/new ") == [Choice(1), Classify("order/new")]


def test_a_reply_may_contain_commas():
    assert parse_steps("r:Sorry, we will call you, today,1") == [
        Reply("Sorry, we will call you, today"), Choice(1)]


@pytest.mark.parametrize("text, words", [
    ("", "empty"), ("   ", "empty"), ("0,x", "step 2 'x'"), ("first", "step 1 'first'"),
    ("-1", "step 1"), ("٣", "step 1"),
])
def test_parse_steps_refuses_what_is_not_a_step(text, words):
    with pytest.raises(AuthoringError) as caught:
        parse_steps(text)
    assert words in caught.value.lines[0]


def test_play_returns_the_spec_result(example_file):
    result = play(example_file, "0,c:payment/refund,0,r:Thank you, goodbye")
    assert result == {"id": "double-charge", "outcome": "resolved", "mood": 25, "score": 62.5,
                      "points": {"acknowledge": 2, "solution": 2, "categorize": 1, "closing": 0},
                      "awaiting_review": True}
    json.dumps(result)


def test_play_best_follows_the_model_path(example_file):
    result = play(example_file, best=True)
    assert result["outcome"] == "resolved" and result["score"] == 75.0 and result["awaiting_review"]


@pytest.mark.parametrize("steps, words", [
    ("5", "step 1: node opening has choices 0 to 1"),
    ("0,1", "step 2: node file expects filing the request"),
    ("0,c:payment/nope", "step 2: 'payment/nope' is not a request category"),
    ("0,c:payment/refund", "stops at node offer"),
    ("0,c:payment/refund,0,r:Bye,0", "step 5: the conversation has already ended (resolved)"),
    ("zero", "step 1 'zero' is not a step"),
])
def test_a_path_that_does_not_fit_the_graph_is_an_error(example_file, steps, words):
    with pytest.raises(AuthoringError) as caught:
        play(example_file, steps)
    line = caught.value.lines[0]
    assert line.startswith(str(example_file) + ": ") and words in line


def test_playing_an_invalid_file_reports_its_problems(tmp_path):
    path = tmp_path / "double-charge.yaml"
    path.write_text(EXAMPLE.replace("channel: phone", "channel: fax"), encoding="utf-8")
    with pytest.raises(AuthoringError) as caught:
        play(path, best=True)
    assert caught.value.lines == [f"{path}: field channel: must be one of: phone, chat, email, "
                                  "office, social (line 7)"]


def test_validate_paths_lists_one_line_per_problem(tmp_path, example_file):
    bad = tmp_path / "broken.yaml"
    bad.write_text(EXAMPLE.replace("difficulty: 2", "difficulty: 7").replace("id: double-charge",
                                                                               "id: broken")
                   .replace("mood: 70", "mood: calm"), encoding="utf-8")
    lines = validate_paths([example_file, bad, tmp_path / "missing.yaml"])
    assert lines == [
        f"{bad}: field difficulty: must be a whole number from 1 to 3 (line 8)",
        f"{bad}: field persona.mood: must be a whole number from 0 to 100 (line 12)",
        f"{tmp_path / 'missing.yaml'}: no such file or folder",
    ]


def test_validate_paths_accepts_a_folder(tmp_path):
    assert validate_paths([SCENARIOS]) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    assert validate_paths([empty]) == [f"{empty}: the folder holds no .yaml scenario files"]
