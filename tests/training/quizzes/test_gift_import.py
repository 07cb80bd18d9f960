"""Reading GIFT files the way Moodle's importer reads them."""

import pytest

from training.quizzes.gift import GiftError, decode_gift, parse_gift, summarize
from training.quizzes.questions import (
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

from .helpers import MOODLE_FIXTURE, moodle_fixture_text


def parse_one(text):
    questions = parse_gift(text)
    assert len(questions) == 1
    return questions[0]


def problems_of(text):
    with pytest.raises(GiftError) as caught:
        parse_gift(text, "quiz.gift")
    return [(p.line, p.message) for p in caught.value.problems]


# --- Moodle's own fixture -------------------------------------------------------------


@pytest.fixture(scope="module")
def moodle_questions():
    return parse_gift(moodle_fixture_text(), MOODLE_FIXTURE.name)


def test_moodle_fixture_imports_nine_questions_by_type(moodle_questions):
    assert summarize(moodle_questions) == {
        "imported": 9,
        "by_type": {
            "truefalse": 3,
            "multichoice": 2,
            "shortanswer": 1,
            "matching": 1,
            "numerical": 1,
            "essay": 1,
            "description": 0,
        },
    }


def test_moodle_fixture_essay_and_matching(moodle_questions):
    essay, matching = moodle_questions[0], moodle_questions[1]
    assert essay == EssayQuestion(name="Q8", text="How are you?")
    assert matching.name == "Moodle activities"
    assert matching.text == "Match the <b>activity</b> to the description."
    assert matching.text_format == "html"
    assert [(p.stem, p.answer) for p in matching.pairs][-1] == ("", "Chat")
    assert matching.pairs[-1].is_distractor
    assert [matching.effective_format(p.stem_format) for p in matching.pairs] == [
        "html",
        "moodle",
        "plain",
        "markdown",
        "html",
    ]


def test_moodle_fixture_single_and_multiple_response(moodle_questions):
    single, multi = moodle_questions[2], moodle_questions[3]
    assert single.single and not multi.single
    assert [a.fraction for a in single.answers] == [1.0, 0.0, 0.0]
    assert single.answers[1].feedback == "wrong, it's yellow"
    assert single.answers[1].feedback_format == "html"
    assert single.answers[2].text == "blue" and single.answers[2].text_format == "plain"
    assert multi.name == "colours"
    assert [(a.text, a.fraction) for a in multi.answers] == [
        ("yellow", 0.5),
        ("red", -1.0),
        ("off-beige", 0.5),
        ("blue", -1.0),
    ]


def test_moodle_fixture_numerical_keeps_text_after_the_brace(moodle_questions):
    numerical = moodle_questions[4]
    # Moodle replaces an answer block that is not at the very end with a blank.
    assert numerical.text == 'What is a number from 1 to 5? _____";'
    assert numerical.answers == (
        NumericalAnswer(3.0, 2.0, 1.0),
        NumericalAnswer(None, 0.0, 0.0, "Completely wrong"),
    )


def test_moodle_fixture_shortanswer_and_truefalse(moodle_questions):
    short = moodle_questions[5]
    assert [(a.text, a.fraction, a.feedback) for a in short.answers] == [
        ("Frog", 1.0, "Good!"),
        ("Cat", 0.5, "What is it with Moodlers and cats?"),
        ("*", 0.0, "Completely wrong"),
    ]
    q1 = moodle_questions[6]
    assert q1.correct is False
    assert q1.feedback_true == "42 is the Ultimate Answer."  # shown to a wrong "true"
    assert q1.feedback_false == "You gave the right answer."
    assert q1.general_feedback == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert [q.correct for q in moodle_questions[7:]] == [True, True]
    assert moodle_questions[7].name == "2-08 TSL"


# --- Syntax ------------------------------------------------------------------------------


def test_answer_block_in_the_middle_leaves_a_blank():
    q = parse_one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert isinstance(q, MultiChoiceQuestion)
    assert q.text == "Grant is _____ in Grant's tomb."
    assert [(a.text, a.fraction) for a in q.answers] == [("buried", 0), ("entombed", 1), ("living", 0)]


@pytest.mark.parametrize(
    ("block", "correct"),
    [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False)],
)
def test_truefalse_spellings(block, correct):
    q = parse_one("The sun is a star." + block)
    assert isinstance(q, TrueFalseQuestion) and q.correct is correct


