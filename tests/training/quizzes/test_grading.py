"""Grading responses with Moodle's rules."""

import random

import pytest

from training.quizzes.gift import parse_gift
from training.quizzes.questions import (
    Answer,
    DescriptionQuestion,
    EssayQuestion,
    Grade,
    MultiChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    ResponseError,
    ShortAnswerQuestion,
    choices,
    grade,
    shortanswer_matches,
    shuffle_for_attempt,
)

from .helpers import moodle_fixture_text


@pytest.fixture(scope="module")
def moodle():
    essay, matching, single, colours, numerical, short, q1, t1, _ = parse_gift(moodle_fixture_text())
    return {
        "essay": essay,
        "matching": matching,
        "single": single,
        "colours": colours,
        "numerical": numerical,
        "short": short,
        "q1": q1,
        "t1": t1,
    }


def test_single_choice_earns_the_chosen_answers_credit(moodle):
    assert grade(moodle["single"], 0) == Grade(1.0, ["right; good!"])
    assert grade(moodle["single"], 2) == Grade(0.0, ["wrong, it's yellow"])


@pytest.mark.parametrize(
    ("chosen", "fraction"),
    [({0, 2}, 1.0), ([0], 0.5), ((0, 1), 0.0), ({0, 1, 2, 3}, 0.0), (set(), 0.0), ([0, 0, 2], 1.0)],
)
def test_multiple_response_adds_credit_and_keeps_it_between_0_and_1(moodle, chosen, fraction):
    assert grade(moodle["colours"], chosen).fraction == fraction


def test_multiple_response_feedback_follows_the_answer_order(moodle):
    assert grade(moodle["colours"], [3, 0]).feedback == ["right; good!", "wrong"]


def test_negative_credit_on_single_choice_is_kept():
    q = MultiChoiceQuestion(name="q", text="?", answers=(Answer("a", 1.0), Answer("b", -0.5)))
    assert grade(q, 1).fraction == -0.5


@pytest.mark.parametrize(
    ("response", "fraction", "feedback"),
    [
        ("Frog", 1.0, ["Good!"]),
        ("  fROG ", 1.0, ["Good!"]),
        ("cat", 0.5, ["What is it with Moodlers and cats?"]),
        ("dog", 0.0, ["Completely wrong"]),
        ("", 0.0, []),
    ],
)
def test_shortanswer(moodle, response, fraction, feedback):
    assert grade(moodle["short"], response) == Grade(fraction, feedback)


def test_shortanswer_takes_the_best_matching_answer():
    q = ShortAnswerQuestion(name="q", text="?", answers=(Answer("*", 0.0, "no"), Answer("frog", 1.0, "yes")))
    assert grade(q, "Frog") == Grade(1.0, ["yes"])


@pytest.mark.parametrize(
    ("response", "pattern", "expected"),
    [
        ("colour", "colo*r", True),
        ("color", "colo*r", True),
        ("colouring", "colo*r", False),
        ("a*b", "a\\*b", True),
        ("axb", "a\\*b", False),
        ("Привет", "привет", True),
        ("ЁЛКА", "ёлка", True),
        ("東京", "東*", True),
        ("café", "cafe\u0301", True),  # NFC: é and e + accent are the same
        ("a.b", "a.b", True),
        ("axb", "a.b", False),  # no regular expressions
    ],
)
def test_shortanswer_wildcards(response, pattern, expected):
    assert shortanswer_matches(response, pattern) is expected


@pytest.mark.parametrize(
    ("response", "fraction"),
    [(1, 1.0), (5, 1.0), (3.5, 1.0), ("4,5", 1.0), (" 2 ", 1.0), ("1e0", 1.0), (5.0001, 0.0), (0, 0.0)],
)
def test_numerical_tolerance(moodle, response, fraction):
    assert grade(moodle["numerical"], response).fraction == fraction


def test_numerical_wrong_answer_feedback_and_non_numbers(moodle):
    assert grade(moodle["numerical"], 42).feedback == ["Completely wrong"]
    assert grade(moodle["numerical"], "three") == Grade(0.0, [])


def test_numerical_best_match_and_ranges():
    q = NumericalQuestion(
        name="q",
        text="?",
        answers=(NumericalAnswer(1822, 5, 0.5, "close"), NumericalAnswer(1822, 0, 1.0, "exact")),
    )
    assert grade(q, 1822) == Grade(1.0, ["exact"])
    assert grade(q, 1820) == Grade(0.5, ["close"])
    (ranged,) = parse_gift("Pick from 1 to 5 {#1..5}")
    assert [grade(ranged, x).fraction for x in (0.9, 1, 5, 5.1)] == [0.0, 1.0, 1.0, 0.0]


def test_numerical_tolerance_survives_binary_rounding():
    # In binary 0.1 + 0.7 is just below 0.8, yet 0.8 is meant to be on the edge.
    assert 0.1 + 0.7 < 0.8
    q = NumericalQuestion(name="q", text="?", answers=(NumericalAnswer(0.1, 0.7),))
    assert grade(q, 0.8).fraction == 1.0
    assert grade(q, "0.8000001").fraction == 0.0


def test_truefalse_feedback_goes_to_the_chosen_answer(moodle):
    general = "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert grade(moodle["q1"], False) == Grade(1.0, ["You gave the right answer.", general])
    assert grade(moodle["q1"], True) == Grade(0.0, ["42 is the Ultimate Answer.", general])
    assert grade(moodle["t1"], True).fraction == 1.0


def test_matching_earns_the_share_of_right_pairs(moodle):
    q = moodle["matching"]
    assert choices(q) == ["Forum", "Choice", "Database", "Wiki", "Chat"]
    right = {0: "Forum", 1: "Choice", 2: "Database", 3: "Wiki"}
    assert grade(q, right).fraction == 1.0
    assert grade(q, {**right, 2: "Chat", 3: None}).fraction == 0.5
    assert grade(q, {0: "Forum"}).fraction == 0.25


def test_essay_waits_for_a_person_and_description_is_not_graded(moodle):
    assert grade(moodle["essay"], "Fine, thanks") == Grade(0.0, [], needs_manual=True)
    assert grade(moodle["essay"], "   ").needs_manual is False
    assert grade(DescriptionQuestion(name="d", text="Read this"), "anything") == Grade(0.0, [])


def test_no_response_earns_nothing(moodle):
    for question in moodle.values():
        assert grade(question, None) == Grade(0.0, [])


@pytest.mark.parametrize(
    ("key", "response"),
    [
        ("single", 7),
        ("single", "0"),
        ("single", True),
        ("colours", 3),
        ("colours", {9}),
        ("short", 5),
        ("numerical", [1]),
        ("q1", "yes"),
        ("matching", {4: "Chat"}),
        ("matching", ["Forum"]),
        ("matching", {0: 1}),
        ("essay", 3),
    ],
)
def test_responses_of_the_wrong_shape_are_refused_with_a_message(moodle, key, response):
    with pytest.raises(ResponseError) as caught:
        grade(moodle[key], response)
    assert str(caught.value)


def test_shuffle_is_a_repeatable_permutation_that_does_not_change_grading(moodle):
    colours = moodle["colours"]
    order = shuffle_for_attempt(colours, random.Random(7))
    assert sorted(order) == [0, 1, 2, 3]
    assert order == shuffle_for_attempt(colours, random.Random(7))
    assert sorted(shuffle_for_attempt(moodle["matching"], random.Random(1))) == [0, 1, 2, 3, 4]
    assert shuffle_for_attempt(EssayQuestion(name="e", text="?"), random.Random(1)) == []
    assert grade(colours, {0, 2}).fraction == 1.0
