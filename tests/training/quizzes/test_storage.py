"""Questions survive the trip to JSON and back unchanged."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from training.quizzes.gift import parse_gift
from training.quizzes.questions import (
    MOODLE_GRADES,
    Answer,
    MatchingQuestion,
    MatchPair,
    MultiChoiceQuestion,
    NumericalAnswer,
    NumericalQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)
from training.quizzes.storage import StorageError, from_data, to_data

from .helpers import moodle_fixture_text

text = st.text(max_size=30)
fmt = st.sampled_from([None, "moodle", "html", "markdown", "plain"])
grade = st.sampled_from(MOODLE_GRADES)
answers = st.lists(st.builds(Answer, text=text, fraction=grade, feedback=text, text_format=fmt, feedback_format=fmt), min_size=1, max_size=5)
numbers = st.floats(allow_nan=False, allow_infinity=False, width=32)

questions = st.one_of(
    st.builds(TrueFalseQuestion, name=text, text=text, correct=st.booleans(), feedback_true=text, feedback_false=text,
              category=st.none() | text, general_feedback=text),
    st.builds(MultiChoiceQuestion, name=text, text=text, answers=answers.map(tuple), single=st.booleans(),
              text_format=st.sampled_from(["moodle", "html", "markdown", "plain"])),
    st.builds(ShortAnswerQuestion, name=text, text=text, answers=answers.map(tuple)),
    st.builds(NumericalQuestion, name=text, text=text, answers=st.lists(
        st.builds(NumericalAnswer, value=st.none() | numbers, tolerance=numbers, fraction=grade, feedback=text), min_size=1, max_size=3
    ).map(tuple)),
    st.builds(MatchingQuestion, name=text, text=text, pairs=st.lists(
        st.builds(MatchPair, stem=text, answer=text, stem_format=fmt), min_size=1, max_size=4).map(tuple)),
)


@settings(max_examples=300, deadline=None)
@given(questions)
def test_every_question_survives_json(question):
    data = json.loads(json.dumps(to_data(question)))
    assert from_data(data) == question
    assert data["qtype"] == question.qtype


def test_moodle_fixture_survives_json():
    for question in parse_gift(moodle_fixture_text()):
        assert from_data(json.loads(json.dumps(to_data(question)))) == question


def test_unknown_type_is_refused():
    try:
        from_data({"qtype": "cloze", "name": "x", "text": "y"})
    except StorageError as error:
        assert "cloze" in str(error)
    else:  # pragma: no cover
        raise AssertionError("an unknown type was accepted")
