"""The database's per-agent metrics equal the pure-Python reference of metrics.md (property-based)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from qa.tickets import importer
from qa.tickets.metrics import agent_metrics
from qa.tickets.models import AgentLink, Ticket, TicketRating
from qa.tickets.normalize import NormalizedAgent, NormalizedRating, NormalizedTicket
from qa.tickets.reference import Period, metrics_by_agent
from servicecraft.extensions import db

START = datetime(2024, 2, 27, tzinfo=UTC)
AGENTS = ("a1", "a2", "a3")

minutes = st.one_of(st.none(), st.integers(0, 3000).map(float), st.sampled_from([1440.0, 1440.5, 0.1, 0.2, 0.25]))
ticket_strategy = st.fixed_dictionaries({
    "agent": st.sampled_from(AGENTS + (None,)),
    "status": st.sampled_from(("solved", "closed", "open", "pending")),
    "solved_offset": st.one_of(st.none(), st.integers(0, 60 * 24 * 8)),
    "first_reply": minutes, "resolution": minutes,
    "reopens": st.one_of(st.none(), st.integers(0, 3)), "replies": st.one_of(st.none(), st.integers(0, 4)),
    "csat": st.one_of(st.none(), st.sampled_from(("positive", "neutral", "negative"))),
    "rating": st.one_of(st.none(), st.tuples(st.sampled_from(("positive", "neutral", "negative")),
                                             st.sampled_from(AGENTS + (None,)))),
})


def build(specs):
    tickets, ratings = [], []
    for number, spec in enumerate(specs):
        solved_at = START + timedelta(minutes=spec["solved_offset"]) if spec["solved_offset"] is not None else None
        tickets.append(NormalizedTicket(
            source="normalized", external_id=f"T{number}", source_updated_at=START, agent_external_id=spec["agent"],
            group_external_id=None, channel="email", priority=None, status=spec["status"], category=None,
            created_at=START, first_reply_at=None, solved_at=solved_at, first_reply_minutes=spec["first_reply"],
            resolution_minutes=spec["resolution"], reopens=spec["reopens"], agent_replies=spec["replies"],
            csat=spec["csat"], raw={}))
        if spec["rating"]:
            ratings.append(NormalizedRating("normalized", f"T{number}", spec["rating"][1], spec["rating"][0],
                                            START + timedelta(days=1), f"R{number}"))
    return tickets, ratings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(ticket_strategy, max_size=14), days=st.tuples(st.integers(0, 4), st.integers(0, 5)))
def test_sql_metrics_match_the_reference(app, make_user, specs, days):
    period = Period.of(date(2024, 2, 28) + timedelta(days=days[0]), date(2024, 2, 28) + timedelta(days=sum(days)),
                       "Europe/Moscow")
    tickets, ratings = build(specs)
    with app.app_context():
        from servicecraft.models import User

        try:
            users = {}
            for agent in AGENTS:
                user = db.session.query(User).filter_by(email=f"{agent}@metrics.test").one_or_none()
                if user is None:
                    user = User(email=f"{agent}@metrics.test", name=agent, password_hash="x")
                    user.set_roles(["agent"])
                    db.session.add(user)
                    db.session.flush()
                users[agent] = user.id
            agents = [NormalizedAgent("normalized", a, f"{a}@metrics.test", a) for a in AGENTS]
            result = importer.import_records([*agents, *tickets, *ratings])
            assert not result.errors
            got = agent_metrics(period)
        finally:
            db.session.rollback()
            for model in (TicketRating, Ticket, AgentLink):
                db.session.execute(delete(model))
            db.session.commit()
    expected = metrics_by_agent(tickets, period, ratings=ratings)
    want = {users[agent]: figures for (source, agent), figures in expected.items() if agent is not None}
    want = {k: v for k, v in want.items() if v["tickets_solved"] or v["csat_pct"] is not None}
    assert got == want


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values(app, make_user):
    """With an even count the median is the mean of the two middle values, on every database."""
    specs = [{"agent": "a1", "status": "solved", "solved_offset": 60, "first_reply": reply, "resolution": resolution,
              "reopens": 0, "replies": 1, "csat": None, "rating": None}
             for reply, resolution in ((10.0, 0.0), (30.0, 1440.0), (20.0, 600.0), (40.0, 900.0))]
    tickets, _ = build(specs)
    with app.app_context():
        user = make_user(email="a1@metrics.test", roles=["agent"])
        result = importer.import_records([NormalizedAgent("normalized", "a1", "a1@metrics.test", "a1"), *tickets])
        assert not result.errors
        two = agent_metrics(Period.of(date(2024, 2, 27), date(2024, 2, 27)), user_ids=[user.id])[user.id]
        db.session.rollback()
    # Four values: (20 + 30) / 2 minutes to first reply; (600 + 900) / 2 minutes = 12.5 hours to resolve.
    assert two["first_reply_minutes_median"] == 25.0
    assert two["resolution_hours_median"] == 12.5
