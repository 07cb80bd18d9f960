"""Calibration statistics (metrics.md, "Calibration"): agreement between QA reviewers.

Pure Python, no numpy. Several reviewers score the same interaction blind with the same form
version; this module reports, per item and overall:

* Krippendorff's alpha, interval metric, over item scores as fractions of the item's max
  (yes/no 0 or 1, scale v/max, stars (n-1)/4, thresholded timer 0 or 1); N/A is missing.
  Per item, each interaction is one unit. **Overall** alpha pools every (interaction, item)
  pair of scored items as one unit each, so all items weigh the same in it.
  Alpha is ``None`` when it cannot be computed: no unit has two answers, or every answer is
  the same value (no variation, so agreement cannot be told from chance).
  Note that with a single interaction a per-item alpha has one unit and is 0 whenever the
  reviewers differ; the pooled overall alpha is the figure to read for one session.
* Alignment with the owner's reference answers: per item ``1 - |score - reference| / max``
  on the item's own scale; overall the mean of the items' alignments weighted by ``weight``.
  Where N/A is involved (the formula has no number): both N/A is 1 (they agree the item does
  not apply), only one N/A is 0 (they disagree whether it applies).
* Spread of the reviewers' overall scores: count, min, max and the *population* standard
  deviation (the reviewers of a session are the whole group, not a sample), each rounded
  half away from zero to one decimal at the end. Unscored (all N/A) evaluations are left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa.evaluations.formfile import FormDefinition, Item
from qa.evaluations.scoring import (
    NA,
    Answer,
    is_empty,
    item_points,
    round_half_away,
    score_evaluation,
    validate_answers,
)
from servicecraft.messages import _

Sheets = Mapping[str, Mapping[str, Answer]]   # reviewer -> answers


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_sheet_problem(who: str, item_id: str, message: str) -> str:
    return _("%(who)s, item %(item)s: %(message)s", who=who, item=item_id, message=message)


def _m_reviewer(name: str) -> str:
    return _("reviewer %(name)s", name=name)


def _m_reference() -> str:
    return _("reference answers")


class CalibrationError(ValueError):
    """Some answers given to calibration do not fit the form; ``problems`` lists them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# --- Krippendorff's alpha ----------------------------------------------------------------

def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _squared_deviations(values: Sequence[float]) -> float:
    """Return the sum of squared deviations from the mean; exactly 0 when all values are equal."""
    # Shifting by the first value keeps equal values at an exact 0 (a computed mean may not be).
    shifted = [v - values[0] for v in values]
    total = math.fsum(shifted)
    return max(0.0, math.fsum(d * d for d in shifted) - total * total / len(values))


def alpha_interval(reliability_data: Sequence[Sequence[float | None]]) -> float | None:
    """Return Krippendorff's alpha (interval metric) or None when it is undefined.

    *reliability_data* has one row per reviewer and one column per unit, like the
    ``krippendorff`` package's argument; ``None`` or NaN is a missing value.
    """
    width = max((len(row) for row in reliability_data), default=0)
    units = []
    for column in range(width):
        values = [float(row[column]) for row in reliability_data
                  if column < len(row) and _present(row[column])]
        if len(values) >= 2:   # a value with no partner in its unit cannot be paired
            units.append(values)
    n = sum(len(values) for values in units)
    if n < 2:
        return None
    # Sum over ordered pairs i != j of (a_i - a_j)^2 equals 2 * m * (sum of squared deviations).
    observed = math.fsum(2 * len(v) * _squared_deviations(v) / (len(v) - 1) for v in units) / n
    pooled = [value for values in units for value in values]
    expected = 2 * n * _squared_deviations(pooled) / (n * (n - 1))
    if expected == 0 or len(set(pooled)) == 1:
        return None
    return 1 - observed / expected


# --- From answers to numbers -------------------------------------------------------------

def _points(item: Item, answers: Mapping[str, Answer]) -> int | None:
    value = answers.get(item.id)
    if is_empty(value) or (isinstance(value, str) and value.strip().lower() == NA):
        return None
    return item_points(item, value)


def item_fractions(form: FormDefinition, answers: Mapping[str, Answer]) -> dict[str, float | None]:
    """Return each scored item's answer as a fraction of its max (None for N/A)."""
    out = {}
    for item in form.scored_items():
        points = _points(item, answers)
        out[item.id] = None if points is None else points / item.points
    return out


