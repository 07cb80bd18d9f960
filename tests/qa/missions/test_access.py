"""The permission matrix, limited to the mission pages (quick to run while working on them)."""

from __future__ import annotations

from tests.servicecraft.test_permission_matrix import route_problems, users  # noqa: F401


def test_mission_routes_answer_every_role_as_expected(app, users, login):  # noqa: F811
    assert len([r for r in app.url_map.iter_rules() if r.endpoint.startswith("qa.missions.")]) >= 18
    problems = route_problems(app, users, login, only=lambda endpoint: endpoint.startswith("qa.missions."))
    assert not problems, "\n".join(problems)
