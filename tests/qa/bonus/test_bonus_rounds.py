"""Bonus rounds through the real app: proposal, departures, four eyes, freezing, payroll, privacy."""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest

from tests.qa.bonus.helpers import PERIOD, open_and_propose, seed

PROPOSE = ["bonus", "propose", "--from", "2026-03-01", "--to", "2026-03-31"]


@pytest.fixture
def people(app, make_user):
    return seed(app, make_user)


def _round(app, round_id) -> SimpleNamespace:
    """Read a round back as plain values (its own app context, so requests keep theirs)."""
    from qa.bonus.models import BonusRound
    from servicecraft.extensions import db

    with app.app_context():
        r = db.session.get(BonusRound, round_id)
        recipient = lambda x: SimpleNamespace(email=x.agent.email, chosen=x.chosen, amount=x.amount,  # noqa: E731
                                              amount_cents=x.amount_cents, composite=x.composite,
                                              departure_reason=x.departure_reason)
        return SimpleNamespace(
            status=r.status, revision=r.revision, snapshot=r.snapshot, weights=dict(r.weights or {}),
            decisions=[SimpleNamespace(action=d.action, reason=d.reason, actor_id=d.actor_id) for d in r.decisions],
            recipients=[recipient(x) for x in sorted(r.recipients, key=lambda x: x.position)],
            chosen=[recipient(x) for x in r.chosen])


def _ids(people, *names):
    return [people[name].id for name in names]


def _choose(client, csrf_token, round_id, chosen, reasons=None, submit=False):
    data = {"csrf_token": csrf_token(f"/qa/bonus/{round_id}"), "chosen": [str(i) for i in chosen]}
    for agent_id, reason in (reasons or {}).items():
        data[f"reason-{agent_id}"] = reason
    if submit:
        data["and_submit"] = "1"
    return client.post(f"/qa/bonus/{round_id}/choose", data=data)


def _post(client, csrf_token, round_id, action, **extra):
    return client.post(f"/qa/bonus/{round_id}/{action}", data={"csrf_token": csrf_token(f"/qa/bonus/{round_id}"), **extra})


# --- the CLI -------------------------------------------------------------------------------


