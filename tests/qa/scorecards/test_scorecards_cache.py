"""Cached scorecards: fresh right after every kind of committed change, scoped per viewer, in both stores."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from qa.evaluations import services as evaluation_services
from qa.evaluations.models import Evaluation, EvaluationForm, EvaluationRevision, FormVersion
from qa.scorecards import services
from qa.tickets import services as ticket_services
from qa.tickets.importer import import_records
from qa.tickets.models import AgentLink, SurveyResponse
from qa.tickets.normalize import NormalizedAgent, NormalizedRating, NormalizedTicket
from servicecraft import cache, create_app
from servicecraft.auth.services import create_api_token
from servicecraft.extensions import db
from servicecraft.models import Branch, Team, User
from training.courses.models import Course, Enrolment
from training.simulations.models import Attempt, ScenarioVersion

REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["in-process", "redis"])
def web(request, app, tmp_path):
    """The test app itself (in-process cache), or another app on its database caching in Redis."""
    if request.param == "in-process":
        yield app
        return
    from redis import Redis, RedisError

    try:
        Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except RedisError:
        pytest.skip(f"no Redis at {REDIS}")
    other = create_app({"TESTING": True, "SECRET_KEY": "x" * 20, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "CACHE_REDIS_URL": REDIS, "CACHE_KEY_PREFIX": f"servicecraft-test-{uuid.uuid4().hex}:"})
    yield other
    cache.clear(other)
    assert list(Redis.from_url(REDIS).scan_iter(match=other.config["CACHE_KEY_PREFIX"] + "*")) == []
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def people(web, make_user):
    with web.app_context():
        branch = Branch(code="CCH", name="Cache branch", region="North", is_central=False)
        db.session.add(branch)
        db.session.commit()
        branch_id = branch.id
    mentor = make_user(roles=["mentor"], email="mentor@c.test", name="Mentor")
    return {
        "mentor": mentor,
        "ann": make_user(roles=["agent"], email="ann@c.test", name="Ann Agent", branch_id=branch_id, mentor_id=mentor.id),
        "bob": make_user(roles=["agent"], email="bob@c.test", name="Bob Agent", branch_id=branch_id),
        "manager": make_user(roles=["manager"], email="manager@c.test", name="Manager"),
    }


def _bearer(web, person) -> dict:
    with web.app_context():
        _token, secret = create_api_token(db.session.get(User, person.id), "test", actor=None)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _api(client, headers, period) -> dict[str, dict]:
    response = client.get(f"/api/v1/scorecards?from={period.start.isoformat()}&to={period.end.isoformat()}",
                          headers=headers)
    assert response.status_code == 200
    return {row["agent"]: row for row in response.get_json()}


def _dashboard(client) -> str:
    page = client.get("/")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _top(client) -> dict[str, float]:
    """The manager dashboard's "Top and bottom agents" panel: name -> composite."""
    html = _dashboard(client)
    if 'id="panel-top-agents"' not in html:
        return {}
    panel = html.split('id="panel-top-agents"', 1)[1].split("</section>", 1)[0]
    return {name: float(value) for name, value in re.findall(r">([^<]+)</a> · (-?[\d.]+)</li>", panel)}


