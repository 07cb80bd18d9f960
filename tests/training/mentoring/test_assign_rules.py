"""The pure auto-assignment algorithm (interfaces.md `mentors auto-assign`), with examples and properties."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.mentoring.assign import Mentor, NewHire, plan

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
D = date(2026, 11, 1)


def test_same_branch_beats_language_and_load():
    hire = NewHire("n@x", "MSK", "ru", D)
    mentors = [Mentor("a@x", "EKB", "ru", 5, 0), Mentor("b@x", "MSK", "en", 5, 3)]
    assert plan([hire], mentors).assigned == [("n@x", "b@x")]


def test_same_language_beats_load_when_no_branch_matches():
    hire = NewHire("n@x", "NSK", "ja", D)
    mentors = [Mentor("a@x", "MSK", "en", 5, 0), Mentor("b@x", "EKB", "ja", 5, 4)]
    assert plan([hire], mentors).assigned == [("n@x", "b@x")]


def test_least_loaded_then_email_decide_among_equals():
    hire = NewHire("n@x", "MSK", "ru", D)
    assert plan([hire], [Mentor("a@x", "MSK", "ru", 5, 2), Mentor("b@x", "MSK", "ru", 5, 1)]).assigned == [("n@x", "b@x")]
    assert plan([hire], [Mentor("b@x", "MSK", "ru", 5, 1), Mentor("a@x", "MSK", "ru", 5, 1)]).assigned == [("n@x", "a@x")]


def test_load_counts_assignments_made_in_the_same_run():
    hires = [NewHire(f"n{i}@x", "MSK", "ru", D) for i in range(4)]
    result = plan(hires, [Mentor("a@x", "MSK", "ru", 5, 0), Mentor("b@x", "MSK", "ru", 5, 0)])
    assert result.assigned == [("n0@x", "a@x"), ("n1@x", "b@x"), ("n2@x", "a@x"), ("n3@x", "b@x")]


def test_order_is_start_date_then_email_and_the_full_mentor_is_skipped():
    early = NewHire("z@x", "MSK", "ru", D - timedelta(days=3))
    late_a, late_b = NewHire("a@x", "MSK", "ru", D), NewHire("b@x", "MSK", "ru", D)
    undated = NewHire("0@x", "MSK", "ru", None)
    mentors = [Mentor("m1@x", "MSK", "ru", 2, 0), Mentor("m2@x", "EKB", "en", 1, 0)]
    result = plan([undated, late_b, late_a, early], mentors)
    # z (earliest) and a take the branch mentor's two places, b gets the other one, 0 (no date) nobody.
    assert result.assigned == [("z@x", "m1@x"), ("a@x", "m1@x"), ("b@x", "m2@x")]
    assert result.unassigned == ["0@x"]
    assert result.as_json() == {"assigned": [{"newhire": "z@x", "mentor": "m1@x"}, {"newhire": "a@x", "mentor": "m1@x"},
                                             {"newhire": "b@x", "mentor": "m2@x"}], "unassigned": ["0@x"]}


def test_nobody_mentors_themselves_and_zero_capacity_takes_nobody():
    result = plan([NewHire("m@x", "MSK", "ru", D)], [Mentor("m@x", "MSK", "ru", 3, 0), Mentor("z@x", "MSK", "ru", 0, 0)])
    assert result.assigned == [] and result.unassigned == ["m@x"]


# --- properties ---------------------------------------------------------------------------------

emails = st.sampled_from([f"p{i}@x.test" for i in range(12)])
branches = st.sampled_from([None, "MSK", "EKB", "NSK"])
languages = st.sampled_from([None, "en", "ru", "ja"])
dates = st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 1)))
hires = st.lists(st.builds(NewHire, emails, branches, languages, dates, st.one_of(st.none(), st.just("old@x.test"))),
                 max_size=15, unique_by=lambda n: n.email)
pools = st.lists(st.builds(Mentor, st.sampled_from([f"m{i}@x.test" for i in range(5)] + ["p1@x.test"]), branches,
                           languages, st.integers(0, 4), st.integers(0, 4)), max_size=6, unique_by=lambda m: m.email)


@FAST
@given(hires, pools)
def test_never_over_capacity(newhires, mentors):
    result = plan(newhires, mentors)
    for mentor in mentors:
        new = sum(1 for _n, m in result.assigned if m == mentor.email)
        assert new == 0 or mentor.load + new <= mentor.capacity


@FAST
@given(hires, pools)
def test_nobody_already_assigned_moves_and_everyone_else_is_accounted_for(newhires, mentors):
    result = plan(newhires, mentors)
    already = {n.email for n in newhires if n.mentor}
    got = [n for n, _m in result.assigned]
    assert not already & set(got) and not already & set(result.unassigned)
    assert sorted(got + result.unassigned) == sorted(n.email for n in newhires if not n.mentor)
    assert all(n != m for n, m in result.assigned)


@FAST
@given(hires, pools, st.randoms(use_true_random=False))
def test_deterministic_whatever_the_input_order(newhires, mentors, rnd):
    first = plan(newhires, mentors)
    shuffled_hires, shuffled_mentors = list(newhires), list(mentors)
    rnd.shuffle(shuffled_hires)
    rnd.shuffle(shuffled_mentors)
    assert plan(shuffled_hires, shuffled_mentors) == first == plan(newhires, mentors)


@FAST
@given(hires, pools)
def test_someone_is_left_out_only_when_every_other_mentor_is_full(newhires, mentors):
    result = plan(newhires, mentors)
    load = {m.email: m.load + sum(1 for _n, e in result.assigned if e == m.email) for m in mentors}
    for email in result.unassigned:
        assert all(load[m.email] >= m.capacity for m in mentors if m.email != email)


def test_a_chosen_mentor_is_never_worse_than_one_with_room():
    """Ranked strictly by branch, then language, then load, then e-mail."""
    rnd = random.Random(7)
    for _ in range(200):
        hire = NewHire("n@x", rnd.choice(["MSK", "EKB"]), rnd.choice(["en", "ru"]), D)
        mentors = [Mentor(f"m{i}@x", rnd.choice(["MSK", "EKB"]), rnd.choice(["en", "ru"]), 3, rnd.randint(0, 3))
                   for i in range(4)]
        result = plan([hire], mentors)
        room = [m for m in mentors if m.load < m.capacity]
        if not room:
            assert result.unassigned == ["n@x"]
            continue
        chosen = next(m for m in mentors if m.email == result.assigned[0][1])

        def rank(m, hire=hire):
            return (m.branch != hire.branch, m.language != hire.language, m.load, m.email)

        assert rank(chosen) == min(rank(m) for m in room)
