"""Evaluation scores (metrics.md, "Evaluation scores"): the ONE scoring module.

Ticket reviews, mystery shops, CSV imports, calibration and scorecards all score through
``score_evaluation`` so a number means the same everywhere. Pure Python.

Answers are a mapping ``{item id: value}`` of JSON-friendly values:

==========  ======================================================================
item type   value
==========  ======================================================================
yes_no      ``True`` / ``False`` (nothing else: not 1/0, not "yes")
scale       ``int`` from 0 to the item's ``max``
stars       ``int`` from 1 to 5 (scored as 0..4)
timer       seconds as ``int`` or ``float``, 0 or more
text        ``str``
photo/audio list of file names (``list[str]``)
any scored  ``NA`` (the string ``"na"``) when the item allows N/A
==========  ======================================================================

A missing key, ``None`` or ``""`` is "not answered". On a scored item that allows N/A it
counts as N/A (as an empty cell does in the results CSV); otherwise it is a problem.
Timers with a threshold are yes/no items: the answer is "yes" when ``seconds <= threshold``,
i.e. "answered within 60 s" includes exactly 60 s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from qa.evaluations.formfile import FormDefinition, Item
from servicecraft.messages import _

NA = "na"
Answer = bool | int | float | str | list[str] | None


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_unknown_item() -> str:
    return _("is not an item of this form")


def _m_required() -> str:
    return _("needs an answer")


def _m_na_not_allowed() -> str:
    return _("cannot be answered N/A")


def _m_yes_no() -> str:
    return _("must be answered yes or no")


def _m_scale(top: int) -> str:
    return _("must be a whole number from 0 to %(top)s", top=top)


def _m_stars() -> str:
    return _("must be a whole number of stars from 1 to 5")


def _m_timer() -> str:
    return _("must be a number of seconds, 0 or more")


def _m_text() -> str:
    return _("must be text")


def _m_evidence() -> str:
    return _("must be a list of file names")


def _m_explain(top: Fraction, bottom: Fraction, score: float) -> str:
    return _("The score is 100 × (sum of weight × value ÷ max) ÷ (sum of weights) over the "
             "scored items not answered N/A: 100 × %(top)s ÷ %(bottom)s = %(score)s.",
             top=_num(top), bottom=_num(bottom), score=format(score, ".1f"))


def _m_explain_na(ids: list[str]) -> str:
    return _("Left out as N/A: %(items)s.", items=", ".join(ids))


def _m_explain_all_na() -> str:
    return _("Every scored item was answered N/A, so there is no score.")


def _m_explain_critical(ids: list[str]) -> str:
    return _("Critical item %(items)s got its lowest value, so the score is 0 (critical fail).", items=", ".join(ids))


def _m_explain_timer(item_id: str, seconds: float, threshold: float, ok: bool) -> str:
    if ok:
        return _("Timer %(item)s: %(seconds)s s is within the %(threshold)s s limit.",
                 item=item_id, seconds=_num(seconds), threshold=_num(threshold))
    return _("Timer %(item)s: %(seconds)s s is over the %(threshold)s s limit.",
             item=item_id, seconds=_num(seconds), threshold=_num(threshold))


def _m_item_problem(item_id: str, message: str) -> str:
    return _("item %(item)s: %(message)s", item=item_id, message=message)


# --- Results -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerProblem:
    """One problem with one answer."""

    item_id: str
    message: str

    def __str__(self) -> str:
        return _m_item_problem(self.item_id, self.message)


class AnswerError(ValueError):
    """Answers do not fit the form; ``problems`` lists every one."""

    def __init__(self, problems: list[AnswerProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class ItemScore:
    """How one scored item counted."""

    value: int | None   # on the item's own scale 0..max; None when N/A
    max: int
    weight: float
    na: bool
    critical: bool = False


@dataclass(frozen=True)
class EvaluationScore:
    """The score of one evaluation and how it was reached."""

    score: float | None          # 0..100, one decimal, half away from zero; None when all N/A
    critical_fail: bool
    per_item: dict[str, ItemScore]
    explanation: str
    exact: float | None = None   # unrounded score, for means that must round only at the end
    critical_failed_items: tuple[str, ...] = ()


# --- Rules shared with the CSV import ----------------------------------------------------

def is_empty(value: object) -> bool:
    """Tell whether an answer counts as "not answered"."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple)) and not value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def item_value_problem(item: Item, value: object) -> str | None:
    """Return why a given (non-empty, non-N/A) answer does not fit the item, else None."""
    kind = item.type
    if kind == "yes_no":
        return None if isinstance(value, bool) else _m_yes_no()
    if kind == "scale":
        return None if _is_int(value) and 0 <= value <= item.max else _m_scale(item.max)
    if kind == "stars":
        return None if _is_int(value) and 1 <= value <= 5 else _m_stars()
    if kind == "timer":
        return None if _is_number(value) and value >= 0 else _m_timer()
    if kind == "text":
        return None if isinstance(value, str) else _m_text()
    if kind in ("photo", "audio"):
        is_list = isinstance(value, (list, tuple))
        ok = is_list and all(isinstance(v, str) and v.strip() for v in value)
        return None if ok else _m_evidence()
    return None


