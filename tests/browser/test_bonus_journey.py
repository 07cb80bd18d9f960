"""A bonus round in Chromium: a manager opens it and departs from the proposal with a reason, a
second manager approves it, the agent sees their result, and a later import changes nothing."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import TEST_PASSWORD
from tests.qa.bonus.helpers import seed


@pytest.fixture
def people(app, make_user):
    return seed(app, make_user)


def _composites(page) -> dict[str, str]:
    rows = page.locator("tbody tr[data-agent]")
    return {rows.nth(i).get_attribute("data-agent"): rows.nth(i).locator("td.composite").inner_text()
            for i in range(rows.count())}


def test_manager_opens_a_round_a_second_manager_approves_and_the_agent_sees_it(people, new_page, runner, tmp_path):
    page, console = new_page()
    sign_in(page, "boss@bonus.test", TEST_PASSWORD)
    page.get_by_role("link", name="Bonus rounds").first.click()
    page.get_by_role("link", name="Open a round").click()
    page.get_by_label("Name of the round").fill("March bonus")
    page.get_by_label("Period starts").fill("2026-03-01")
    page.get_by_label("Period ends").fill("2026-03-31")
    page.get_by_label("Budget", exact=True).fill("1000")
    page.get_by_role("button", name="Open the round and propose recipients").click()
    assert page.locator("h1").inner_text() == "March bonus"
    main = page.locator("main").inner_text()
    assert "a critical fail in the period" in main and "3 tickets solved, fewer than the 20 required" in main

    # Leave out Dan (proposed, rank 2): refused without a reason, accepted with one.
    page.get_by_label("Include Dan Agent").uncheck()
    page.get_by_role("button", name="Save and submit for approval").click()
    assert "give a reason" in page.locator("main").inner_text()
    page.get_by_label("Include Dan Agent").uncheck()
    page.get_by_label("Reason for Dan Agent").fill("Moved to the training team in March.")
    page.get_by_role("button", name="Save and submit for approval").click()
    assert "Awaiting approval" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Approve and freeze the round").count() == 0  # not for their own round
    page.get_by_role("button", name="Sign out").click()

    # The second manager finds it on the dashboard and approves it.
    sign_in(page, "boss2@bonus.test", TEST_PASSWORD)
    panel = page.locator("section", has=page.get_by_role("heading", name="Bonus rounds awaiting your approval"))
    panel.get_by_role("link", name="March bonus").click()
    assert "Moved to the training team in March." in page.locator("main").inner_text()
    page.get_by_role("button", name="Approve and freeze the round").click()
    assert "Approved and frozen" in page.locator("main").inner_text()
    frozen = _composites(page)
    amounts = page.locator("td.amount").all_inner_texts()
    assert frozen["ada@bonus.test"] == "95.8" and "1000.00 EUR" in amounts
    page.get_by_role("button", name="Sign out").click()

    # The agent sees their own result, and nobody else's.
    sign_in(page, "ada@bonus.test", TEST_PASSWORD)
    page.get_by_role("link", name="My bonus").first.click()
    main = page.locator("main").inner_text()
    assert "1000.00 EUR" in main and "Dan Agent" not in main
    page.get_by_role("button", name="Sign out").click()

    # A later import moves the live numbers; the frozen round shows the same ones.
    tickets = [{"external_id": f"late-{n}", "source_updated_at": "2026-04-02T10:00:00Z", "status": "solved",
                "agent": {"external_id": "u-ada", "email": "ada@bonus.test"}, "created_at": "2026-03-20T09:00:00Z",
                "first_reply_at": "2026-03-21T19:00:00Z", "solved_at": "2026-03-22T11:00:00Z", "reopens": 2,
                "agent_replies": 4, "csat": "negative"} for n in range(40)]
    path = tmp_path / "late.json"
    path.write_text(json.dumps({"sent_at": "2026-04-02T10:00:00Z", "tickets": tickets}))
    assert runner.invoke(args=["tickets", "import", "--source", "normalized", str(path)]).exit_code == 0
    live = json.loads(runner.invoke(args=["bonus", "propose", "--from", "2026-03-01", "--to", "2026-03-31", "--json"]).stdout)
    assert all(row["composite"] != 95.8 for row in live["eligible"] if row["agent"] == "ada@bonus.test")

    sign_in(page, "boss2@bonus.test", TEST_PASSWORD)
    page.goto("/qa/bonus/")
    page.get_by_role("link", name="March bonus").click()
    assert _composites(page) == frozen
    assert page.locator("td.amount").all_inner_texts() == amounts
    assert re.search(r"Payroll CSV", page.locator("main").inner_text())
    errors = [e for e in console.errors if "422" not in e]  # the refused list without a reason answers 422
    assert not errors, "\n".join(errors)
