"""The permission matrix, limited to the bonus-round pages (quick to run while working on them)."""

from __future__ import annotations

from tests.servicecraft.test_permission_matrix import ROLES, _denied, _param_values, _request, expected_access, users  # noqa: F401


def test_bonus_routes_answer_every_role_as_expected(app, users, login):  # noqa: F811
    table = expected_access()
    values = _param_values(app, users)
    problems = []
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("qa.bonus.")]
    assert len(rules) == 11
    for rule in rules:
        expected = table[rule.endpoint]
        for role in (*ROLES, None):
            client = app.test_client()
            if role:
                login(client, users[role])
            method, url, response = _request(client, rule, values, role)
            response.close()
            allowed = role is not None and role in expected
            if allowed and _denied(response, url):
                problems.append(f"{role} refused {method} {url} ({response.status_code})")
            if not allowed and not _denied(response, url):
                problems.append(f"{role or 'anonymous'} let into {method} {url} ({response.status_code})")
            if response.status_code >= 500:
                problems.append(f"{role or 'anonymous'} got {response.status_code} on {method} {url}")
    assert not problems, "\n".join(problems)
