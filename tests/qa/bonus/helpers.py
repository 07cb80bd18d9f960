"""Shared data for the bonus-round tests: agents with tickets and reviews in March 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

PERIOD = (date(2026, 3, 1), date(2026, 3, 31))


def solved_tickets(agent_id: int, count: int, *, prefix: str, csat: str = "positive", day: int = 10) -> list:
    from qa.tickets.models import Ticket

    tickets = []
    for n in range(count):
        created = datetime(2026, 3, day, 9, 0, tzinfo=UTC) + timedelta(minutes=n)
        tickets.append(Ticket(
            source="normalized", external_id=f"{prefix}-{n}", source_updated_at=created + timedelta(hours=3),
            agent_id=agent_id, channel="email", status="solved", created_at=created,
            first_reply_at=created + timedelta(minutes=10), solved_at=created + timedelta(hours=2),
            first_reply_minutes=10, resolution_minutes=120, reopens=0, agent_replies=1, csat=csat,
        ))
    return tickets


def review(agent_id: int, score: float, *, critical: bool = False, day: int = 12):
    from qa.evaluations import services as evaluations
    from qa.evaluations.models import Evaluation, EvaluationRevision
    from servicecraft.extensions import db

    evaluations.load_starter_forms()
    version = evaluations.latest_published("ticket-review")
    evaluation = Evaluation(form_version_id=version.id, kind="review", status="released", agent_id=agent_id,
                            happened_at=datetime(2026, 3, day, 11, 0, tzinfo=UTC), released_at=datetime(2026, 3, day + 1, tzinfo=UTC))
    db.session.add(evaluation)
    db.session.flush()
    revision = EvaluationRevision(evaluation_id=evaluation.id, number=1, answers={}, score=score, critical_fail=critical)
    db.session.add(revision)
    db.session.flush()
    evaluation.current_revision_id = revision.id
    db.session.flush()
    return evaluation


def seed(app, make_user) -> dict:
    """Two managers and four agents for March 2026.

    ada: 25 tickets, review 90 -> composite 95.8 (rank 1); dan: 25 tickets, review 80 -> 91.7
    (rank 2); bob: 25 tickets, a critical fail (score 0) -> 58.3; cat: 3 tickets, no review -> 100.
    """
    from servicecraft.extensions import db

    people = {
        "manager": make_user(roles=["manager"], email="boss@bonus.test", name="Marta Boss"),
        "manager2": make_user(roles=["manager"], email="boss2@bonus.test", name="Oleg Second"),
        "ada": make_user(roles=["agent"], email="ada@bonus.test", name="Ada Agent", live_since=date(2024, 1, 1)),
        "dan": make_user(roles=["agent"], email="dan@bonus.test", name="Dan Agent", live_since=date(2024, 1, 1)),
        "bob": make_user(roles=["agent"], email="bob@bonus.test", name="Bob Agent", live_since=date(2024, 1, 1)),
        "cat": make_user(roles=["agent"], email="cat@bonus.test", name="Кира Кошкина", live_since=date(2024, 1, 1)),
    }
    with app.app_context():
        for key, count in (("ada", 25), ("dan", 25), ("bob", 25), ("cat", 3)):
            db.session.add_all(solved_tickets(people[key].id, count, prefix=key))
        review(people["ada"].id, 90)
        review(people["dan"].id, 80)
        review(people["bob"].id, 0, critical=True)
        db.session.commit()
    return people


def open_and_propose(app, people, *, budget="1000", split="equal", tiers=None, rules=None, opener="manager"):
    from qa.bonus import services
    from servicecraft.extensions import db
    from servicecraft.models import User

    with app.app_context():
        actor = db.session.get(User, people[opener].id)
        round_ = services.open_round(actor, "March bonus", *PERIOD, budget, rules or {}, split, tiers)
        services.propose_round(round_, actor)
        db.session.commit()
        return round_.id
