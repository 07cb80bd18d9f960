"""Calibration statistics (metrics.md, "Calibration"), checked against the krippendorff package."""

import math
import warnings

import krippendorff
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.calibration.stats import (
    CalibrationError,
    alignment,
    alpha_by_item,
    alpha_interval,
    calibration_report,
    item_fractions,
    score_spread,
)
from qa.evaluations.scoring import NA
from tests.qa.evaluations.helpers import example_form, full_marks

NAN = float("nan")


def reference_alpha(rows):
    data = [[NAN if v is None else v for v in row] for row in rows]
    with warnings.catch_warnings():
        # The package divides 0 by 0 (NaN) when the paired values never vary.
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))


# Krippendorff's own example (also in the package docs): interval alpha 0.810845.
KRIPPENDORFF_EXAMPLE = [
    [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
    [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
    [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
]


def test_alpha_on_krippendorffs_example():
    assert round(alpha_interval(KRIPPENDORFF_EXAMPLE), 6) == 0.810845
    assert alpha_interval(KRIPPENDORFF_EXAMPLE) == pytest.approx(reference_alpha(KRIPPENDORFF_EXAMPLE), abs=1e-9)


@pytest.mark.parametrize("rows", [
    [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
     [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]],
    [[0, 1, 0.5, 0.25], [0, 1, 0.75, 0.25]],
    [[1, 0, 1], [0, 1, 0]],                   # systematic disagreement: alpha below 0
    [[0.0, 0.5, 1.0], [0.0, 0.5, 1.0]],       # perfect agreement
])
def test_alpha_matches_the_package_on_fixtures(rows):
    assert alpha_interval(rows) == pytest.approx(reference_alpha(rows), abs=1e-9)


def test_alpha_is_none_when_undefined():
    assert alpha_interval([]) is None
    assert alpha_interval([[1, None], [None, 0]]) is None      # no unit with two values
    assert alpha_interval([[0.5, 0.5], [0.5, 0.5]]) is None    # no variation at all
    assert alpha_interval([[0.1, 0.1, 0.1], [0.1, 0.1, None]]) is None


units = st.integers(min_value=2, max_value=12)
reviewers = st.integers(min_value=2, max_value=5)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_alpha_matches_the_package_on_random_data(data):
    n_reviewers, n_units = data.draw(reviewers), data.draw(units)
    top = data.draw(st.sampled_from([1, 2, 3, 4]))   # item max: answers are fractions k/top
    cell = st.one_of(st.none(), st.integers(0, top).map(lambda k: k / top))
    rows = [[data.draw(cell) for _ in range(n_units)] for _ in range(n_reviewers)]
    ours = alpha_interval(rows)
    try:
        theirs = reference_alpha(rows)
    except ValueError:   # the package refuses data with one value or no pairable unit
        assert ours is None
        return
    if math.isnan(theirs):
        assert ours is None
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def sheets():
    """Three reviewers of the example form, blind, on one interaction."""
    anna = full_marks()
    boris = {**full_marks(), "listened": 2, "overall": 3, "identified": NA}
    vera = {**full_marks(), "greeting": False, "listened": 3, "polite": False}
    return {"anna": anna, "boris": boris, "vera": vera}


def test_item_fractions_are_score_over_max_with_na_missing():
    assert item_fractions(example_form(), sheets()["boris"]) == {
        "answer_time": 1.0, "greeting": 1.0, "identified": None, "listened": 0.5,
        "polite": 1.0, "overall": 0.5}


def test_overall_alpha_pools_every_item_unit():
    per_item, overall = alpha_by_item(example_form(), [sheets()])
    rows = [list(item_fractions(example_form(), answers).values()) for answers in sheets().values()]
    assert overall == pytest.approx(reference_alpha(rows), abs=1e-9)
    assert per_item["answer_time"] is None   # everyone agreed: no variation
    assert per_item["listened"] == 0.0       # one interaction: one unit, any disagreement is 0


def test_alpha_per_item_over_several_sessions():
    form = example_form()
    sessions = [
        {"anna": {**full_marks(), "listened": 4}, "boris": {**full_marks(), "listened": 4}},
        {"anna": {**full_marks(), "listened": 1}, "boris": {**full_marks(), "listened": 2}},
        {"anna": {**full_marks(), "listened": 0}, "vera": {**full_marks(), "listened": 0}},
    ]
    per_item, _ = alpha_by_item(form, sessions)
    expected = reference_alpha([[1.0, 0.25, 0.0], [1.0, 0.5, None], [None, None, 0.0]])
    assert per_item["listened"] == pytest.approx(expected, abs=1e-9)


def test_alignment_per_item_and_weighted_overall():
    form = example_form()
    reference = {**full_marks(), "listened": 3, "identified": NA}
    per_item, overall = alignment(form, sheets()["vera"], reference)
    assert per_item == {"answer_time": 1.0, "greeting": 0.0, "identified": 0.0, "listened": 1.0,
                        "polite": 0.0, "overall": 1.0}
    # weights 2, 1, 1, 3, 2, 1 -> (2 + 3 + 1) / 10
    assert overall == pytest.approx(0.6)
    per_item, overall = alignment(form, sheets()["boris"], reference)
    assert per_item["identified"] == 1.0               # both N/A
    assert per_item["listened"] == pytest.approx(0.75)  # 1 - |2 - 3| / 4
    assert per_item["overall"] == pytest.approx(0.5)    # 3 stars vs 5 stars: 1 - 2/4


def test_spread_uses_population_standard_deviation():
    spread = score_spread([70.0, 80.0, 90.0, None])
    assert (spread.count, spread.min, spread.max) == (3, 70.0, 90.0)
    assert spread.stdev == 8.2     # sqrt(200/3) = 8.16..; the sample deviation would be 10.0
    assert score_spread([None]).count == 0 and score_spread([]).stdev is None
    assert score_spread([55.55]).stdev == 0.0


def test_calibration_report_of_one_session():
    reference = {**full_marks(), "listened": 3, "identified": NA}
    report = calibration_report(example_form(), sheets(), reference)
    assert report.has_reference
    assert report.reviewers["anna"].score == 100.0
    assert report.reviewers["vera"].critical_fail and report.reviewers["vera"].score == 0.0
    # boris: identified N/A -> weight 9; listened 2/4 of 3 and 3 stars of 1 -> 7 / 9 = 77.8
    assert report.reviewers["boris"].score == 77.8
    assert report.reviewers["vera"].overall_alignment == pytest.approx(0.6)
    assert (report.spread.min, report.spread.max) == (0.0, 100.0)
    assert report.spread.stdev == 42.9   # population sd of 100, 77.78, 0 (sample: 52.5)
    assert report.overall_alpha is not None
    without = calibration_report(example_form(), sheets())
    assert without.reviewers["anna"].alignment is None and not without.has_reference


def test_invalid_answers_name_the_reviewer_and_item():
    bad = {**sheets(), "gleb": {**full_marks(), "listened": 7}}
    with pytest.raises(CalibrationError) as caught:
        calibration_report(example_form(), bad, {**full_marks(), "overall": 0})
    assert caught.value.problems == [
        "reviewer gleb, item listened: must be a whole number from 0 to 4",
        "reference answers, item overall: must be a whole number of stars from 1 to 5",
    ]
