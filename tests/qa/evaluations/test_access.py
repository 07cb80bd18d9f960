"""The permission matrix restricted to this feature's routes (the full one also runs them)."""

from __future__ import annotations

from tests.qa.evaluations.access import EXPECTED
from tests.servicecraft.test_permission_matrix import route_problems, users  # noqa: F401


def test_every_evaluations_route_has_an_expectation(app):
    mine = {r.endpoint for r in app.url_map.iter_rules()
            if r.endpoint.startswith(("qa.evaluations.", "api_evaluations."))}
    assert mine == set(EXPECTED)


def test_evaluations_routes_answer_every_role_as_expected(app, users, login):  # noqa: F811
    problems = route_problems(app, users, login, expected=EXPECTED, only=EXPECTED.__contains__)
    assert not problems, "\n".join(problems)