def item_points(item: Item, value: Answer) -> int:
    """Return a valid answer's value on the item's score scale (0..item.points)."""
    if item.type == "yes_no":
        return 1 if value else 0
    if item.type == "stars":
        return int(value) - 1   # 1..5 stars -> 0..4
    if item.type == "timer":
        return 1 if value <= item.threshold else 0
    return int(value)


def _is_na(item: Item, value: object) -> bool:
    # A text item's answer "na" is just text; the sentinel means N/A only on scored items.
    return item.is_scored and isinstance(value, str) and value.strip().lower() == NA


def validate_answers(form: FormDefinition, answers: Mapping[str, Answer]) -> list[AnswerProblem]:
    """Return every problem with *answers* for *form* (empty list when they are fine)."""
    problems: list[AnswerProblem] = []
    if not isinstance(answers, Mapping):
        return [AnswerProblem("*", _m_required())]
    known = {item.id for item in form.items()}
    for key in answers:
        if key not in known:
            problems.append(AnswerProblem(str(key), _m_unknown_item()))
    for item in form.items():
        value = answers.get(item.id)
        if is_empty(value):
            if item.is_scored and not item.na:
                problems.append(AnswerProblem(item.id, _m_required()))
            continue
        if _is_na(item, value):
            if not item.na:
                problems.append(AnswerProblem(item.id, _m_na_not_allowed()))
            continue
        problem = item_value_problem(item, value)
        if problem:
            problems.append(AnswerProblem(item.id, problem))
    return problems


# --- Scoring -----------------------------------------------------------------------------

def _fraction(number: float | int) -> Fraction:
    # str() keeps a weight of 0.1 as one tenth rather than its binary approximation.
    return Fraction(str(number)) if isinstance(number, float) else Fraction(number)


def _num(value: Fraction | float | int) -> str:
    """Format a number for explanations: at most two decimals, no trailing zeros."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def round_half_away(value: Fraction | float | int, digits: int = 1) -> float:
    """Round half away from zero to *digits* decimals, exactly (no binary surprises)."""
    exact = _fraction(value) if not isinstance(value, Fraction) else value
    scale = 10 ** digits
    scaled = abs(exact) * scale
    rounded = math.floor(scaled + Fraction(1, 2))
    return math.copysign(rounded / scale, exact) if rounded else 0.0


def score_evaluation(form: FormDefinition, answers: Mapping[str, Answer]) -> EvaluationScore:
    """Score *answers* on *form* per metrics.md; raise AnswerError when they do not fit."""
    problems = validate_answers(form, answers)
    if problems:
        raise AnswerError(problems)

    per_item: dict[str, ItemScore] = {}
    top = Fraction(0)
    bottom = Fraction(0)
    na_ids: list[str] = []
    critical_ids: list[str] = []
    notes: list[str] = []
    for item in form.scored_items():
        value = answers.get(item.id)
        if is_empty(value) or _is_na(item, value):
            na_ids.append(item.id)
            per_item[item.id] = ItemScore(None, item.points, item.weight, True, item.critical)
            continue
        points = item_points(item, value)
        per_item[item.id] = ItemScore(points, item.points, item.weight, False, item.critical)
        if item.type == "timer":
            notes.append(_m_explain_timer(item.id, value, item.threshold, bool(points)))
        if item.critical and points == 0:
            critical_ids.append(item.id)
        weight = _fraction(item.weight)
        top += weight * Fraction(points, item.points)
        bottom += weight

    explanation: list[str] = []
    if critical_ids:
        score, exact = 0.0, 0.0
        explanation.append(_m_explain_critical(critical_ids))
    elif bottom == 0:
        score, exact = None, None
        explanation.append(_m_explain_all_na())
    else:
        exact_fraction = 100 * top / bottom
        score, exact = round_half_away(exact_fraction), float(exact_fraction)
        explanation.append(_m_explain(top, bottom, score))
    if na_ids and bottom != 0:
        explanation.append(_m_explain_na(na_ids))
    explanation.extend(notes)
    return EvaluationScore(score=score, critical_fail=bool(critical_ids), per_item=per_item,
                           explanation=" ".join(explanation), exact=exact,
                           critical_failed_items=tuple(critical_ids))


__all__ = [
    "NA", "Answer", "AnswerError", "AnswerProblem", "EvaluationScore", "ItemScore",
    "is_empty", "item_points", "item_value_problem", "round_half_away", "score_evaluation",
    "validate_answers",
]
