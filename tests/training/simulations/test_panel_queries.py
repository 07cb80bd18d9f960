"""The role-play panels cost as many queries for 3N attempts (or mentees) as for N."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from servicecraft.extensions import db
from tests.training.querycount import assert_constant
from tests.training.simulations.helpers import EXAMPLE
from training.simulations import services
from training.simulations.models import Attempt, Review

N = 2


def _scenario(app, n: int) -> int:
    """Load the spec's example as scenario sc-<n>, twice changed (so it has an older version); return the current version id."""
    with app.app_context():
        text = EXAMPLE.replace("id: double-charge", f"id: sc-{n}").replace("Charged twice for one month", f"Scenario {n}")
        services.load_text(text.replace("difficulty: 2", "difficulty: 3"), f"sc-{n}.yaml", actor=None)
        version, _created = services.load_text(text, f"sc-{n}.yaml", actor=None)
        db.session.commit()
        return version.id


def _attempt(app, user_id: int, version_id: int, status: str, *, reviewed_by: int | None = None) -> None:
    finished = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context():
        attempt = Attempt(user_id=user_id, version_id=version_id, state={}, status=status,
                          finished_at=None if status == "in_progress" else finished,
                          final_score=80.0 if status == "finished" else None,
                          passed=False if status == "finished" else None)
        db.session.add(attempt)
        db.session.flush()
        if reviewed_by is not None:
            db.session.add(Review(attempt_id=attempt.id, reviewer_id=reviewed_by, points={}, final_score=80.0, passed=False))
        db.session.commit()


def test_practise_asks_the_same_queries_for_three_times_the_attempts(app, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    newhire = make_user(roles=["agent"], mentor_id=mentor.id)
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            current = _scenario(app, made["n"])
            older = current - 1
            _attempt(app, newhire.id, older, "finished", reviewed_by=mentor.id)  # graded, on the older version
            _attempt(app, newhire.id, current, "awaiting_review")
            _attempt(app, newhire.id, current, "in_progress")
            _attempt(app, newhire.id, current, "finished")  # scored by the engine alone: not "recently graded"

    def expect(html: str, factor: int) -> None:
        n = N * factor
        assert html.count('<span class="tag bad">Not passed</span>') == min(3, n)
        assert html.count("/training/simulations/attempts/") == min(3, n) + min(5, n) + min(3, n)
        assert all(f">Scenario {k}</a>" in html for k in range(1, min(3, n) + 1))

    add(1)
    assert_constant(app, newhire.id, "roleplay-practise", add, expect=expect)


def test_grading_asks_the_same_queries_for_three_times_the_mentees(app, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            mentee = make_user(roles=["agent"], mentor_id=mentor.id, name=f"Mentee {made['n']}")
            _attempt(app, mentee.id, _scenario(app, made["n"]), "awaiting_review")

    def expect(html: str, factor: int) -> None:
        n = N * factor
        assert f"{n} attempts are waiting for your grade." in html
        assert all(f"Mentee {k} · Scenario {k}</a>" in html for k in range(1, min(5, n) + 1))

    add(1)
    assert_constant(app, mentor.id, "roleplay-grading", add, expect=expect)


def test_best_scores_counted_from_the_attempts_are_the_best_scores(app, make_user):
    newhire = make_user(roles=["agent"])
    other = make_user(roles=["agent"])
    first, second = _scenario(app, 1), _scenario(app, 2)
    _attempt(app, newhire.id, first - 1, "finished")  # older version of sc-1: counts for sc-1
    _attempt(app, newhire.id, first, "in_progress")
    _attempt(app, newhire.id, second, "awaiting_review")
    _attempt(app, other.id, second, "finished")
    with app.app_context():
        from servicecraft.models import User
        from training.simulations.models import Attempt

        attempt = db.session.get(Attempt, 1)
        attempt.final_score, attempt.passed = 95.0, True
        db.session.commit()
        for user_id in (newhire.id, other.id, make_user(roles=["agent"]).id):
            person = db.session.get(User, user_id)
            light = services.attempts_of(person, with_state=False)
            assert services.best_scores_from(light) == services.best_scores(person)
        assert services.best_scores(db.session.get(User, newhire.id)) == {
            "sc-1": {"attempts": 2, "best": 95.0, "passed": True},
            "sc-2": {"attempts": 1, "best": None, "passed": False}}


def test_the_versions_to_practise_are_the_current_versions_flagged_when_going_live_requires_them(app):
    from training.simulations.models import GoLiveRequirement

    for n in range(1, 4):
        _scenario(app, n)
    with app.app_context():
        db.session.add_all([GoLiveRequirement(kind="scenario", slug="sc-2"), GoLiveRequirement(kind="course", slug="sc-3"),
                            GoLiveRequirement(kind="scenario", slug="not-in-the-library")])
        db.session.commit()
        flagged = services.current_versions_to_practise()
        assert [v.id for v, _required in flagged] == [v.id for v in services.current_versions(with_source=False)]
        assert [(v.slug, required) for v, required in flagged] == [("sc-1", False), ("sc-2", True), ("sc-3", False)]