def test_propose_json_excludes_a_critical_fail_and_says_so(app, people, runner):
    result = runner.invoke(args=[*PROPOSE, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["eligible"] == [{"agent": "ada@bonus.test", "rank": 1, "composite": 95.8},
                                    {"agent": "dan@bonus.test", "rank": 2, "composite": 91.7}]
    reasons = {row["agent"]: row["reasons"] for row in document["ineligible"]}
    assert reasons["bob@bonus.test"] == ["a critical fail in the period", "composite 58.3 is below 75"]
    assert reasons["cat@bonus.test"] == ["3 tickets solved, fewer than the 20 required"]
    assert set(document) == {"eligible", "ineligible"}


def test_propose_options_min_tickets_and_min_composite(app, people, runner):
    result = runner.invoke(args=[*PROPOSE, "--min-tickets", "3", "--min-composite", "92", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [row["agent"] for row in document["eligible"]] == ["cat@bonus.test", "ada@bonus.test"]
    reasons = {row["agent"]: row["reasons"] for row in document["ineligible"]}
    assert reasons["dan@bonus.test"] == ["composite 91.7 is below 92"]


def test_propose_refuses_a_period_ending_before_it_starts(app, people, runner):
    result = runner.invoke(args=["bonus", "propose", "--from", "2026-03-31", "--to", "2026-03-01", "--json"])
    assert result.exit_code == 1
    assert "before it starts" in result.output
    bad = runner.invoke(args=["bonus", "propose", "--from", "March", "--to", "2026-03-01"])
    assert bad.exit_code == 1 and "--from" in bad.output


# --- opening a round -----------------------------------------------------------------------


def test_opening_a_round_through_the_page_proposes_recipients(app, people, client, login, csrf_token):
    login(client, people["manager"])
    response = client.post("/qa/bonus/new", data={
        "csrf_token": csrf_token("/qa/bonus/new"), "name": "March bonus", "period_from": "2026-03-01",
        "period_to": "2026-03-31", "budget": "1000", "currency": "EUR", "min_tickets": "20", "min_composite": "75",
        "no_critical_fail": "y", "training_complete": "y", "split_mode": "equal", "tiers": "",
    }, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "a critical fail in the period" in html and "95.8" in html and "500.00 EUR" in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("period_to", "2026-02-01", "before it starts"),
    ("budget", "-5", "cannot be negative"),
    ("budget", "ten euros", "not an amount of money"),
    ("budget", "10.005", "fraction of a cent"),
])
def test_bad_round_input_is_refused_and_nothing_is_saved(app, people, client, login, csrf_token, field, value, message):
    from qa.bonus.models import BonusRound
    from servicecraft.extensions import db

    login(client, people["manager"])
    data = {"csrf_token": csrf_token("/qa/bonus/new"), "name": "Bad", "period_from": "2026-03-01", "period_to": "2026-03-31",
            "budget": "100", "currency": "EUR", "min_tickets": "20", "min_composite": "75", "split_mode": "equal"}
    data[field] = value
    response = client.post("/qa/bonus/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(BonusRound).count() == 0


def test_weights_all_zero_refuse_a_new_round(app, people):
    from qa.bonus import services
    from qa.scorecards.composite import COMPONENT_KEYS
    from qa.scorecards.models import ScorecardWeights
    from servicecraft.extensions import db
    from servicecraft.models import User

    with app.app_context():
        db.session.add(ScorecardWeights(weights={key: 0 for key in COMPONENT_KEYS}, reason="test"))
        db.session.commit()
        with pytest.raises(services.BonusRoundError) as refused:
            services.open_round(db.session.get(User, people["manager"].id), "Zero", *PERIOD, "100")
        assert "weights" in refused.value.problems


# --- departures ------------------------------------------------------------------------------


def test_every_departure_needs_a_reason(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people)
    login(client, people["manager"])
    # Dropping dan (proposed) without a reason is refused; nothing changes.
    refused = _choose(client, csrf_token, round_id, _ids(people, "ada"))
    assert refused.status_code == 422
    assert "dan@bonus.test was proposed (rank 2) but is not on the final list: give a reason" in refused.get_data(as_text=True)
    assert {r.email for r in _round(app, round_id).chosen} == {"ada@bonus.test", "dan@bonus.test"}
    # Adding bob (ineligible: critical fail) without a reason is refused too.
    added = _choose(client, csrf_token, round_id, _ids(people, "ada", "dan", "bob"))
    assert added.status_code == 422
    assert "bob@bonus.test was added to the final list but was not proposed: give a reason" in added.get_data(as_text=True)
    # With reasons both are accepted and stored; the budget goes to the new list.
    ok = _choose(client, csrf_token, round_id, _ids(people, "ada", "bob"),
                 {people["dan"].id: "Leaves the company this month.", people["bob"].id: "The critical fail was overturned on appeal."})
    assert ok.status_code == 302
    round_ = _round(app, round_id)
    by_email = {r.email: r for r in round_.recipients}
    assert by_email["dan@bonus.test"].departure_reason == "Leaves the company this month."
    assert by_email["bob@bonus.test"].chosen and by_email["bob@bonus.test"].amount == "500.00"
    assert by_email["dan@bonus.test"].amount_cents is None
    assert round_.decisions[-1].action == "chosen" and "overturned" in round_.decisions[-1].reason


# --- four eyes, freezing ---------------------------------------------------------------------


def test_own_round_cannot_be_approved(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people)
    login(client, people["manager"])
    assert _post(client, csrf_token, round_id, "submit").status_code == 302
    response = _post(client, csrf_token, round_id, "approve")
    assert response.status_code == 403
    assert "another manager must approve it" in response.get_data(as_text=True)
    assert _round(app, round_id).status == "submitted"


def test_a_second_manager_sends_back_with_a_reason_and_the_history_keeps_both_decisions(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people)
    login(client, people["manager"])
    _post(client, csrf_token, round_id, "submit")
    login(client, people["manager2"])
    assert _post(client, csrf_token, round_id, "send-back", reason="").status_code == 422
    assert _post(client, csrf_token, round_id, "send-back", reason="Check Dan's March reviews first.").status_code == 302
    round_ = _round(app, round_id)
    assert round_.status == "returned"
    login(client, people["manager"])
    assert _post(client, csrf_token, round_id, "submit").status_code == 302
    round_ = _round(app, round_id)
    assert round_.revision == 2
    assert [d.action for d in round_.decisions] == ["opened", "proposed", "submitted", "returned", "submitted"]
    assert round_.decisions[3].reason == "Check Dan's March reviews first." and round_.decisions[3].actor_id == people["manager2"].id


def test_approval_freezes_the_numbers_even_after_new_imports(app, people, client, login, csrf_token, runner, tmp_path):
    round_id = open_and_propose(app, people)
    login(client, people["manager"])
    _post(client, csrf_token, round_id, "submit")
    login(client, people["manager2"])
    assert _post(client, csrf_token, round_id, "approve").status_code == 302
    before = _round(app, round_id)
    snapshot, weights = json.dumps(before.snapshot, sort_keys=True), dict(before.weights)
    amounts = {r.email: (r.composite, r.amount_cents, r.chosen) for r in before.recipients}
    page_before = client.get(f"/qa/bonus/{round_id}").get_data(as_text=True)

    # New tickets for March: cat gets 30 solved tickets, ada a pile of negative ratings.
    tickets = [{"external_id": f"late-{n}", "source_updated_at": "2026-04-02T10:00:00Z", "status": "solved",
                "agent": {"external_id": "u-cat" if n < 30 else "u-ada", "email": "cat@bonus.test" if n < 30 else "ada@bonus.test"},
                "created_at": "2026-03-20T09:00:00Z", "first_reply_at": "2026-03-20T09:05:00Z", "solved_at": "2026-03-20T11:00:00Z",
                "reopens": 0, "agent_replies": 1, "csat": "positive" if n < 30 else "negative"} for n in range(60)]
    path = tmp_path / "late.json"
    path.write_text(json.dumps({"sent_at": "2026-04-02T10:00:00Z", "tickets": tickets}))
    imported = runner.invoke(args=["tickets", "import", "--source", "normalized", str(path), "--json"])
    assert imported.exit_code == 0, imported.output
    now = json.loads(runner.invoke(args=[*PROPOSE, "--json"]).stdout)
    assert "cat@bonus.test" in [row["agent"] for row in now["eligible"]]  # the live numbers did change

    after = _round(app, round_id)
    assert json.dumps(after.snapshot, sort_keys=True) == snapshot and after.weights == weights
    assert {r.email: (r.composite, r.amount_cents, r.chosen) for r in after.recipients} == amounts
    page_after = client.get(f"/qa/bonus/{round_id}").get_data(as_text=True)
    assert page_after.count("95.8") == page_before.count("95.8") >= 1
    assert "500.00 EUR" in page_after


def test_a_frozen_round_cannot_be_changed(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people)
    login(client, people["manager"])
    _post(client, csrf_token, round_id, "submit")
    login(client, people["manager2"])
    _post(client, csrf_token, round_id, "approve")
    for response in (_post(client, csrf_token, round_id, "propose"),
                     _choose(client, csrf_token, round_id, _ids(people, "ada"), {people["dan"].id: "x"}),
                     _post(client, csrf_token, round_id, "submit"),
                     _post(client, csrf_token, round_id, "approve"),
                     _post(client, csrf_token, round_id, "send-back", reason="Too late")):
        assert response.status_code == 409
        assert "frozen" in response.get_data(as_text=True)
    round_ = _round(app, round_id)
    assert round_.status == "approved" and {r.email for r in round_.chosen} == {"ada@bonus.test", "dan@bonus.test"}


# --- money -----------------------------------------------------------------------------------


def test_budget_split_sums_exactly(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people, budget="100", rules={"min_tickets": 3})
    round_ = _round(app, round_id)
    assert [r.amount for r in round_.chosen] == ["33.34", "33.33", "33.33"]
    assert sum(r.amount_cents for r in round_.chosen) == 10000
    tiered = open_and_propose(app, people, budget="1000.01", split="tiers", tiers=[[1, 3], [None, 1]], rules={"min_tickets": 3})
    round_ = _round(app, tiered)
    assert [r.amount for r in round_.chosen] == ["600.01", "200.00", "200.00"]
    assert sum(r.amount_cents for r in round_.chosen) == 100001


def test_payroll_csv_lists_the_approved_recipients(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people, budget="1000")
    login(client, people["manager"])
    assert client.get(f"/qa/bonus/{round_id}/payroll.csv").status_code == 409  # not approved yet
    _post(client, csrf_token, round_id, "submit")
    login(client, people["manager2"])
    _post(client, csrf_token, round_id, "approve")
    response = client.get(f"/qa/bonus/{round_id}/payroll.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["agent"], r["name"], r["rank"], r["composite"], r["amount"], r["currency"]) for r in rows] == [
        ("ada@bonus.test", "Ada Agent", "1", "95.8", "500.00", "EUR"),
        ("dan@bonus.test", "Dan Agent", "2", "91.7", "500.00", "EUR"),
    ]
    pdf = client.get(f"/qa/bonus/{round_id}/payroll.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


# --- what agents see ---------------------------------------------------------------------------


def test_an_agent_sees_only_their_own_result(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people)
    login(client, people["manager"])
    _post(client, csrf_token, round_id, "submit")
    login(client, people["ada"])
    assert "March bonus" not in client.get("/qa/bonus/mine").get_data(as_text=True)  # not approved yet
    login(client, people["manager2"])
    _post(client, csrf_token, round_id, "approve")

    login(client, people["ada"])
    html = client.get("/qa/bonus/mine").get_data(as_text=True)
    assert "500.00 EUR" in html and "Dan Agent" not in html and "dan@bonus.test" not in html
    assert "500.00 EUR" in client.get("/").get_data(as_text=True)  # the dashboard panel
    for url in (f"/qa/bonus/{round_id}", f"/qa/bonus/{round_id}/payroll.csv", "/qa/bonus/"):
        assert client.get(url).status_code == 403
    login(client, people["bob"])
    html = client.get("/qa/bonus/mine").get_data(as_text=True)
    assert "not among the recipients" in html and "a critical fail in the period" in html and "Ada Agent" not in html


def test_the_dashboard_tells_the_second_manager_a_round_awaits_approval(app, people, client, login, csrf_token):
    round_id = open_and_propose(app, people)
    login(client, people["manager"])
    _post(client, csrf_token, round_id, "submit")
    assert "Bonus rounds awaiting your approval" not in client.get("/").get_data(as_text=True)
    login(client, people["manager2"])
    assert "Bonus rounds awaiting your approval" in client.get("/").get_data(as_text=True)


def test_the_demo_has_a_closed_round_and_one_awaiting_approval_and_reruns_cleanly(app, runner):
    from qa.bonus.models import BonusRound
    from servicecraft.extensions import db

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        rounds = db.session.query(BonusRound).order_by(BonusRound.period_from).all()
        assert [r.status for r in rounds] == ["approved", "submitted"]
        assert rounds[0].approved_by.email == "manager2@demo.test" and rounds[0].opened_by.email == "manager@demo.test"
        assert rounds[1].submitted_by.email == "manager@demo.test"
        assert sum(r.amount_cents for r in rounds[0].chosen) == rounds[0].budget_cents
