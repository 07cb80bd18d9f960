"""Two people doing the same thing at the same instant: one wins, the other is told.

Each side runs in its own thread with its own app context (so its own session and database
connection). Both load what they act on first, meet at a barrier, then call the real service
and commit. On SQLite writes serialise on the file lock, so these races only mean something
on PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from servicecraft.extensions import db
from servicecraft.models import User

TIMEOUT = 30


@pytest.fixture(autouse=True)
def _postgres_only(app):
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() != "postgresql":
        pytest.skip("races need PostgreSQL (set DATABASE_URL): SQLite serialises every write on its file lock")


def race(app, *sides: Callable[[], Callable[[], object]]) -> list[tuple[str, object]]:
    """Run each side in its own thread and app context; return ("ok", value) or ("error", exception).

    A side is a function that loads what it needs and returns the action; every thread loads
    first, then all wait at one barrier and act at once, then commit (or roll back on error).
    """
    barrier = threading.Barrier(len(sides))
    outcomes: list[tuple[str, object] | None] = [None] * len(sides)

    def run(index: int, side) -> None:
        with app.app_context():
            try:
                action = side()
                barrier.wait(TIMEOUT)
                value = action()
                db.session.commit()
                outcomes[index] = ("ok", value)
            except BaseException as error:  # noqa: B036 - reported to the test, not swallowed
                db.session.rollback()
                outcomes[index] = ("error", error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, side)) for i, side in enumerate(sides)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a side hung (deadlock?)"
    return outcomes


def _split(outcomes, error_type):
    won = [value for kind, value in outcomes if kind == "ok"]
    lost = [value for kind, value in outcomes if kind == "error"]
    for error in lost:
        assert isinstance(error, error_type), f"the loser got {type(error).__name__}: {error!r}"
    return won, lost


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


# --- two graders, one role-play attempt ----------------------------------------------------------

def test_two_graders_of_one_attempt_leave_one_review_and_the_other_is_told(app, make_user):
    from tests.training.simulations.helpers import EXAMPLE
    from training.simulations import engine, services
    from training.simulations.models import Attempt, Review

    mentor = make_user(roles=["mentor", "agent"], language="en")
    manager = make_user(roles=["manager", "mentor"], language="en")  # the second grader: a managing mentor
    newhire = make_user(roles=["agent"], mentor_id=mentor.id, language="en")
    with app.app_context():
        services.load_text(EXAMPLE, "double-charge.yaml", actor=None)
        attempt = services.start_attempt(_user(newhire.id), "double-charge", language="en")
        for counter, action in enumerate([engine.Choice(0), engine.Classify("payment/billing-error"),
                                          engine.Choice(0), engine.Reply("Thanks, bye")]):
            services.take_step(_user(newhire.id), attempt, counter, action)
        db.session.commit()
        assert attempt.status == "awaiting_review"
        attempt_id = attempt.id

    def grader(user_id: int, points: int):
        def load():
            reviewer, attempt = _user(user_id), db.session.get(Attempt, attempt_id)
            assert attempt.status == "awaiting_review" and attempt.reviews == []  # both see it ungraded
            return lambda: services.grade_attempt(reviewer, attempt, {"close": {"closing": points}}).id
        return load

    outcomes = race(app, grader(mentor.id, 2), grader(manager.id, 1))
    won, lost = _split(outcomes, services.SimulationError)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert str(lost[0])  # a message the view shows
    with app.app_context():
        reviews = db.session.scalars(select(Review).where(Review.attempt_id == attempt_id)).all()
        assert [r.id for r in reviews] == won
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "finished" and attempt.final_score == reviews[0].final_score


# --- two approvers, one bonus round --------------------------------------------------------------

def test_two_managers_approving_one_round_record_one_approval_and_the_other_is_told(app, make_user):
    from qa.bonus import services
    from qa.bonus.models import BonusDecision, BonusRound
    from tests.qa.bonus.helpers import open_and_propose, seed

    people = seed(app, make_user)  # manager opens, manager2 submits
    first = make_user(roles=["manager"])
    second = make_user(roles=["manager"])
    round_id = open_and_propose(app, people)
    with app.app_context():
        services.submit(db.session.get(BonusRound, round_id), _user(people["manager2"].id))
        db.session.commit()

    def approver(user_id: int):
        def load():
            actor, round_ = _user(user_id), db.session.get(BonusRound, round_id)
            assert services.can_approve(round_, actor)  # both are offered the button
            return lambda: services.approve(round_, actor).approved_by_id
        return load

    outcomes = race(app, approver(first.id), approver(second.id))
    won, lost = _split(outcomes, services.BonusRoundError)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert str(lost[0])
    with app.app_context():
        round_ = db.session.get(BonusRound, round_id)
        assert round_.status == "approved" and round_.approved_by_id == won[0]
        approvals = db.session.scalars(select(BonusDecision).where(
            BonusDecision.round_id == round_id, BonusDecision.action == "approved")).all()
        assert [d.actor_id for d in approvals] == won


# --- two imports of one file ---------------------------------------------------------------------

def _ticket_csv(count: int) -> bytes:
    lines = ["external_id,source_updated_at,agent_external_id,agent_email,channel,status,created_at"]
    lines += [f"R-{n},2024-03-04T15:00:00Z,a-{n % 7},,email,open,2024-03-04T09:00:00Z" for n in range(count)]
    return ("\n".join(lines) + "\n").encode()


def test_two_imports_of_one_file_neither_double_nor_lose_a_ticket(app):
    from qa.tickets import importer
    from qa.tickets.models import AgentLink, Ticket
    from qa.tickets.sources import iter_file

    count = 300
    data = _ticket_csv(count)

    def importing():
        def load():
            importer.load_rules()
            return lambda: importer.import_records(iter_file("csv", data)).as_dict()
        return load

    outcomes = race(app, importing(), importing())
    errors = [value for kind, value in outcomes if kind == "error"]
    assert not errors, errors  # no IntegrityError reaches the caller
    results = sorted((r["created"], r["unchanged"]) for _, r in outcomes)
    assert results == [(0, count), (count, 0)], results  # one created them, the other waited and found them unchanged
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == count
        assert db.session.scalar(select(func.count(func.distinct(Ticket.external_id)))) == count
        assert db.session.scalar(select(func.count()).select_from(AgentLink)) == 7


# --- two shoppers, one mission -------------------------------------------------------------------

def test_two_shoppers_claiming_one_mission_one_gets_it(app, make_user):
    from qa.missions import services
    from qa.missions.models import Mission
    from tests.qa.missions.helpers import make_mission

    manager = make_user(roles=["manager"])
    shoppers = [make_user(roles=["shopper"]), make_user(roles=["shopper"])]
    with app.app_context():
        mission_id = make_mission(_user(manager.id), publish=True).id
        db.session.commit()

    def claimer(user_id: int):
        def load():
            shopper = _user(user_id)
            assert db.session.get(Mission, mission_id).shopper_id is None
            return lambda: services.claim(mission_id, shopper).shopper_id
        return load

    outcomes = race(app, *(claimer(s.id) for s in shoppers))
    won, lost = _split(outcomes, services.MissionError)
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "another shopper" in str(lost[0])
    with app.app_context():
        mission = db.session.get(Mission, mission_id)
        assert mission.status == "assigned" and mission.shopper_id == won[0]
        assert [e.action for e in mission.events].count("claimed") == 1

