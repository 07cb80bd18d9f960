"""The permission matrix restricted to this feature's routes (the full one also runs them)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.qa.evaluations.access import EXPECTED
from tests.servicecraft.access import PUBLIC
from tests.servicecraft.test_permission_matrix import ROLES, _denied, _param_values, _request


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


def test_every_evaluations_route_has_an_expectation(app):
    mine = {r.endpoint for r in app.url_map.iter_rules()
            if r.endpoint.startswith(("qa.evaluations.", "api_evaluations."))}
    assert mine == set(EXPECTED)


def test_evaluations_routes_answer_every_role_as_expected(app, users, login):
    values = _param_values(app, users)
    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint not in EXPECTED:
            continue
        expected = EXPECTED[rule.endpoint]
        for role in (*ROLES, None):
            client = app.test_client()
            if role:
                login(client, users[role])
            method, url, response = _request(client, rule, values, role)
            response.close()
            allowed = expected == PUBLIC or (role is not None and role in expected)
            if allowed and _denied(response, url):
                problems.append(f"{role or 'anonymous'} refused {method} {url} ({response.status_code})")
            if not allowed and not _denied(response, url):
                problems.append(f"{role or 'anonymous'} let into {method} {url} ({response.status_code})")
            if response.status_code >= 500:
                problems.append(f"{role or 'anonymous'} got {response.status_code} on {method} {url}")
    assert not problems, "\n".join(problems)
