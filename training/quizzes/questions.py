"""Quiz questions (Moodle's question types) and how a response to each is graded.

Pure Python: no Flask, no database. The GIFT reader and writer live in ``gift.py``.

Type names are Moodle's own (``Question.qtype``), except that Moodle calls matching
``match``: ``truefalse multichoice shortanswer matching numerical essay description``.

Text formats are Moodle's: ``moodle`` (the default), ``html``, ``markdown``, ``plain``.
A format of ``None`` on an answer, a feedback or a matching stem means "the same as the
question text"; explicit formats equal to the question's are normalised to ``None`` so
that two questions that mean the same compare equal.

Fractions are Moodle's answer grades: 1.0 is full credit, 0.5 half, -1.0 takes a
whole question's worth of credit away (multiple response only).

Response shapes accepted by :func:`grade` (``None`` always means "not answered"):

=============  =============================================================
type           response
=============  =============================================================
truefalse      ``bool``
multichoice    single (``question.single``): ``int``, the index of the chosen
               answer in ``question.answers``; several (``single=False``): a
               collection of such indices (a set, list or tuple)
shortanswer    ``str``
numerical      ``int``, ``float`` or ``str`` (``"3.5"``; a decimal comma ``"3,5"``
               is accepted too); text that is not a number earns nothing
matching       ``Mapping[int, str]``: index of a stem in ``question.pairs`` ->
               the answer text the learner chose for it (see :func:`choices`)
essay          ``str``: not graded here, ``needs_manual`` is set when answered
description    anything: nothing to grade
=============  =============================================================
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

from servicecraft.messages import _

TEXT_FORMATS = ("moodle", "html", "markdown", "plain")

QUESTION_TYPES = (
    "truefalse",
    "multichoice",
    "shortanswer",
    "matching",
    "numerical",
    "essay",
    "description",
)

# Moodle accepts only these answer grades on import (question_bank::fraction_options_full):
# p/q for q <= 6, p/10, 1/q for q <= 10, 1/20, and their negatives.
_POSITIVE_GRADES = (
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
)
MOODLE_GRADES: tuple[float, ...] = _POSITIVE_GRADES + (0.0,) + tuple(-g for g in reversed(_POSITIVE_GRADES))

_PHP_WHITESPACE = " \t\n\r\0\x0b"  # what PHP's trim() removes; Moodle trims with it


def moodle_grade(fraction: float) -> float | None:
    """Return Moodle's standard grade closest to *fraction*, or None if none is close enough.

    Moodle matches within 0.00001, so ``33.333%`` is read as one third.
    """
    for grade_value in MOODLE_GRADES:
        if abs(fraction - grade_value) < 0.00001:
            return grade_value
    return None


# ---------------------------------------------------------------------------
# Messages shown to people (kept together; translated through servicecraft.messages)
# ---------------------------------------------------------------------------


def _m_bad_format(value: object) -> str:
    return _("Unknown text format %(value)s; use one of: %(formats)s.", value=repr(value), formats=", ".join(TEXT_FORMATS))


def _m_not_answered_shape(qtype: str, expected: str, got: object) -> str:
    """*expected* is already translated (the callers pass ``_("a number")`` and the like)."""
    return _("The response to this %(qtype)s question must be %(expected)s, not %(got)s.",
             qtype=qtype, expected=expected, got=type(got).__name__)


def _m_choice_out_of_range(index: int, count: int) -> str:
    return _("Choice number %(index)s does not exist; this question has %(count)s choices (0 to %(last)s).",
             index=index, count=count, last=count - 1)


def _m_stem_out_of_range(index: object) -> str:
    return _("Matching item %(index)s is not one of this question's items.", index=repr(index))


# ---------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------


def _check_format(value: str | None) -> None:
    if value is not None and value not in TEXT_FORMATS:
        raise ValueError(_m_bad_format(value))


@dataclass(frozen=True)
class Answer:
    """One answer of a multichoice or shortanswer question, with its credit and feedback.

    For shortanswer, ``text`` is a pattern: ``*`` matches anything (``\\*`` a star) and
    ``text_format`` is ignored (Moodle keeps shortanswer answers as plain strings).
    """

    text: str
    fraction: float = 0.0
    feedback: str = ""
    text_format: str | None = None
    feedback_format: str | None = None

    def __post_init__(self) -> None:
        _check_format(self.text_format)
        _check_format(self.feedback_format)


@dataclass(frozen=True)
class NumericalAnswer:
    """One accepted number: ``value`` +/- ``tolerance``; ``value=None`` accepts any number.

    A range ``a..b`` in GIFT is stored the way Moodle stores it: its middle and half-width.
    """

    value: float | None
    tolerance: float = 0.0
    fraction: float = 1.0
    feedback: str = ""
    feedback_format: str | None = None

    def __post_init__(self) -> None:
        _check_format(self.feedback_format)
        # Moodle uses the absolute tolerance, and "*" has none.
        tolerance = 0.0 if self.value is None else abs(float(self.tolerance))
        object.__setattr__(self, "tolerance", tolerance)
        if self.value is not None:
            object.__setattr__(self, "value", float(self.value))

    def accepts(self, number: float) -> bool:
        """Tell whether *number* counts as this answer (Moodle's nominal tolerance)."""
        if self.value is None:
            return True
        # Moodle widens the interval by a relative epsilon (MDL-3225) so that values
        # that print the same are not rejected because of binary rounding.
        epsilon = 1e-14
        reach = self.tolerance + epsilon * max(self.tolerance, abs(self.value), epsilon)
        return self.value - reach <= number <= self.value + reach


@dataclass(frozen=True)
class MatchPair:
    """One item of a matching question: a ``stem`` and the ``answer`` that goes with it.

    An empty stem is Moodle's extra wrong answer (GIFT ``= -> Chat``): it is offered as a
    choice but no item asks for it.
    """

    stem: str
    answer: str
    stem_format: str | None = None

    def __post_init__(self) -> None:
        _check_format(self.stem_format)

    @property
    def is_distractor(self) -> bool:
        """Tell whether this pair only adds a wrong choice."""
        return self.stem == ""


# ---------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------


def _inherit(fmt: str | None, question_format: str) -> str | None:
    return None if fmt == question_format else fmt


@dataclass(frozen=True, kw_only=True)
class Question:
    """What every question has: a name, a text, its format, a category and general feedback."""

    qtype: ClassVar[str] = ""

    name: str
    text: str
    text_format: str = "moodle"
    category: str | None = None
    general_feedback: str = ""
    general_feedback_format: str | None = None

    def __post_init__(self) -> None:
        if self.text_format not in TEXT_FORMATS:
            raise ValueError(_m_bad_format(self.text_format))
        _check_format(self.general_feedback_format)
        self._set("general_feedback_format", _inherit(self.general_feedback_format, self.text_format))

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def effective_format(self, fmt: str | None) -> str:
        """Return *fmt*, or the question's text format when *fmt* is None."""
        return fmt or self.text_format


@dataclass(frozen=True, kw_only=True)
class TrueFalseQuestion(Question):
    """A statement that is either true or false.

    ``feedback_true`` is shown to whoever answered "true", ``feedback_false`` to whoever
    answered "false" (Moodle's feedbacktrue / feedbackfalse).
    """

    qtype: ClassVar[str] = "truefalse"

    correct: bool
    feedback_true: str = ""
    feedback_false: str = ""
    feedback_true_format: str | None = None
    feedback_false_format: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("feedback_true_format", "feedback_false_format"):
            _check_format(getattr(self, name))
            self._set(name, _inherit(getattr(self, name), self.text_format))


def _normalise_answers(question: Question, answers: Sequence[Any], *names: str) -> tuple:
    result = []
    for answer in answers:
        changes = {n: _inherit(getattr(answer, n), question.text_format) for n in names}
        result.append(replace(answer, **changes))
    return tuple(result)


@dataclass(frozen=True, kw_only=True)
class MultiChoiceQuestion(Question):
    """Pick one answer (``single=True``) or several (``single=False``, partial and negative credit)."""

    qtype: ClassVar[str] = "multichoice"

    answers: tuple[Answer, ...]
    single: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("answers", _normalise_answers(self, self.answers, "text_format", "feedback_format"))


@dataclass(frozen=True, kw_only=True)
class ShortAnswerQuestion(Question):
    """Type a word or phrase; compared case-insensitively with each answer pattern."""

    qtype: ClassVar[str] = "shortanswer"

    answers: tuple[Answer, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        # The text format of a shortanswer answer means nothing (Moodle drops it).
        answers = tuple(replace(a, text_format=None) for a in self.answers)
        self._set("answers", _normalise_answers(self, answers, "feedback_format"))


@dataclass(frozen=True, kw_only=True)
class MatchingQuestion(Question):
    """Match each stem with its answer."""

    qtype: ClassVar[str] = "matching"

    pairs: tuple[MatchPair, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("pairs", _normalise_answers(self, self.pairs, "stem_format"))


@dataclass(frozen=True, kw_only=True)
class NumericalQuestion(Question):
    """Type a number; each answer accepts a value within its tolerance."""

    qtype: ClassVar[str] = "numerical"

    answers: tuple[NumericalAnswer, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("answers", _normalise_answers(self, self.answers, "feedback_format"))


@dataclass(frozen=True, kw_only=True)
class EssayQuestion(Question):
    """Write a free text that a person grades."""

    qtype: ClassVar[str] = "essay"


@dataclass(frozen=True, kw_only=True)
class DescriptionQuestion(Question):
    """Text shown between questions; nothing to answer."""

    qtype: ClassVar[str] = "description"


QUESTION_CLASSES: dict[str, type[Question]] = {
    cls.qtype: cls
    for cls in (
        TrueFalseQuestion,
        MultiChoiceQuestion,
        ShortAnswerQuestion,
        MatchingQuestion,
        NumericalQuestion,
        EssayQuestion,
        DescriptionQuestion,
    )
}


def question_fields(question: Question) -> dict[str, Any]:
    """Return the question's fields as a dict (handy for storage); ``qtype`` included."""
    data = {f.name: getattr(question, f.name) for f in fields(question)}
    data["qtype"] = question.qtype
    return data


# ---------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------


class ResponseError(ValueError):
    """A response does not have the shape its question type expects (a programming error
    in the caller, or a tampered form); the message says what was expected."""


@dataclass
class Grade:
    """The outcome of one response: credit (Moodle fraction), feedback texts to show, and
    whether a person still has to grade it."""

    fraction: float
    feedback: list[str] = field(default_factory=list)
    needs_manual: bool = False


def choices(question: MatchingQuestion) -> list[str]:
    """Return the distinct answers a learner chooses from, in the question's order."""
    seen: dict[str, None] = {}
    for pair in question.pairs:
        seen.setdefault(pair.answer, None)
    return list(seen)


def shuffle_for_attempt(question: Question, rng: random.Random) -> list[int]:
    """Return the order to show the choices in for one attempt.

    For multichoice: a permutation of indices into ``question.answers``; for matching: a
    permutation of indices into :func:`choices`; for other types an empty list.
    Responses keep using the original indices and texts, so grading ignores the order.
    """
    if isinstance(question, MultiChoiceQuestion):
        order = list(range(len(question.answers)))
    elif isinstance(question, MatchingQuestion):
        order = list(range(len(choices(question))))
    else:
        return []
    rng.shuffle(order)
    return order


def _with_general(question: Question, feedback: list[str]) -> list[str]:
    # Moodle shows the general feedback to everyone once the question is answered.
    if question.general_feedback:
        return [*feedback, question.general_feedback]
    return feedback


def _php_trim(text: str) -> str:
    return text.strip(_PHP_WHITESPACE)


def _check_index(value: object, count: int, qtype: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResponseError(_m_not_answered_shape(qtype, _("a choice number"), value))
    if not 0 <= value < count:
        raise ResponseError(_m_choice_out_of_range(value, count))
    return value


def _grade_truefalse(question: TrueFalseQuestion, response: object) -> Grade:
    if not isinstance(response, bool):
        raise ResponseError(_m_not_answered_shape("true/false", _("True or False"), response))
    feedback = question.feedback_true if response else question.feedback_false
    fraction = 1.0 if response == question.correct else 0.0
    return Grade(fraction, _with_general(question, [feedback] if feedback else []))


def _grade_multichoice(question: MultiChoiceQuestion, response: object) -> Grade:
    count = len(question.answers)
    if question.single:
        chosen = [_check_index(response, count, "multiple-choice")]
        # Single choice: the chosen answer's credit, which may be negative (Moodle).
        fraction = question.answers[chosen[0]].fraction
    else:
        if isinstance(response, (str, bytes, Mapping)) or not isinstance(response, Collection):
            raise ResponseError(_m_not_answered_shape("multiple-response", _("a set of choice numbers"), response))
        chosen = sorted({_check_index(item, count, "multiple-response") for item in response})
        # Several answers: add the credits up, then keep the total between 0 and 1 (Moodle).
        fraction = min(max(sum(question.answers[i].fraction for i in chosen), 0.0), 1.0)
    feedback = [question.answers[i].feedback for i in chosen if question.answers[i].feedback]
    return Grade(fraction, _with_general(question, feedback))


def shortanswer_matches(response: str, pattern: str) -> bool:
    """Tell whether *response* matches the shortanswer *pattern*, as Moodle decides.

    Case is ignored, ``*`` stands for any text (``\\*`` for a star), both sides are put in
    Unicode NFC form and the response is trimmed.
    """
    pattern = unicodedata.normalize("NFC", pattern)
    response = _php_trim(unicodedata.normalize("NFC", response))
    bits = re.split(r"(?<!\\)\*+", pattern)  # runs of unescaped stars are one wildcard
    regex = ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits)
    return re.fullmatch(regex, response, flags=re.IGNORECASE) is not None


def _best(candidates: list[Any]) -> Any | None:
    # Highest credit wins; among equals, the first in the question's order.
    best = None
    for candidate in candidates:
        if best is None or candidate.fraction > best.fraction:
            best = candidate
    return best


def _grade_shortanswer(question: ShortAnswerQuestion, response: object) -> Grade:
    if not isinstance(response, str):
        raise ResponseError(_m_not_answered_shape("short-answer", _("text"), response))
    if not _php_trim(response):
        return Grade(0.0, [])
    answer = _best([a for a in question.answers if shortanswer_matches(response, a.text)])
    if answer is None:
        return Grade(0.0, _with_general(question, []))
    return Grade(answer.fraction, _with_general(question, [answer.feedback] if answer.feedback else []))


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_number(text: str) -> float | None:
    """Return the number a learner typed, or None when it is not a number.

    Accepts ``3``, ``-2.5``, ``1e3`` and a decimal comma (``2,5``) when there is no point.
    """
    text = _php_trim(text).replace("\u2212", "-")  # a typographic minus sign
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _grade_numerical(question: NumericalQuestion, response: object) -> Grade:
    if isinstance(response, bool) or not isinstance(response, (int, float, str)):
        raise ResponseError(_m_not_answered_shape("numerical", _("a number"), response))
    if isinstance(response, str):
        if not _php_trim(response):
            return Grade(0.0, [])
        number = parse_number(response)
    else:
        number = float(response) if math.isfinite(response) else None
    if number is None:
        # Not a number: Moodle matches no answer, not even "*".
        return Grade(0.0, _with_general(question, []))
    answer = _best([a for a in question.answers if a.accepts(number)])
    if answer is None:
        return Grade(0.0, _with_general(question, []))
    return Grade(answer.fraction, _with_general(question, [answer.feedback] if answer.feedback else []))


def _grade_matching(question: MatchingQuestion, response: object) -> Grade:
    if not isinstance(response, Mapping):
        raise ResponseError(_m_not_answered_shape("matching", _("a mapping of item to answer"), response))
    stems = [i for i, pair in enumerate(question.pairs) if not pair.is_distractor]
    for key, value in response.items():
        if key not in stems or isinstance(key, bool):
            raise ResponseError(_m_stem_out_of_range(key))
        if value is not None and not isinstance(value, str):
            raise ResponseError(_m_not_answered_shape("matching", _("answer texts"), value))
    if not stems:
        return Grade(0.0, _with_general(question, []))
    right = sum(1 for i in stems if response.get(i) == question.pairs[i].answer)
    return Grade(right / len(stems), _with_general(question, []))


def _grade_essay(question: EssayQuestion, response: object) -> Grade:
    if not isinstance(response, str):
        raise ResponseError(_m_not_answered_shape("essay", _("text"), response))
    # An empty essay has nothing for a person to grade.
    return Grade(0.0, _with_general(question, []), needs_manual=bool(_php_trim(response)))


_GRADERS = {
    "truefalse": _grade_truefalse,
    "multichoice": _grade_multichoice,
    "shortanswer": _grade_shortanswer,
    "numerical": _grade_numerical,
    "matching": _grade_matching,
    "essay": _grade_essay,
}


def grade(question: Question, response: object) -> Grade:
    """Grade one *response* to *question* the way Moodle would (see the module docstring
    for the response shape of each type).

    ``None`` (not answered) earns 0 without feedback; a description is never graded.
    Raises :class:`ResponseError` when the response has the wrong shape.
    """
    if question.qtype == "description" or response is None:
        return Grade(0.0, [])
    return _GRADERS[question.qtype](question, response)
