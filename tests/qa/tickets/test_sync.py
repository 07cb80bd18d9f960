"""`servicecraft tickets sync` against a local HTTP server replaying recorded export pages."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from qa.tickets.models import HelpdeskConnection, Ticket
from servicecraft.extensions import db
from tests.qa.tickets.helpers import fixture


class Vendor:
    """A stand-in help desk on 127.0.0.1 serving recorded pages; records every request."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list] = {}
        self.requests: list[Request] = []
        self.server = make_server("127.0.0.1", 0, self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @Request.application
    def app(self, request: Request) -> Response:
        self.requests.append(request)
        key = (request.path, request.args.get("cursor") or request.args.get("page") or "")
        answers = self.routes.get(key)
        if not answers:
            return Response("not found", status=404)
        status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        return Response(body, status=status, content_type="application/json")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"


@pytest.fixture
def vendor():
    server = Vendor()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def cursor_pages():
    first = json.loads(fixture("zendesk_incremental_time.json").read_text())
    first.pop("end_time", None)
    first.pop("next_page", None)
    first.update(after_cursor="c1", end_of_stream=False)
    second = json.loads(fixture("zendesk_incremental_cursor.json").read_text())
    second.update(after_cursor="c2", end_of_stream=True)
    return json.dumps(first), json.dumps(second)


def connect(app, source, url):
    with app.app_context():
        db.session.add(HelpdeskConnection(source=source, base_url=url, username="a@example.com", api_token="tok",
                                          is_sync_enabled=True, webhook_secret="s"))
        db.session.commit()


def state(app):
    with app.app_context():
        connection = db.session.scalar(select(HelpdeskConnection))
        return connection.cursor, db.session.scalar(select(func.count(Ticket.id))), connection.last_sync_error


def test_zendesk_sync_follows_the_cursor_and_resumes_after_a_failure(app, runner, vendor):
    first, second = cursor_pages()
    path = "/api/v2/incremental/tickets/cursor.json"
    vendor.routes[(path, "")] = [(200, first)]
    vendor.routes[(path, "c1")] = [(500, "{}"), (200, second)]  # fails once, then answers
    vendor.routes[(path, "c2")] = [(200, json.dumps({"tickets": [], "after_cursor": "c2", "end_of_stream": True}))]
    connect(app, "zendesk", vendor.url)

    failed = runner.invoke(args=["tickets", "sync", "--source", "zendesk"])
    assert failed.exit_code == 1 and "500" in failed.output
    assert state(app)[:2] == ("c1", 4)  # the first page is kept, with the cursor after it
    assert vendor.requests[0].args["start_time"] == "0"
    assert vendor.requests[0].headers["Authorization"].startswith("Basic ")

    resumed = runner.invoke(args=["tickets", "sync", "--source", "zendesk", "--json"])
    assert resumed.exit_code == 0, resumed.output
    outcome = json.loads(resumed.stdout)
    assert (outcome["pages"], outcome["created"]) == (1, 2)
    assert state(app) == ("c2", 6, None)
    assert [r.args.get("cursor") for r in vendor.requests] == [None, "c1", "c1"]

    again = runner.invoke(args=["tickets", "sync", "--source", "zendesk", "--json"])
    assert json.loads(again.stdout)["created"] == 0 and state(app)[1] == 6  # no duplicates


def test_freshdesk_sync_pages_and_keeps_the_newest_update_time(app, runner, vendor):
    vendor.routes[("/api/v2/agents", "1")] = [(200, fixture("freshdesk_agents.json").read_text())]
    vendor.routes[("/api/v2/tickets", "1")] = [(200, fixture("freshdesk_tickets.json").read_text())]
    connect(app, "freshdesk", vendor.url)
    result = runner.invoke(args=["tickets", "sync", "--source", "freshdesk", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 4
    newest = max(t["updated_at"] for t in json.loads(fixture("freshdesk_tickets.json").read_text()))
    assert state(app)[0] == newest
    ticket_request = next(r for r in vendor.requests if r.path == "/api/v2/tickets")
    assert ticket_request.args["include"] == "stats" and ticket_request.args["updated_since"].startswith("1970")


def test_sync_without_a_connection_is_a_clear_error(app, runner):
    result = runner.invoke(args=["tickets", "sync", "--source", "zammad"])
    assert result.exit_code == 1 and "No zammad connection" in result.output
