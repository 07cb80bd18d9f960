"""Scorecards through the app and the database: components, composite, exports, PDF, API, weights."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timezone

import pytest
from flask import url_for
from sqlalchemy import select

from qa.evaluations import services as evaluation_services
from qa.evaluations.models import Evaluation, EvaluationRevision
from qa.scorecards import services
from qa.scorecards.models import ScorecardWeights
from qa.scorecards.views import TABLE_KEYS
from qa.tickets.models import Ticket
from servicecraft.auth.services import create_api_token
from servicecraft.extensions import db
from servicecraft.models import AuditEntry, Branch, User
from tests.qa.evaluations.helpers import EXAMPLE_FORM

MARCH = (date(2024, 3, 1), date(2024, 3, 31))


def at(day, hour=12):
    return datetime(2024, 3, day, hour, tzinfo=timezone.utc)


@pytest.fixture
def org(app, make_user):
    with app.app_context():
        regional = Branch(code="REG", name="Regional", region="North", is_central=False)
        central = Branch(code="CEN", name="Central", region="Capital", is_central=True)
        db.session.add_all([regional, central])
        db.session.commit()
        ids = (regional.id, central.id)
    mentor = make_user(roles=["mentor"], email="mentor@s.test", name="Mentor")
    people = {
        "mentor": mentor,
        "anna": make_user(roles=["agent"], email="anna@s.test", name="Анна Петрова", branch_id=ids[0],
                          mentor_id=mentor.id),
        "carl": make_user(roles=["agent"], email="carl@s.test", name="Carl", branch_id=ids[0]),
        "dora": make_user(roles=["agent"], email="dora@s.test", name="Dora", branch_id=ids[1]),
        "manager": make_user(roles=["manager"], email="manager@s.test", name="Manager"),
        "shopper": make_user(roles=["shopper"], email="shopper@s.test", name="Shopper"),
    }
    with app.app_context():
        anna, dora = people["anna"].id, people["dora"].id
        tickets = [  # (agent, day, csat, first reply minutes, replies, reopens, status)
            (anna, 2, "positive", 30, 1, 0, "solved"),
            (anna, 5, "negative", 2000, 2, 0, "closed"),
            (anna, 9, "positive", 100, 1, 1, "solved"),
            (anna, 20, None, None, None, None, "solved"),
            (anna, 21, "negative", 10, 1, 0, "open"),        # not solved: left out
            (dora, 3, "neutral", 50, 1, 0, "solved"),
        ]
        for n, (agent, day, rating, first, replies, reopens, status) in enumerate(tickets):
            db.session.add(Ticket(source="zendesk", external_id=str(n), source_updated_at=at(day), agent_id=agent,
                                  status=status, created_at=at(day, 8), solved_at=at(day) if status != "open" else None,
                                  first_reply_minutes=first, agent_replies=replies, reopens=reopens, csat=rating))
        # Solved in April: outside the period.
        db.session.add(Ticket(source="zendesk", external_id="april", source_updated_at=at(1), agent_id=anna,
                              status="solved", solved_at=datetime(2024, 4, 1, 0, 30, tzinfo=timezone.utc), csat="negative"))
        version, _created = evaluation_services.import_form(EXAMPLE_FORM, filename="f.yaml", actor=None)
        evaluations = [  # (kind, status, agent, branch, score, critical, day)
            ("review", "released", anna, None, 80.0, False, 4),
            ("review", "released", anna, None, 91.0, False, 6),
            ("review", "submitted", anna, None, 10.0, False, 7),      # not released: left out
            ("mystery_shop", "validated", anna, None, 70.0, False, 8),
            ("mystery_shop", "released", None, ids[0], 100.0, False, 10),  # branch-level: Anna and Carl
            ("mystery_shop", "submitted", None, ids[0], 0.0, True, 11),    # not validated: left out
            ("mystery_shop", "validated", dora, None, 0.0, True, 12),
        ]
        for kind, status, agent, branch, score, critical, day in evaluations:
            evaluation = Evaluation(form_version_id=version.id, kind=kind, status=status, agent_id=agent,
                                    branch_id=branch, happened_at=at(day))
            db.session.add(evaluation)
            db.session.flush()
            revision = EvaluationRevision(evaluation_id=evaluation.id, answers={}, score=score, critical_fail=critical)
            db.session.add(revision)
            db.session.flush()
            evaluation.current_revision_id = revision.id
        db.session.commit()
    return people


def _period():
    return services.period_of(*MARCH)


def test_components_and_composite_are_exact(app, org):
    with app.app_context():
        rows = {row.email: row for row in services.scorecards(_period())}
        assert list(rows) == ["carl@s.test", "dora@s.test", "anna@s.test"]  # agents only, by name
        anna = rows["anna@s.test"]
        assert anna.value("qa_pct") == 85.5 and anna.count("qa_pct") == 2
        assert anna.value("mystery_shop_pct") == 85.0 and anna.count("mystery_shop_pct") == 2
        assert anna.value("csat_pct") == 66.7 and anna.count("csat_pct") == 3
        assert anna.value("fcr_pct") == 33.3 and anna.count("fcr_pct") == 3
        assert anna.value("first_reply_within_24h_pct") == 66.7
        assert anna.value("simulation_pct") is None and anna.value("training_pct") is None
        # (25*85.5 + 20*85 + 15*200/3 + 10*100/3 + 10*200/3) / 80 = 72.96875
        assert anna.composite.exact == pytest.approx(72.96875) and anna.value("composite") == 73.0
        assert anna.left_out == ("simulation_pct", "training_pct")
        carl = rows["carl@s.test"]
        assert carl.value("mystery_shop_pct") == 100.0 and carl.value("qa_pct") is None
        assert carl.value("composite") == 100.0
        dora = rows["dora@s.test"]
        assert dora.critical_fail and not anna.critical_fail and dora.value("csat_pct") == 0.0


def test_export_json_is_exact(app, org, runner):
    result = runner.invoke(args=["scorecards", "export", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    anna = next(row for row in rows if row["agent"] == "anna@s.test")
    assert anna == {
        "agent": "anna@s.test", "name": "Анна Петрова", "tickets_solved": 4, "first_reply_minutes_median": 100.0,
        "first_reply_within_24h_pct": 66.7, "resolution_hours_median": None, "fcr_pct": 33.3, "reopen_pct": 33.3,
        "csat_pct": 66.7, "one_touch_pct": 66.7, "nps": None, "ces_avg": None, "qa_pct": 85.5,
        "mystery_shop_pct": 85.0, "simulation_pct": None, "training_pct": None, "composite": 73.0,
    }
    branch = runner.invoke(args=["scorecards", "export", "--from", "2024-03-01", "--to", "2024-03-31", "--branch", "CEN"])
    assert [row["agent"] for row in json.loads(branch.stdout)] == ["dora@s.test"]


def test_export_refuses_a_period_ending_before_it_starts(app, org, runner):
    result = runner.invoke(args=["scorecards", "export", "--from", "2024-03-31", "--to", "2024-03-01"])
    assert result.exit_code == 1 and "before it starts" in result.output
    unknown = runner.invoke(args=["scorecards", "export", "--from", "2024-03-01", "--to", "2024-03-31", "--team", "Nope"])
    assert unknown.exit_code == 1 and "no team" in unknown.output


def test_csv_and_xlsx_exports_are_readable(app, org, runner, tmp_path):
    out = tmp_path / "s.csv"
    result = runner.invoke(args=["scorecards", "export", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "csv",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = {row["agent"]: row for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))}
    assert rows["anna@s.test"]["name"] == "Анна Петрова" and rows["anna@s.test"]["composite"] == "73.0" and rows["anna@s.test"]["training_pct"] == ""
    book_path = tmp_path / "s.xlsx"
    result = runner.invoke(args=["scorecards", "export", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "xlsx",
                                 "-o", str(book_path)])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    sheet = load_workbook(book_path).active
    header = [cell.value for cell in sheet[1]]
    first = dict(zip(header, [cell.value for cell in sheet[4]]))
    assert first["agent"] == "anna@s.test" and first["composite"] == 73.0 and first["qa_pct"] == 85.5


def test_pdf_holds_the_cyrillic_name_and_composite(app, org, runner, tmp_path):
    out = tmp_path / "anna.pdf"
    result = runner.invoke(args=["scorecards", "pdf", "--agent", "anna@s.test", "--from", "2024-03-01", "--to",
                                 "2024-03-31", "-o", str(out)])
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(str(out)).pages)
    assert "Анна Петрова" in text and "73.0" in text


def _bearer(app, person) -> dict:
    with app.app_context():
        _token, secret = create_api_token(db.session.get(User, person.id), "test", actor=None)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_api_is_scoped_by_role(app, client, org):
    url = "/api/v1/scorecards?from=2024-03-01&to=2024-03-31"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=_bearer(app, org["shopper"])).status_code == 403
    everyone = client.get(url, headers=_bearer(app, org["manager"]))
    assert everyone.status_code == 200 and [r["agent"] for r in everyone.get_json()] == [
        "carl@s.test", "dora@s.test", "anna@s.test"]
    assert everyone.get_json()[2]["composite"] == 73.0
    mine = client.get(url, headers=_bearer(app, org["carl"])).get_json()
    assert [r["agent"] for r in mine] == ["carl@s.test"]
    mentees = client.get(url, headers=_bearer(app, org["mentor"])).get_json()
    assert [r["agent"] for r in mentees] == ["anna@s.test"]
    manager = _bearer(app, org["manager"])
    bad = client.get("/api/v1/scorecards?from=2024-03-31&to=2024-03-01", headers=manager)
    assert bad.status_code == 422 and "to" in bad.get_json()["error"]["fields"]
    assert client.get("/api/v1/scorecards?from=March&to=2024-03-01", headers=manager).status_code == 422
    assert client.get("/api/v1/scorecards", headers=manager).status_code == 422


def test_pages_show_no_data_and_scope(app, client, org, login):
    login(client, org["carl"])
    page = client.get("/qa/scorecards/?from=2024-03-01&to=2024-03-31", follow_redirects=True)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Scorecard of Carl" in body and "no data" in body
    assert "How is this computed?" in body and "100.0" in body
    assert client.get(f"/qa/scorecards/agents/{org['anna'].id}").status_code == 403
    login(client, org["mentor"])
    assert client.get(f"/qa/scorecards/agents/{org['anna'].id}?from=2024-03-01&to=2024-03-31").status_code == 200
    assert client.get(f"/qa/scorecards/agents/{org['dora'].id}").status_code == 403
    login(client, org["manager"])
    page = client.get(f"/qa/scorecards/agents/{org['anna'].id}?from=2024-03-01&to=2024-03-31")
    body = page.get_data(as_text=True)
    assert "73.0" in body and "<svg" in body and f"/qa/tickets/?agent={org['anna'].id}&amp;from=2024-03-01" in body
    table = client.get("/qa/scorecards/?from=2024-03-01&to=2024-03-31&sort=qa_pct&dir=desc")
    text = table.get_data(as_text=True)
    assert table.status_code == 200 and text.index("Анна Петрова") < text.index("Carl") and "Central office" in text
    download = client.get("/qa/scorecards/?from=2024-03-01&to=2024-03-31&format=csv")
    assert download.mimetype == "text/csv" and "anna@s.test" in download.get_data(as_text=True)
    assert client.get("/qa/scorecards/?from=2024-03-31&to=2024-03-01").status_code == 422
    pdf = client.get(f"/qa/scorecards/agents/{org['anna'].id}/pdf?from=2024-03-01&to=2024-03-31")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    login(client, org["shopper"])
    assert client.get("/qa/scorecards/").status_code == 403


def _table_rows(html: str) -> list[tuple[str, list[str]]]:
    """Return (agent link, cell texts) of each row of the page's first table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        link = re.search(r'<th scope="row"><a href="([^"]+)">', row).group(1)
        cells = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r'<td class="num">(.*?)</td>', row, re.S)]
        rows.append((link.replace("&amp;", "&"), cells))
    return rows