def test_dashboard_and_api_are_fresh_after_every_kind_of_change(web, people, login):
    client = web.test_client()
    login(client, people["manager"])
    manager = _bearer(web, people["manager"])
    with web.app_context():
        period = services.default_period()  # what the dashboard shows
    day = datetime.combine(period.start, time(12), UTC) + timedelta(days=1)

    assert _top(client) == {}
    assert 'id="panel-ticket-status"' not in _dashboard(client)  # nothing imported yet
    assert _api(client, manager, period)["ann@c.test"]["tickets_solved"] == 0

    # A ticket import (new tickets go in with the driver's executemany): CSAT, FCR, first reply.
    with web.app_context():
        result = import_records([
            NormalizedAgent("zendesk", "z-ann", "ann@c.test", "Ann"),
            NormalizedTicket(source="zendesk", external_id="t1", source_updated_at=day, agent_external_id="z-ann",
                             group_external_id=None, channel="email", priority=None, status="solved", category=None,
                             created_at=day - timedelta(hours=1), first_reply_at=day - timedelta(minutes=50),
                             solved_at=day, first_reply_minutes=10, resolution_minutes=60, reopens=0, agent_replies=1,
                             csat="positive", raw={}),
        ])
        assert not result.errors
        db.session.commit()
    ann = _api(client, manager, period)["ann@c.test"]
    assert (ann["tickets_solved"], ann["csat_pct"], ann["fcr_pct"], ann["composite"]) == (1, 100.0, 100.0, 100.0)
    assert _top(client) == {"Ann Agent": 100.0}
    assert "1 tickets; 0 help-desk agents are not linked" in _dashboard(client)

    # A mystery shop validated: (20*40 + 15*100 + 10*100 + 10*100) / 55.
    with web.app_context():
        form = EvaluationForm(slug="cache-shop", kind="mystery_shop", title={"en": "Shop"})
        version = FormVersion(form=form, status="published", source="", fingerprint="sha256:" + "0" * 64)
        evaluation = Evaluation(form_version=version, kind="mystery_shop", status="submitted",
                                agent_id=people["ann"].id, happened_at=day)
        db.session.add(evaluation)
        db.session.flush()
        revision = EvaluationRevision(evaluation_id=evaluation.id, answers={}, score=40.0, critical_fail=False)
        db.session.add(revision)
        db.session.flush()
        evaluation.current_revision_id = revision.id
        db.session.commit()
        evaluation_id = evaluation.id
    assert _api(client, manager, period)["ann@c.test"]["mystery_shop_pct"] is None  # submitted: not counted yet
    with web.app_context():
        evaluation_services.validate(db.session.get(Evaluation, evaluation_id), db.session.get(User, people["manager"].id))
        db.session.commit()
    assert _api(client, manager, period)["ann@c.test"]["mystery_shop_pct"] == 40.0
    assert _top(client) == {"Ann Agent": 78.2}

    # A separate negative rating replaces the ticket's own: (800 + 0 + 1000 + 1000) / 55.
    with web.app_context():
        assert not import_records([NormalizedRating("zendesk", "t1", "z-ann", "negative", day + timedelta(hours=1))]).errors
        db.session.commit()
    assert _api(client, manager, period)["ann@c.test"]["csat_pct"] == 0.0
    assert _top(client) == {"Ann Agent": 50.9}

    # A survey answer (NPS is on the API, not in the composite).
    with web.app_context():
        db.session.add(SurveyResponse(nonce="cache-1", source="zendesk", ticket_external_id="t1", agent_id=people["ann"].id,
                                      nps=10, answered_at=day + timedelta(hours=2)))
        db.session.commit()
    assert _api(client, manager, period)["ann@c.test"]["nps"] == 100.0

    # A graded role-play attempt: (2800 + 10*60) / 65.
    with web.app_context():
        scenario = ScenarioVersion(slug="cache-play", number=1, source="", content_hash="0" * 64, title={"en": "Play"},
                                   category="payment", channel="chat", difficulty=1)
        db.session.add(Attempt(user_id=people["ann"].id, version=scenario, state={}, status="finished", final_score=60.0,
                               finished_at=day))
        db.session.commit()
    assert _api(client, manager, period)["ann@c.test"]["simulation_pct"] == 60.0
    assert _top(client) == {"Ann Agent": 52.3}

    # An assigned course completed: (3400 + 10*100) / 75.
    with web.app_context():
        course = Course(slug="cache-course", title={"en": "Course"}, status="published")
        db.session.add(Enrolment(course=course, user_id=people["ann"].id, enrolled_at=day - timedelta(hours=3),
                                 completed_at=day))
        db.session.commit()
    assert _api(client, manager, period)["ann@c.test"]["training_pct"] == 100.0
    assert _top(client) == {"Ann Agent": 58.7}

    # The help-desk agent linked to Bob instead: the ticket and the rating move to him (a bulk UPDATE).
    with web.app_context():
        link = db.session.scalars(select(AgentLink).where(AgentLink.external_id == "z-ann")).one()
        ticket_services.link_agent(link, db.session.get(User, people["bob"].id), actor=None)
        db.session.commit()
    rows = _api(client, manager, period)
    assert (rows["ann@c.test"]["tickets_solved"], rows["bob@c.test"]["tickets_solved"]) == (0, 1)
    assert _top(client) == {"Ann Agent": 60.0, "Bob Agent": 57.1}  # (800+600+1000)/40; (0+1000+1000)/35

    # New weights: training only.
    with web.app_context():
        services.save_weights({"training_pct": 1}, db.session.get(User, people["manager"].id), "training month")
        db.session.commit()
    assert _top(client) == {"Ann Agent": 100.0}
    assert _api(client, manager, period)["bob@c.test"]["composite"] is None

    # The scope stays the viewer's: the mentor sees their mentee, an agent only themselves.
    assert list(_api(client, _bearer(web, people["mentor"]), period)) == ["ann@c.test"]
    assert list(_api(client, _bearer(web, people["bob"]), period)) == ["bob@c.test"]
    assert list(_api(client, manager, period)) == ["ann@c.test", "bob@c.test"]

    # Who is an active agent is read live: a deactivated agent leaves the table and the ranking.
    with web.app_context():
        services.save_weights({"training_pct": 1, "csat_pct": 1}, db.session.get(User, people["manager"].id), "both")
        db.session.commit()
    assert _top(client) == {"Ann Agent": 100.0, "Bob Agent": 0.0}
    with web.app_context():
        db.session.get(User, people["bob"].id).is_active_account = False
        db.session.commit()
    assert list(_api(client, manager, period)) == ["ann@c.test"]
    assert _top(client) == {"Ann Agent": 100.0}


def test_the_table_s_teams_and_branches_are_fresh(web, people, login):
    client = web.test_client()
    login(client, people["manager"])
    assert "Night shift" not in client.get("/qa/scorecards/").get_data(as_text=True)
    with web.app_context():
        db.session.add(Team(name="Night shift"))
        db.session.get(Branch, people["ann"].branch_id).name = "Renamed branch"
        db.session.commit()
    html = client.get("/qa/scorecards/").get_data(as_text=True)
    assert "Night shift" in html and '<th scope="row">Renamed branch</th>' in html


def test_rows_hold_the_reader_s_own_people(web, people):
    """What is cached is plain data: each reader's rows carry people of its own session."""
    with web.app_context():
        period = services.default_period()
        first = services.scorecards(period)
        assert all(row.user in db.session for row in first)
    with web.app_context():
        again = services.scorecards(period)
        assert [row.email for row in again] == [row.email for row in first]
        assert all(row.user in db.session for row in again)
        assert all(row.user is not old.user for row, old in zip(again, first, strict=True))


def test_the_cached_figures_name_real_tables(app):
    """A renamed table would silently stop invalidating: every table a namespace names exists."""
    from qa.scorecards.features import RANKING
    from qa.tickets.features import STATUS

    for namespace in (services.SCORECARDS, services.FILTERS, RANKING, STATUS):
        assert namespace.tables <= set(db.metadata.tables), namespace.name
