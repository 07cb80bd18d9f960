"""Every route x every role against the expected tables: access is denied by default.

A route without an expectation fails the test, so a new page cannot slip past review.
"""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from servicecraft.auth.services import create_api_token
from servicecraft.extensions import db
from servicecraft.models import Branch, Team
from tests.servicecraft.access import PUBLIC

ROLES = ("admin", "manager", "mentor", "shopper", "agent", "newhire")
ACCESS_TABLES = ("tests.servicecraft.access", "tests.training.access", "tests.qa.access")


def expected_access() -> dict:
    table = {}
    for name in ACCESS_TABLES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        overlap = set(table) & set(module.EXPECTED)
        assert not overlap, f"{name} repeats {overlap}"
        table.update(module.EXPECTED)
    return table


def _param_values(app, users) -> dict:
    """Sample values for URL parameters, and any records the routes need."""
    values = {"user_id": users["agent"].id, "token": "not-a-real-token", "filename": "css/app.css", "job_id": "0" * 32}
    with app.app_context():
        branch = Branch(code="B1", name="Branch one", region="R")
        db.session.add(branch)
        db.session.flush()
        team = Team(name="Team one", branch_id=branch.id)
        db.session.add(team)
        agent = db.session.get(type(users["agent"]), users["agent"].id)
        token, _ = create_api_token(agent, "matrix", actor=None)
        bearer = {}
        for role, user in users.items():
            _t, secret = create_api_token(db.session.get(type(user), user.id), "matrix-" + role, actor=None)
            bearer[role] = secret
        values["bearer"] = bearer
        db.session.commit()
        values.update(branch_id=branch.id, team_id=team.id, token_id=token.id)
        for module_name in ACCESS_TABLES:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            if hasattr(module, "sample_values"):
                values.update(module.sample_values(app, users))
    return values


@pytest.fixture
def users(make_user):
    made = {}
    for role in ROLES:
        roles = ["agent"] if role == "newhire" else [role]
        extra = {"live_since": None} if role == "newhire" else {}
        if role == "agent":
            extra = {"live_since": date(2024, 1, 1)}
        made[role] = make_user(roles=roles, email=f"{role}@matrix.test", **extra)
    return made


def test_every_route_has_an_expectation(app):
    table = expected_access()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(table))
    stale = sorted(set(table) - endpoints)
    assert not missing, f"routes without an access expectation: {missing}"
    assert not stale, f"expectations for routes that do not exist: {stale}"


def _request(client, rule, values, role=None):
    url = rule.rule
    for arg in rule.arguments:
        url = url.replace(f"<{arg}>", str(values[arg]))
        for converter in ("int", "path", "string", "uuid"):
            url = url.replace(f"<{converter}:{arg}>", str(values[arg]))
    method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS", "HEAD"})[0]
    headers = {}
    if url.startswith("/api/") and role:
        headers["Authorization"] = "Bearer " + values["bearer"][role]
    return method, url, client.open(url, method=method, headers=headers)


def _denied(response, url) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def route_problems(app, users, login, *, expected: dict | None = None, only=None) -> list[str]:
    """Request every route (or those whose endpoint `only` accepts) as every role; list what is wrong."""
    table = expected if expected is not None else expected_access()
    values = _param_values(app, users)
    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if only is not None and not only(rule.endpoint):
            continue
        allowed_roles = table[rule.endpoint]
        for role in (*ROLES, None):
            client = app.test_client()
            if role:
                login(client, users[role])
            method, url, response = _request(client, rule, values, role)
            response.close()  # static files stream from an open file
            allowed = allowed_roles == PUBLIC or (role is not None and role in allowed_roles)
            if allowed and _denied(response, url):
                problems.append(f"{role or 'anonymous'} refused {method} {url} ({response.status_code})")
            if not allowed and not _denied(response, url):
                problems.append(f"{role or 'anonymous'} let into {method} {url} ({response.status_code})")
            if response.status_code >= 500:
                problems.append(f"{role or 'anonymous'} got {response.status_code} on {method} {url}")
    return problems


def test_every_route_answers_every_role_as_expected(app, users, login):
    problems = route_problems(app, users, login)
    assert not problems, "\n".join(problems)


def test_an_unmarked_view_is_refused(app, make_user, login):
    """Deny by default: a view without @public or @require answers 403 even to an admin."""
    from flask import Flask

    from servicecraft import create_app

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x" * 20})
    assert isinstance(other, Flask)
    other.add_url_rule("/forgotten", "forgotten", lambda: "secret data")
    admin = make_user(roles=["admin"])
    client = other.test_client()
    login(client, admin)
    response = client.get("/forgotten")
    assert response.status_code == 403 and b"secret data" not in response.data
    with other.app_context():
        db.engine.dispose()
