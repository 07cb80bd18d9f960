"""`servicecraft tickets import` through the real CLI and database."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from qa.tickets.metrics import agent_metrics
from qa.tickets.models import AgentLink, Ticket, TicketImport
from qa.tickets.reference import Period
from servicecraft.extensions import db
from tests.qa.tickets.helpers import fixture

TIME_PAGE = str(fixture("zendesk_incremental_time.json"))


def run_import(runner, source, *paths):
    result = runner.invoke(args=["tickets", "import", "--source", source, *map(str, paths), "--json"])
    return result, (json.loads(result.stdout) if result.stdout.strip() else None)


def count(app, *where):
    with app.app_context():
        return db.session.scalar(select(func.count(Ticket.id)).where(*where))


def test_zendesk_page_imports_then_reimport_changes_nothing(app, runner, make_user):
    sam = make_user(roles=["agent"], email="Sam@Example.com")
    result, body = run_import(runner, "zendesk", TIME_PAGE)
    assert result.exit_code == 0, result.output
    assert body == {"created": 4, "updated": 0, "unchanged": 0, "stale": 0, "errors": []}
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.external_id == "35436"))
        assert ticket.agent_id == sam.id  # linked by e-mail from the sideloaded users
        assert ticket.raw["id"] == 35436 and ticket.first_reply_minutes == 30
        assert db.session.scalar(select(Ticket).where(Ticket.external_id == "35439")) is None  # deleted
        link = db.session.scalar(select(AgentLink).where(AgentLink.external_id == "235324"))
        assert link.user_id is None and link.email == "kim@example.com"
        assert db.session.scalar(select(func.count(TicketImport.id))) == 1
    again, body = run_import(runner, "zendesk", TIME_PAGE)
    assert again.exit_code == 0
    assert body == {"created": 0, "updated": 0, "unchanged": 4, "stale": 0, "errors": []}
    assert count(app) == 4


def test_older_version_is_stale_and_newer_updates(app, runner, tmp_path):
    page = json.loads(fixture("zendesk_incremental_time.json").read_text())
    run_import(runner, "zendesk", TIME_PAGE)
    older = json.loads(json.dumps(page))
    newer = json.loads(json.dumps(page))
    for ticket in older["tickets"]:
        ticket["generated_timestamp"] -= 3600
        ticket["status"] = "open" if ticket["status"] != "deleted" else "deleted"
    for ticket in newer["tickets"]:
        if ticket["id"] == 35436:
            ticket["generated_timestamp"] += 60
            ticket["priority"] = "urgent"
    (tmp_path / "older.json").write_text(json.dumps(older))
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    _r, body = run_import(runner, "zendesk", tmp_path / "older.json")
    assert body["stale"] == 4 and body["updated"] == 0
    with app.app_context():
        assert db.session.scalar(select(Ticket.status).where(Ticket.external_id == "35436")) == "solved"
    _r, body = run_import(runner, "zendesk", tmp_path / "newer.json")
    assert (body["updated"], body["unchanged"]) == (1, 3)
    with app.app_context():
        assert db.session.scalar(select(Ticket.priority).where(Ticket.external_id == "35436")) == "urgent"


def test_a_broken_file_is_refused_whole_naming_file_record_and_field(app, runner, tmp_path):
    page = json.loads(fixture("zendesk_incremental_time.json").read_text())
    page["tickets"][1]["status"] = "waiting"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(page))
    result, body = run_import(runner, "zendesk", path)
    assert result.exit_code == 1
    assert body["created"] == 0 and body["errors"]
    assert str(path) in body["errors"][0] and "field status" in body["errors"][0] and '"waiting"' in body["errors"][0]
    assert count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(AgentLink.id))) == 0


def test_not_json_and_wrong_source_are_refused(app, runner, tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    result, body = run_import(runner, "zendesk", path)
    assert result.exit_code == 1 and "not valid JSON" in body["errors"][0] and "line 1" in body["errors"][0]
    result, body = run_import(runner, "zendesk", fixture("freshdesk_tickets.json"))
    assert result.exit_code == 1 and "freshdesk source" in body["errors"][0]
    assert count(app) == 0


def test_freshdesk_files_import_with_agents_and_ratings(app, runner, make_user):
    make_user(roles=["agent"], email="lee@example.com")
    result, body = run_import(runner, "freshdesk", fixture("freshdesk_agents.json"), fixture("freshdesk_tickets.json"),
                              fixture("freshdesk_satisfaction_ratings.json"))
    assert result.exit_code == 0, result.output
    assert body["created"] == 4 and not body["errors"]
    _r, again = run_import(runner, "freshdesk", fixture("freshdesk_agents.json"), fixture("freshdesk_tickets.json"),
                           fixture("freshdesk_satisfaction_ratings.json"))
    assert again == {"created": 0, "updated": 0, "unchanged": 4, "stale": 0, "errors": []}
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.agent_id.isnot(None))) >= 1


def test_zammad_and_csv_fixtures_import(app, runner):
    result, body = run_import(runner, "zammad", fixture("zammad_tickets_expand.json"))
    assert result.exit_code == 0 and body["created"] == 4
    result, body = run_import(runner, "csv", fixture("generic_tickets.csv"))
    assert result.exit_code == 0 and body["created"] >= 1
    result, body = run_import(runner, "csv", fixture("zendesk_admin_export.csv"))
    assert result.exit_code == 0 and body["created"] >= 1
    _r, again = run_import(runner, "csv", fixture("zendesk_admin_export.csv"))
    assert again["created"] == again["updated"] == 0


def test_zendesk_ticket_and_metrics_lists_as_two_files(app, runner):
    result, body = run_import(runner, "zendesk", fixture("zendesk_tickets_list.json"),
                              fixture("zendesk_ticket_metrics_list.json"))
    assert result.exit_code == 0, result.output
    assert body["created"] >= 1 and not body["errors"]


def test_bad_csv_row_is_named_and_nothing_stored(app, runner, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("external_id,status,created_at,solved_at\nA-1,solved,2024-03-01 09:00,2024-03-01 10:00\n"
                    "A-2,solved,yesterday,2024-03-01 10:00\n")
    result, body = run_import(runner, "csv", path)
    assert result.exit_code == 1
    assert "row 3" in body["errors"][0] and "created_at" in body["errors"][0]
    assert count(app) == 0


def test_imported_page_gives_the_spec_metrics(app, runner, make_user):
    sam = make_user(roles=["agent"], email="sam@example.com")
    run_import(runner, "zendesk", TIME_PAGE)
    with app.app_context():
        figures = agent_metrics(Period.of(date(2024, 3, 1), date(2024, 3, 31)))
    # 35436 is sam's solved ticket: first reply 30 min, 1440 min to solve, one reply, no reopen, good rating.
    mine = figures[sam.id]
    assert mine["tickets_solved"] == 1
    assert mine["first_reply_minutes_median"] == 30.0 and mine["first_reply_within_24h_pct"] == 100.0
    assert mine["resolution_hours_median"] == 24.0
    assert mine["fcr_pct"] == 100.0 and mine["reopen_pct"] == 0.0 and mine["csat_pct"] == 100.0
    with app.app_context():
        assert agent_metrics(Period.of(date(2024, 3, 6), date(2024, 3, 31))).get(sam.id) is None