@pytest.mark.parametrize("root", ["", "/prefix"])
def test_the_table_links_each_agent_and_shows_the_rows_values(app, client, org, login, root):
    login(client, org["manager"])
    query = "from=2024-03-01&to=2024-03-31&sort=name&dir=asc"
    page = client.get(f"/qa/scorecards/?{query}", base_url=f"http://localhost{root}/")
    shown = _table_rows(page.get_data(as_text=True))
    with app.test_request_context("/", base_url=f"http://localhost{root}/"):
        rows = services.scorecards(_period())
        expected = [
            (url_for("qa.scorecards.agent", user_id=row.agent_id, **{"from": "2024-03-01", "to": "2024-03-31"}),
             ["no data" if row.value(key) is None else str(row.value(key)) for key in TABLE_KEYS])
            for row in sorted(rows, key=lambda r: r.name.casefold())]
    assert page.status_code == 200 and len(shown) == 3
    assert shown == expected
    assert all(link.startswith(f"{root}/qa/scorecards/agents/") for link, _cells in shown)


def test_weights_are_versioned_audited_and_previewed(app, client, org, login, csrf_token):
    login(client, org["manager"])
    token = csrf_token("/qa/scorecards/weights")
    data = {"csrf_token": token, "qa_pct": "0", "mystery_shop_pct": "0", "csat_pct": "100", "fcr_pct": "0",
            "first_reply_within_24h_pct": "0", "simulation_pct": "0", "training_pct": "0", "reason": ""}
    with app.app_context():
        preview = services.preview_ranking(_period(), {"csat_pct": 1})
    # Carl has no CSAT: with CSAT only he drops from first to last.
    assert [(p["agent"], p["rank_now"], p["rank_new"]) for p in preview] == [
        ("anna@s.test", 2, 1), ("dora@s.test", 3, 2), ("carl@s.test", 1, 3)]
    shown = client.post("/qa/scorecards/weights", data={**data, "preview": "1"})
    assert shown.status_code == 200 and "How the ranking would change" in shown.get_data(as_text=True)
    refused = client.post("/qa/scorecards/weights", data={**data, "save": "1"})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    zero = client.post("/qa/scorecards/weights", data={**data, "csat_pct": "0", "reason": "x", "save": "1"})
    assert zero.status_code == 422 and "every weight is zero" in zero.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ScorecardWeights)).all() == []
    saved = client.post("/qa/scorecards/weights", data={**data, "reason": "CSAT quarter", "save": "1"})
    assert saved.status_code == 302
    again = client.post("/qa/scorecards/weights", data={**data, "csat_pct": "50", "qa_pct": "50", "reason": "balance",
                                                        "save": "1"})
    assert again.status_code == 302
    with app.app_context():
        versions = db.session.scalars(select(ScorecardWeights).order_by(ScorecardWeights.id)).all()
        assert [v.weights["csat_pct"] for v in versions] == [100, 50] and versions[0].reason == "CSAT quarter"
        assert services.active_weights()["qa_pct"] == 50
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "scorecard_weights")).all()
        assert len(entries) == 2 and entries[1].reason == "balance"


def test_period_end_before_start_is_refused(app):
    with app.app_context(), pytest.raises(services.ScorecardError) as refused:
        services.period_of(date(2024, 3, 2), date(2024, 3, 1))
    assert "to" in refused.value.problems and "before it starts" in refused.value.problems["to"]


def test_pages_open_on_last_month_during_the_first_week(app):
    """On the 1st there is nothing to judge yet: the default period is the month just finished."""
    from datetime import date

    from qa.scorecards import services

    with app.app_context():
        early, later = services.default_period(date(2026, 12, 3)), services.default_period(date(2026, 12, 15))
    assert (early.start, early.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (later.start, later.end) == (date(2026, 12, 1), date(2026, 12, 31))
