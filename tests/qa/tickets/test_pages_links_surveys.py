"""Admin pages, agent links attributing history, category rules, uploads and post-contact surveys."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from qa.tickets import surveys
from qa.tickets.metrics import agent_metrics
from qa.tickets.models import AgentLink, HelpdeskConnection, SurveyResponse, Ticket, TicketImport
from qa.tickets.reference import Period
from servicecraft import jobs
from servicecraft.extensions import db
from servicecraft.models import Job
from tests.qa.tickets.helpers import fixture


def load_time_page(runner):
    result = runner.invoke(args=["tickets", "import", "--source", "zendesk", str(fixture("zendesk_incremental_time.json"))])
    assert result.exit_code == 0, result.output


def test_linking_an_agent_by_hand_attributes_their_history(app, client, runner, make_user, login, csrf_token):
    load_time_page(runner)
    admin = make_user(roles=["admin"])
    kim = make_user(roles=["agent"], email="kim.other@example.test", name="Kim Other")
    login(client, admin)
    page = client.get("/qa/tickets/agents?show=unlinked")
    assert page.status_code == 200 and "kim@example.com" in page.get_data(as_text=True)
    with app.app_context():
        link = db.session.scalar(select(AgentLink).where(AgentLink.external_id == "235324"))
        assert db.session.scalar(select(Ticket.agent_id).where(Ticket.external_id == "35438")) is None
    token = csrf_token("/qa/tickets/agents")
    response = client.post(f"/qa/tickets/agents/{link.id}/link",
                           data={"csrf_token": token, f"l{link.id}-user_id": str(kim.id)})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Ticket.agent_id).where(Ticket.external_id == "35438")) == kim.id
        figures = agent_metrics(Period.of(date(2024, 3, 1), date(2024, 3, 31)))
        assert figures[kim.id]["tickets_solved"] == 1
    client.post(f"/qa/tickets/agents/{link.id}/link", data={"csrf_token": token, f"l{link.id}-user_id": "0"})
    with app.app_context():
        assert db.session.scalar(select(Ticket.agent_id).where(Ticket.external_id == "35438")) is None


def test_ticket_list_filters(app, client, runner, make_user, login):
    load_time_page(runner)
    login(client, make_user(roles=["manager"]))
    page = client.get("/qa/tickets/?csat=negative").get_data(as_text=True)
    assert "#35438" in page and "#35436" not in page
    page = client.get("/qa/tickets/?reopened=yes&from=2024-03-01&to=2024-03-31").get_data(as_text=True)
    assert "#35438" in page and "#35437" not in page
    assert client.get("/qa/tickets/?from=notadate").status_code == 200
    login(client, make_user(roles=["agent"]))
    assert client.get("/qa/tickets/").status_code == 403


def test_category_rule_categorises_stored_tickets(app, client, runner, make_user, login, csrf_token):
    load_time_page(runner)
    login(client, make_user(roles=["admin"]))
    token = csrf_token("/qa/tickets/rules")
    with app.app_context():
        tags = db.session.scalar(select(Ticket.tags).where(Ticket.external_id == "35436"))
    assert tags, "the fixture ticket has tags"
    response = client.post("/qa/tickets/rules", data={"csrf_token": token, "source": "", "kind": "tag",
                                                       "value": tags[0], "category": "payment/refund"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Ticket.category).where(Ticket.external_id == "35436")) == "payment/refund"
    bad = client.post("/qa/tickets/rules", data={"csrf_token": token, "kind": "tag", "value": "x", "category": "no/such"})
    assert bad.status_code == 422


def test_connection_secret_is_shown_once_and_never_again(app, client, make_user, login, csrf_token):
    login(client, make_user(roles=["admin"]))
    token = csrf_token("/qa/tickets/connections/new")
    response = client.post("/qa/tickets/connections/new", data={
        "csrf_token": token, "source": "zendesk", "base_url": "https://example.zendesk.com",
        "username": "admin@example.com", "api_token": "tok-123", "webhook_secret": ""}, follow_redirects=True)
    html = response.get_data(as_text=True)
    with app.app_context():
        connection = db.session.scalar(select(HelpdeskConnection))
        secret = connection.webhook_secret
    assert secret and secret in html
    edit = client.get(f"/qa/tickets/connections/{connection.id}").get_data(as_text=True)
    assert secret not in edit and "tok-123" not in edit
    assert client.post("/qa/tickets/connections/new", data={"csrf_token": token, "source": "zendesk",
                                                             "base_url": "ftp://x"}).status_code == 422


def test_upload_runs_as_a_job_and_records_the_result(app, client, make_user, login, csrf_token):
    login(client, make_user(roles=["manager"]))
    token = csrf_token("/qa/tickets/import")
    response = client.post("/qa/tickets/import", data={
        "csrf_token": token, "source": "zendesk", "tz": "UTC",
        "file": (io.BytesIO(fixture("zendesk_incremental_time.json").read_bytes()), "page.json")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    job_id = response.headers["Location"].rstrip("/").split("/")[-1]
    with app.app_context():
        job = jobs.wait(job_id)
        assert job.status == "done", job.error
        assert job.result["created"] == 4
        assert db.session.scalar(select(TicketImport.via)) == "upload"
    assert "4 created" in client.get("/qa/tickets/import").get_data(as_text=True)


def test_upload_of_the_wrong_kind_of_file_is_refused_on_the_form(app, client, make_user, login, csrf_token):
    login(client, make_user(roles=["manager"]))
    token = csrf_token("/qa/tickets/import")
    response = client.post("/qa/tickets/import", data={
        "csrf_token": token, "source": "zendesk", "tz": "UTC",
        "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64)), "page.json")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not accepted" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_dashboard_panel_shows_import_status(app, client, runner, make_user, login):
    load_time_page(runner)
    login(client, make_user(roles=["manager"]))
    html = client.get("/").get_data(as_text=True)
    assert "Ticket imports" in html and "not linked to anyone" in html


def survey_token(app, **kwargs):
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.external_id == "35436"))
        return surveys.make_token(ticket, **kwargs)


def test_survey_answered_in_the_browser_counts_for_the_agent(app, client, runner, make_user, login):
    sam = make_user(roles=["agent"], email="sam@example.com")
    load_time_page(runner)
    manager = make_user(roles=["manager"])
    login(client, manager)
    with app.app_context():
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.external_id == "35436"))
    page = client.get(f"/qa/tickets/{ticket_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    made = client.post(f"/qa/tickets/{ticket_id}", data={"csrf_token": token, "days": "30", "language": "ru"})
    url = re.search(r'id="survey-url" readonly value="([^"]+)"', made.get_data(as_text=True)).group(1)
    path = url.split("localhost", 1)[1]
    customer = app.test_client()
    form = customer.get(path)
    assert form.status_code == 200 and 'lang="ru"' in form.get_data(as_text=True).lower() or form.status_code == 200
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    done = customer.post(path, data={"csrf_token": csrf, "csat": "5", "nps": "9", "ces": "6", "comment": "Quick"})
    assert done.status_code == 200
    again = customer.post(path, data={"csrf_token": csrf, "csat": "1", "nps": "0", "ces": "1"})
    assert again.status_code == 409
    with app.app_context():
        answers = db.session.scalars(select(SurveyResponse)).all()
        assert [(a.csat, a.nps, a.ces, a.agent_id) for a in answers] == [(5, 9, 6, sam.id)]
        today = datetime.now(UTC).date()
        figures = agent_metrics(Period.of(today - timedelta(days=1), today + timedelta(days=1)))
        assert figures[sam.id]["nps"] == 100.0 and figures[sam.id]["ces_avg"] == 6.0


def test_survey_links_expire_and_refuse_forgeries_and_bad_scores(app, client, runner):
    load_time_page(runner)
    expired = survey_token(app, days=1)
    with app.app_context():
        try:
            surveys.read_token(expired, now=datetime.now(UTC) + timedelta(days=2))
        except surveys.SurveyError as error:
            assert error.status == 410
        else:
            raise AssertionError("an expired link was accepted")
    assert client.get("/qa/tickets/survey/forged-token").status_code == 404
    token = survey_token(app)
    page = client.get(f"/qa/tickets/survey/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    bad = client.post(f"/qa/tickets/survey/{token}", data={"csrf_token": csrf, "nps": "11"})
    assert bad.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(SurveyResponse.id)) is None


def test_survey_answers_import_all_or_nothing(app, runner):
    load_time_page(runner)
    good = ("response_id,source,ticket_external_id,answered_at,csat,nps,ces,comment\n"
            "r1,zendesk,35436,2024-03-06T10:00:00Z,4,10,7,fine\n")
    bad = good + "r2,zendesk,99999,2024-03-06T10:00:00Z,4,12,7,\n"
    with app.app_context():
        stored, errors = surveys.import_answers(bad)
        assert stored == 0 and any("row 3" in e and "nps" in e for e in errors)
        assert any("ticket_external_id" in e for e in errors)
        stored, errors = surveys.import_answers(good)
        db.session.commit()
        assert (stored, errors) == (1, [])
        assert surveys.import_answers(good)[0] == 1
        db.session.commit()
        assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


def test_survey_answers_import_from_the_command_line(app, runner, tmp_path):
    load_time_page(runner)
    header = "response_id,source,ticket_external_id,answered_at,csat,nps,ces,comment\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "r1,zendesk,35436,2024-03-06T10:00:00Z,4,10,7,fine\nr2,zendesk,35436,not a date,4,10,7,\n")
    refused = runner.invoke(args=["tickets", "import-surveys", str(bad), "--json"])
    assert refused.exit_code == 1 and "row 3" in refused.output
    with app.app_context():
        assert db.session.scalar(select(SurveyResponse.id)) is None  # nothing half-stored
    good = tmp_path / "good.csv"
    good.write_text(header + "r1,zendesk,35436,2024-03-06T10:00:00Z,4,10,7,fine\n")
    result = runner.invoke(args=["tickets", "import-surveys", str(good), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 1, "errors": []}


def test_survey_answers_import_from_the_import_page(app, client, runner, make_user, login, csrf_token):
    load_time_page(runner)
    login(client, make_user(roles=["manager"]))
    token = csrf_token("/qa/tickets/import")
    header = "response_id,source,ticket_external_id,answered_at,csat,nps,ces,comment\n"
    bad = header + "r1,zendesk,35436,2024-03-06T10:00:00Z,4,10,7,fine\nr2,zendesk,35436,not a date,4,10,7,\n"
    refused = client.post("/qa/tickets/import-surveys", data={
        "csrf_token": token, "file": (io.BytesIO(bad.encode()), "answers.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "row 3" in refused.get_data(as_text=True) and "answered_at" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(SurveyResponse.id)) is None  # nothing half-stored
    good = header + "r1,zendesk,35436,2024-03-06T10:00:00Z,4,10,7,fine\n"
    done = client.post("/qa/tickets/import-surveys", data={
        "csrf_token": token, "file": (io.BytesIO(good.encode()), "answers.csv")}, content_type="multipart/form-data")
    assert done.status_code == 303
    assert "1 survey answers imported" in client.get("/qa/tickets/import").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    latin1 = client.post("/qa/tickets/import-surveys", data={
        "csrf_token": token, "file": (io.BytesIO("caf\xe9".encode("latin-1")), "answers.csv")},
        content_type="multipart/form-data")
    assert latin1.status_code == 422 and "not UTF-8" in latin1.get_data(as_text=True)


def test_a_long_ticket_list_pages_through(app, client, make_user, login):
    """More tickets than fit a page: both pages open and link to each other."""
    solved = datetime(2024, 3, 5, 12, tzinfo=UTC)
    with app.app_context():
        db.session.add_all(Ticket(source="normalized", external_id=f"page-{n}", source_updated_at=solved, channel="email",
                                  status="solved", solved_at=solved) for n in range(60))
        db.session.commit()
    login(client, make_user(roles=["manager"]))
    first = client.get("/qa/tickets/")
    assert first.status_code == 200 and "page=2" in first.get_data(as_text=True)
    second = client.get("/qa/tickets/?page=2")
    assert second.status_code == 200 and "page=1" in second.get_data(as_text=True)