def test_truefalse_lowercase_is_a_shortanswer_as_in_moodle():
    q = parse_one("The sun is a star.{true}")
    assert isinstance(q, ShortAnswerQuestion)
    assert q.answers == (Answer("true", 1.0),)


def test_truefalse_wrong_then_right_feedback():
    q = parse_one("Grant is buried in Grant's tomb.{TRUE#No, he is.#Yes!}")
    assert (q.feedback_true, q.feedback_false) == ("Yes!", "No, he is.")


def test_escapes_are_read_back_as_characters():
    q = parse_one(r"::A\:B:: Use \{braces\}, \~tilde, \=equals, \#hash\nnew line and \\ backslash{}")
    assert q.name == "A:B"
    assert q.text == "Use {braces}, ~tilde, =equals, #hash\nnew line and \\ backslash"


def test_escaped_characters_are_not_syntax_in_answers():
    q = parse_one(r"Pick one {=a \= b \# c ~d \~ e}")
    assert [a.text for a in q.answers] == ["a = b # c", "d ~ e"]


def test_comments_blank_lines_and_default_name():
    text = "// a comment\nWho's buried in Grant's tomb?\n// inside\n{=no one =nobody}\n\n\n// only a comment\n"
    q = parse_one(text)
    assert isinstance(q, ShortAnswerQuestion)
    assert q.name == "Who's buried in Grant's tomb?"
    assert [a.text for a in q.answers] == ["no one", "nobody"]


def test_shortanswer_without_equals_is_one_full_credit_answer():
    q = parse_one("Two plus two, in words?{four}")
    assert q.answers == (Answer("four", 1.0),)


@pytest.mark.parametrize(
    ("block", "answers"),
    [
        ("{#1822:5}", [NumericalAnswer(1822, 5)]),
        ("{#1..5}", [NumericalAnswer(3, 2)]),
        ("{#3:-2}", [NumericalAnswer(3, 2)]),  # Moodle uses the absolute tolerance
        ("{#=1822:0 =%50%1822:2#close}", [NumericalAnswer(1822, 0), NumericalAnswer(1822, 2, 0.5, "close")]),
        ("{#3.14159:0.0005}", [NumericalAnswer(3.14159, 0.0005)]),
        ("{#=*#anything}", [NumericalAnswer(None, 0, 1.0, "anything")]),
    ],
)
def test_numerical_forms(block, answers):
    q = parse_one("When was Ulysses S. Grant born?" + block)
    assert isinstance(q, NumericalQuestion)
    assert list(q.answers) == answers


def test_matching_pairs():
    q = parse_one("Match the capitals.{=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo}")
    assert isinstance(q, MatchingQuestion)
    assert q.pairs == (MatchPair("Canada", "Ottawa"), MatchPair("Italy", "Rome"), MatchPair("Japan", "Tokyo"))


def test_description_and_essay_with_general_feedback():
    description, essay = parse_gift("You are about to start.\n\nWrite about your day.{####Be honest.}")
    assert description == DescriptionQuestion(name="You are about to start.", text="You are about to start.")
    assert isinstance(essay, EssayQuestion) and essay.general_feedback == "Be honest."


def test_formats_apply_to_text_feedback_and_general_feedback():
    q = parse_one("::f::[markdown]**Bold**{=a#[html]<i>fb</i> ~b####[plain]general}")
    assert q.text == "**Bold**" and q.text_format == "markdown"
    assert q.answers[0].feedback_format == "html"
    assert q.general_feedback == "general" and q.general_feedback_format == "plain"
    # An unknown tag is just text.
    assert parse_one("[shout]Hello{}").text == "[shout]Hello"


def test_categories_apply_to_the_questions_below():
    text = "Before{}\n\n$CATEGORY: top/Onboarding/Week 1\n\nA{}\n\nB{T}\n\n$CATEGORY: $course$/Refunds\n\nC{}"
    assert [(q.text, q.category) for q in parse_gift(text)] == [
        ("Before", None),
        ("A", "top/Onboarding/Week 1"),
        ("B", "top/Onboarding/Week 1"),
        ("C", "$course$/Refunds"),
    ]