def _check(form: FormDefinition, sheets: Sheets, reference: Mapping[str, Answer] | None) -> None:
    problems = []
    for reviewer, answers in sheets.items():
        for p in validate_answers(form, answers):
            problems.append(_m_sheet_problem(_m_reviewer(reviewer), p.item_id, p.message))
    if reference is not None:
        for p in validate_answers(form, reference):
            problems.append(_m_sheet_problem(_m_reference(), p.item_id, p.message))
    if problems:
        raise CalibrationError(problems)


def alpha_by_item(form: FormDefinition, sessions: Sequence[Sheets]
                  ) -> tuple[dict[str, float | None], float | None]:
    """Return (alpha per item, overall alpha) over one or more calibration sessions.

    Each session is one interaction: ``{reviewer: answers}``. Reviewers are matched by name
    across sessions; a reviewer absent from a session is missing there.
    """
    for sheets in sessions:
        _check(form, sheets, None)
    reviewers = sorted({name for sheets in sessions for name in sheets})
    fractions = [{name: item_fractions(form, answers) for name, answers in sheets.items()}
                 for sheets in sessions]
    per_item: dict[str, float | None] = {}
    pooled: list[list[float | None]] = [[] for _ in reviewers]
    for item in form.scored_items():
        rows = [[session.get(name, {}).get(item.id) for session in fractions] for name in reviewers]
        per_item[item.id] = alpha_interval(rows)
        for row, values in zip(pooled, rows):
            row.extend(values)
    return per_item, alpha_interval(pooled)


def alignment(form: FormDefinition, answers: Mapping[str, Answer],
              reference: Mapping[str, Answer]) -> tuple[dict[str, float], float | None]:
    """Return (alignment per item, weighted overall) of *answers* with *reference*, 0..1."""
    per_item: dict[str, float] = {}
    for item in form.scored_items():
        mine, theirs = _points(item, answers), _points(item, reference)
        if mine is None or theirs is None:
            per_item[item.id] = 1.0 if mine is None and theirs is None else 0.0
        else:
            per_item[item.id] = 1 - abs(mine - theirs) / item.points
    weights = {item.id: float(item.weight) for item in form.scored_items()}
    total = math.fsum(weights.values())
    overall = math.fsum(weights[k] * v for k, v in per_item.items()) / total if total else None
    return per_item, overall


@dataclass(frozen=True)
class ScoreSpread:
    """Spread of the reviewers' overall scores (population standard deviation)."""

    count: int
    min: float | None
    max: float | None
    stdev: float | None


def score_spread(scores: Sequence[float | None]) -> ScoreSpread:
    """Return count, min, max and population standard deviation of the non-null scores."""
    values = [float(s) for s in scores if s is not None]
    if not values:
        return ScoreSpread(0, None, None, None)
    stdev = math.sqrt(_squared_deviations(values) / len(values))
    return ScoreSpread(len(values), round_half_away(min(values)), round_half_away(max(values)),
                       round_half_away(stdev))


@dataclass(frozen=True)
class ReviewerResult:
    """One reviewer's figures in a calibration session."""

    score: float | None                       # the reviewer's evaluation score (rounded)
    critical_fail: bool
    alignment: dict[str, float] | None        # per item, when reference answers are set
    overall_alignment: float | None


@dataclass(frozen=True)
class CalibrationReport:
    """Everything a calibration session shows."""

    item_alpha: dict[str, float | None]
    overall_alpha: float | None
    reviewers: dict[str, ReviewerResult]
    spread: ScoreSpread
    has_reference: bool


def calibration_report(form: FormDefinition, sheets: Sheets,
                       reference: Mapping[str, Answer] | None = None) -> CalibrationReport:
    """Compute the report of one session: *sheets* maps each reviewer to their answers."""
    _check(form, sheets, reference)
    item_alpha, overall_alpha = alpha_by_item(form, [sheets])
    reviewers: dict[str, ReviewerResult] = {}
    exact_scores = []
    for name, answers in sheets.items():
        result = score_evaluation(form, answers)
        exact_scores.append(result.exact)
        per_item, overall = alignment(form, answers, reference) if reference is not None else (None, None)
        reviewers[name] = ReviewerResult(result.score, result.critical_fail, per_item, overall)
    return CalibrationReport(item_alpha, overall_alpha, reviewers, score_spread(exact_scores),
                             reference is not None)


__all__ = [
    "CalibrationError", "CalibrationReport", "ReviewerResult", "ScoreSpread",
    "alignment", "alpha_by_item", "alpha_interval", "calibration_report", "item_fractions",
    "score_spread",
]
