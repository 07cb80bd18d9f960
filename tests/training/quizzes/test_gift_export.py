"""Writing GIFT: Moodle's layout, and a file that reads back as the same questions."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.quizzes.gift import GiftExportError, export_gift, parse_gift
from training.quizzes.questions import (
    MOODLE_GRADES,
    TEXT_FORMATS,
    Answer,
    DescriptionQuestion,
    EssayQuestion,
    MatchingQuestion,
    MatchPair,
    MultiChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)

from .helpers import moodle_fixture_text


def body(question):
    """Return the export of one question without its leading comment line."""
    return export_gift([question]).split("\n", 1)[1]


# --- Moodle's own expected export (question/format/gift/tests/giftformat_test.php) -----


def test_layout_matches_moodle_exporter():
    q2, q5, q1 = (parse_gift(moodle_fixture_text())[i] for i in (2, 4, 6))
    assert body(q2) == (
        "::Q2::What's between orange and green in the spectrum?{\n"
        "\t=yellow#right; good!\n"
        "\t~red#[html]wrong, it's yellow\n"
        "\t~[plain]blue#wrong, it's yellow\n"
        "}\n\n"
    )
    assert body(q5).endswith("{#\n\t=%100%3:2#\n\t~#Completely wrong\n}\n\n")
    assert body(q1).startswith('::Q1::42 is the Absolute Answer to everything._____";{FALSE#')


def test_export_escapes_and_shortanswer_weights():
    q = ShortAnswerQuestion(
        name="a:b",
        text="A \\ B {x} = ~ #",
        answers=(Answer("Frog", 1.0, "Good!"), Answer("*", 0.0, "Completely wrong")),
        general_feedback="Here is some general feedback!",
        general_feedback_format="html",
    )
    assert body(q) == (
        "::a\\:b::A \\\\ B \\{x\\} \\= \\~ \\#{\n"
        "\t=%100%Frog#Good!\n"
        "\t=%0%*#Completely wrong\n"
        "\t####[html]Here is some general feedback!\n"
        "}\n\n"
    )


def test_moodle_fixture_round_trips():
    questions = parse_gift(moodle_fixture_text())
    assert parse_gift(export_gift(questions)) == questions


def test_categories_are_written_when_they_change_and_can_be_left_out():
    questions = [
        EssayQuestion(name="a", text="A", category="top/Week 1"),
        EssayQuestion(name="b", text="B", category="top/Week 1"),
        EssayQuestion(name="c", text="C", category="top/Week 2"),
    ]
    text = export_gift(questions)
    assert text.count("$CATEGORY:") == 2
    assert parse_gift(text) == questions
    assert "$CATEGORY" not in export_gift(questions, categories=False)


def test_single_choice_with_only_right_answers_stays_multichoice():
    q = MultiChoiceQuestion(name="q", text="Both", answers=(Answer("a", 1.0), Answer("b", 1.0)))
    assert parse_gift(export_gift([q])) == [q]


@pytest.mark.parametrize(
    ("question", "words"),
    [
        (DescriptionQuestion(name="d", text="x", general_feedback="g"), "description"),
        (ShortAnswerQuestion(name="s", text="x", answers=(Answer("a->b", 1.0),)), "'->'"),
        (MatchingQuestion(name="m", text="x", pairs=(MatchPair("a->b", "c"), MatchPair("d", "e"))), "'->'"),
        (MultiChoiceQuestion(name="m", text="x", answers=(Answer("a", 0.5), Answer("b", 0.5))), "full credit"),
        (MultiChoiceQuestion(name="m", text="x", single=False, answers=(Answer("a", 0.37), Answer("b"))), "0.37"),
        (EssayQuestion(name=" ", text="x"), "no name"),
    ],
)
def test_questions_gift_cannot_carry_are_refused(question, words):
    with pytest.raises(GiftExportError) as caught:
        export_gift([EssayQuestion(name="fine", text="ok"), question])
    assert caught.value.problems[0].startswith("Question 2 ")
    assert words in caught.value.problems[0]


# --- Round trip of random questions ------------------------------------------------------

PHP_WHITESPACE = " \t\n\r\0\x0b"
alphabet = st.one_of(
    st.sampled_from(list("~=#{}:\\[]%-> *_/$\n\t\r\x0b\ue00018")),
    st.sampled_from(list("абвгґдеєжзиіїйЖЯшщ日本語のテキスト、。「」")),
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
)
# Starts that mean something in GIFT, so that the writer has to protect them.
tricky_starts = st.sampled_from(
    ["", "[html]", "[moodle]", "[plain]", "[markdown]", "[x]", "%50%", "%-100%", "=", "~", "#", "->", "::", "//", "*"]
)
texts = st.builds(lambda start, rest: (start + rest).strip(PHP_WHITESPACE), tricky_starts, st.text(alphabet, max_size=25))
names = texts.filter(bool)
solid = names  # a text that must not be empty
no_arrow = texts.map(lambda s: s.replace("->", "- >"))
formats = st.sampled_from(TEXT_FORMATS)
maybe_formats = st.none() | formats
grades = st.sampled_from([1.0, 0.0]) | st.sampled_from(MOODLE_GRADES)
numbers = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def common(draw):
    return {
        "name": draw(names),
        "text": draw(texts),
        "text_format": draw(formats),
        "general_feedback": draw(texts),
        "general_feedback_format": draw(maybe_formats),
    }


@st.composite
def multichoice(draw):
    answers = draw(st.lists(st.builds(Answer, solid, grades, texts, maybe_formats, maybe_formats), min_size=2, max_size=5))
    single = draw(st.booleans())
    if draw(st.integers(0, 4)) == 0:  # every answer right: the writer must still emit a "~"
        answers = [replace(a, fraction=1.0) for a in answers]
    if single and not any(a.fraction == 1 for a in answers):
        answers[0] = Answer(answers[0].text, 1.0, answers[0].feedback)
    return MultiChoiceQuestion(**draw(common()), answers=tuple(answers), single=single)


@st.composite
def shortanswer(draw):
    answer = st.builds(Answer, solid.map(lambda s: s.replace("->", "- >")), grades, no_arrow, st.none(), maybe_formats)
    return ShortAnswerQuestion(**draw(common()), answers=tuple(draw(st.lists(answer, min_size=1, max_size=4))))


@st.composite
def numerical(draw):
    answer = st.builds(NumericalAnswer, st.none() | numbers, numbers.map(abs), grades, texts, maybe_formats)
    if draw(st.integers(0, 4)) == 0:  # only "any other answer" feedback
        return NumericalQuestion(**draw(common()), answers=(draw(answer.map(lambda a: replace(a, value=None, fraction=0.0))),))
    return NumericalQuestion(**draw(common()), answers=tuple(draw(st.lists(answer, min_size=1, max_size=4))))


@st.composite
def matching(draw):
    pair = st.builds(MatchPair, no_arrow, solid, maybe_formats)
    return MatchingQuestion(**draw(common()), pairs=tuple(draw(st.lists(pair, min_size=2, max_size=5))))


@st.composite
def truefalse(draw):
    return TrueFalseQuestion(
        **draw(common()),
        correct=draw(st.booleans()),
        feedback_true=draw(texts),
        feedback_false=draw(texts),
        feedback_true_format=draw(maybe_formats),
        feedback_false_format=draw(maybe_formats),
    )


@st.composite
def description(draw):
    fields = draw(common())
    fields.update(general_feedback="", general_feedback_format=None)
    return DescriptionQuestion(**fields)


questions = st.one_of(
    multichoice(),
    shortanswer(),
    numerical(),
    matching(),
    truefalse(),
    common().map(lambda c: EssayQuestion(**c)),
    description(),
)


@st.composite
def question_lists(draw):
    found = draw(st.lists(questions, max_size=6))
    if draw(st.booleans()):  # either every question has a category, or none has
        category = names.filter(lambda s: "\n" not in s and "\r" not in s)
        found = [type(q)(**{**q.__dict__, "category": draw(category)}) for q in found]
    return found


@settings(max_examples=300, deadline=None)
@given(question_lists())
def test_export_then_parse_gives_the_same_questions(found):
    assert parse_gift(export_gift(found)) == found
