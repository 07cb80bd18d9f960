"""Schemathesis against the app's own /api/v1/openapi.json, in-process through WSGI.

Bounded (25 examples per operation, derandomized) so it runs in CI: no response is ever a 5xx,
and every response matches the schema the API declares, for a manager's token and an agent's.

The operations are walked through schemathesis's Python API (``operation.as_strategy()``)
rather than its pytest plugin: the plugin's lazy fixture loader rewrites ``Node._nodeid``,
which pytest 9 no longer has.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from servicecraft.auth.services import create_api_token
from servicecraft.extensions import db
from servicecraft.models import User

CHECKS = [not_a_server_error, response_schema_conformance]
BOUNDED = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


def _bearer(app, make_user, role: str) -> dict[str, str]:
    person = make_user(roles=[role])
    with app.app_context():
        user = db.session.get(User, person.id)
        _, secret = create_api_token(user, "schemathesis", actor=user)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # .ok() raises on a broken schema
    assert len(operations) >= 6, [op.label for op in operations]
    return operations


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_api_never_answers_5xx_and_matches_its_schema(app, make_user, role):
    headers = _bearer(app, make_user, role)
    tried, statuses = [], set()
    for operation in _operations(app):

        @given(case=operation.as_strategy())
        @BOUNDED
        def run(case):
            statuses.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

        try:
            run()
        except Exception as error:
            error.add_note(f"operation: {operation.label} as {role}")
            raise
        tried.append(operation.label)
    assert "GET /api/v1/me" in tried and "POST /api/v1/tickets" in tried
    assert 200 in statuses, statuses  # the token was accepted: the cases reached the handlers