def test_cyrillic_and_japanese_text_with_bom_and_crlf():
    text = "\ufeff::Вопрос::Столица Японии?{=Токио =東京}\r\n\r\n::質問::日本の首都は東京です。{T}\r\n"
    first, second = parse_gift(text)
    assert first.name == "Вопрос" and [a.text for a in first.answers] == ["Токио", "東京"]
    assert second.name == "質問" and second.correct


def test_old_mac_line_endings():
    assert len(parse_gift("A{T}\r\rB{F}\r")) == 2


def test_weights_are_matched_to_moodle_grades():
    q = parse_one("Pick {~%33.333%a ~%33.33333%b ~%-50%c ~d}")
    assert [a.fraction for a in q.answers] == [0.3333333, 0.3333333, -0.5, 0.0]


def test_summarize_counts_every_type():
    result = summarize(parse_gift("A\n\nB{}\n\nC{T}"))
    assert result["imported"] == 3
    assert result["by_type"]["description"] == 1 and result["by_type"]["matching"] == 0


# --- Problems ----------------------------------------------------------------------------


def test_every_problem_is_reported_with_its_line_and_nothing_is_imported():
    text = (
        "Good one{T}\n"  # 1
        "\n"
        "::broken:: Never closed {=a\n"  # 3
        "=b\n"
        "\n"
        "Pick {\n"  # 6
        "~%37%a\n"  # 7: not a Moodle grade
        "~b}\n"
        "\n"
        "Number? {#three}\n"  # 10
    )
    problems = problems_of(text)
    assert [line for line, _ in problems] == [3, 7, 10]
    assert "no closing }" in problems[0][1]
    assert "%37%" in problems[1][1]
    assert "'three' is not a number" in problems[2][1]


def test_problem_text_names_file_and_line():
    with pytest.raises(GiftError) as caught:
        parse_gift("\n\nQ {~only one}", "week1.gift")
    assert str(caught.value) == "week1.gift, line 3: This multiple-choice question needs at least 2 answers."


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Q } oops {T}", 1, "closing }"),
        ("Q \n} {", 2, "before the opening"),
        ("Q {T} and {F}", 1, "only one {...}"),
        ("Q {=a {b}", 1, "another {"),
        ("Match {=a -> b\n=c d}", 2, "no '->'"),
        ("Match {=a -> b =c ->}", 1, "nothing after '->'"),
        ("Pick {~a ~~b}", 1, "Answer 2 is empty"),
        ("Number {#}", 1, "no answer"),
        ("Number {#1:x}", 1, "'x' is not a number"),
        ("Pick {~%--50%a ~b}", 1, "not a number"),
        ("$CATEGORY: a\nQuestion{T}", 1, "blank line after the $CATEGORY"),
        ("$CATEGORY:   ", 1, "does not name"),
        ("Name? {=}", 1, "Answer 1 is empty"),
    ],
)
def test_problems(text, line, words):
    problems = problems_of(text)
    assert problems[0][0] == line
    assert words in problems[0][1]


def test_numbers_are_not_silently_turned_into_any_answer():
    # Moodle stores a non-number as "*" (any answer is right); we refuse it.
    assert problems_of("Year? {#nineteen}")[0][0] == 1


def test_decode_rejects_files_that_are_not_utf8():
    assert decode_gift("Столица?{=Москва}".encode()) == "Столица?{=Москва}"
    with pytest.raises(GiftError) as caught:
        decode_gift(b"line one\nQ {=caf\xe9}", "latin1.gift")
    assert caught.value.problems[0].line == 2
    assert "UTF-8" in caught.value.problems[0].message


def test_private_use_characters_are_kept_as_they_are():
    # The reader marks escapes with a private-use character internally; real ones survive.
    q = parse_one("::\ue000::a\ue0001\ue000\\:b{=\ue0003}")
    assert (q.name, q.text, q.answers[0].text) == ("\ue000", "a\ue0001\ue000:b", "\ue0003")
