"""POST /api/v1/tickets and POST /api/v1/webhooks/{source} through the app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from qa.tickets.models import HelpdeskConnection, Ticket
from qa.tickets.signatures import sign_servicecraft, sign_zendesk
from servicecraft.auth.services import create_api_token
from servicecraft.extensions import db
from tests.qa.tickets.helpers import fixture

SECRET = "whsec-test-0123456789"


def bearer(app, user):
    with app.app_context():
        from servicecraft.models import User

        _t, secret = create_api_token(db.session.get(User, user.id), "test", actor=None)
        db.session.commit()
    return {"Authorization": "Bearer " + secret}


def tickets(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Ticket.id)))


def test_managers_import_through_the_api(app, client, make_user):
    manager = make_user(roles=["manager"])
    body = fixture("zendesk_incremental_time.json").read_bytes()
    response = client.post("/api/v1/tickets?source=zendesk", data=body, headers=bearer(app, manager),
                           content_type="application/json")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 4, "updated": 0, "unchanged": 0, "stale": 0, "errors": []}
    again = client.post("/api/v1/tickets?source=zendesk", data=body, headers=bearer(app, manager),
                        content_type="application/json")
    assert again.get_json()["unchanged"] == 4


def test_agents_get_403_and_no_token_401(app, client, make_user):
    agent = make_user(roles=["agent"])
    body = fixture("zendesk_incremental_time.json").read_bytes()
    assert client.post("/api/v1/tickets?source=zendesk", data=body, headers=bearer(app, agent)).status_code == 403
    assert client.post("/api/v1/tickets?source=zendesk", data=body).status_code == 401
    assert tickets(app) == 0


def test_bad_body_is_422_naming_the_record_and_nothing_stored(app, client, make_user):
    manager = make_user(roles=["manager"])
    page = json.loads(fixture("zendesk_incremental_time.json").read_text())
    page["tickets"][0]["created_at"] = "soon"
    response = client.post("/api/v1/tickets?source=zendesk", json=page, headers=bearer(app, manager))
    assert response.status_code == 422
    error = response.get_json()
    assert "created_at" in error["error"]["fields"]["records"] and error["created"] == 0
    assert client.post("/api/v1/tickets?source=nope", json=page, headers=bearer(app, manager)).status_code == 400
    assert client.post("/api/v1/tickets?source=zendesk", data=b"{x", headers=bearer(app, manager)).status_code == 400
    assert tickets(app) == 0


@pytest.fixture
def connections(app):
    with app.app_context():
        db.session.add_all([HelpdeskConnection(source="zendesk", webhook_secret=SECRET),
                            HelpdeskConnection(source="normalized", webhook_secret=SECRET)])
        db.session.commit()


def zendesk_event(status="SOLVED", assignee="235324"):
    return json.dumps({
        "type": "zen:event-type:ticket.status_changed", "account_id": 1, "id": "ev-1",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "detail": {"id": "35437", "status": status, "assignee_id": assignee, "group_id": "98738"},
    }).encode()


def zendesk_headers(body, when=None, secret=SECRET):
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"X-Zendesk-Webhook-Signature": sign_zendesk(body, stamp, secret),
            "X-Zendesk-Webhook-Signature-Timestamp": stamp}


def status_of(app, external_id):
    with app.app_context():
        return db.session.scalar(select(Ticket.status).where(Ticket.external_id == external_id))


def test_signed_zendesk_event_updates_the_ticket(app, client, runner, connections):
    runner.invoke(args=["tickets", "import", "--source", "zendesk", str(fixture("zendesk_incremental_time.json"))])
    assert status_of(app, "35437") == "open"
    body = zendesk_event()
    response = client.post("/api/v1/webhooks/zendesk", data=body, headers=zendesk_headers(body),
                           content_type="application/json")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["updated"] == 1
    assert status_of(app, "35437") == "solved"
    with app.app_context():
        assert db.session.scalar(select(Ticket.agent_external_id).where(Ticket.external_id == "35437")) == "235324"


@pytest.mark.parametrize("case", ["unsigned", "wrong", "stale", "other-secret"])
def test_refused_webhooks_get_401_and_change_nothing(app, client, runner, connections, case):
    runner.invoke(args=["tickets", "import", "--source", "zendesk", str(fixture("zendesk_incremental_time.json"))])
    body = zendesk_event()
    headers = {
        "unsigned": {},
        "wrong": {**zendesk_headers(body), "X-Zendesk-Webhook-Signature": zendesk_headers(b"other")["X-Zendesk-Webhook-Signature"]},
        "stale": zendesk_headers(body, when=datetime.now(UTC) - timedelta(minutes=6)),
        "other-secret": zendesk_headers(body, secret="not-the-secret"),
    }[case]
    response = client.post("/api/v1/webhooks/zendesk", data=body, headers=headers, content_type="application/json")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert status_of(app, "35437") == "open"


def test_normalized_webhook_with_our_signature(app, client, connections):
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"sent_at": now, "tickets": [{"external_id": "W-1", "source_updated_at": now, "status": "solved",
                                                    "created_at": "2024-03-01T09:00:00Z",
                                                    "solved_at": "2024-03-01T10:00:00Z"}]}).encode()
    unsigned = client.post("/api/v1/webhooks/normalized", data=body, content_type="application/json")
    assert unsigned.status_code == 401 and tickets(app) == 0
    wrong = client.post("/api/v1/webhooks/normalized", data=body,
                        headers={"X-Servicecraft-Signature": sign_servicecraft(body + b" ", SECRET)})
    assert wrong.status_code == 401 and tickets(app) == 0
    good = client.post("/api/v1/webhooks/normalized", data=body,
                       headers={"X-Servicecraft-Signature": sign_servicecraft(body, SECRET)})
    assert good.status_code == 200, good.get_json()
    assert status_of(app, "W-1") == "solved"


def test_webhook_without_a_configured_secret_is_refused(app, client):
    body = zendesk_event()
    response = client.post("/api/v1/webhooks/zendesk", data=body, headers=zendesk_headers(body))
    assert response.status_code == 401 and tickets(app) == 0
