"""A customer answers a post-contact survey in Chromium (no sign-in, in their language), and
the answer shows in the agent's NPS and CES."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest


@pytest.fixture
def solved_ticket(app, make_user):
    from qa.tickets.models import Ticket
    from servicecraft.extensions import db

    agent = make_user(roles=["agent"], name="Olga Agent", live_since=date(2024, 1, 1))
    solved = datetime.now(UTC) - timedelta(hours=2)
    with app.app_context():
        ticket = Ticket(source="normalized", external_id="survey-1", source_updated_at=solved, agent_id=agent.id,
                        agent_external_id="olga", channel="email", status="solved", created_at=solved - timedelta(hours=5),
                        first_reply_at=solved - timedelta(hours=4), solved_at=solved, first_reply_minutes=60.0,
                        resolution_minutes=300.0, reopens=0, agent_replies=1)
        db.session.add(ticket)
        db.session.commit()
        return {"ticket_id": ticket.id, "agent_id": agent.id}


def test_a_customer_answers_a_survey_and_it_counts_for_the_agent(app, solved_ticket, new_page):
    from qa.tickets import surveys
    from qa.tickets.metrics import agent_metrics
    from qa.tickets.models import Ticket
    from qa.tickets.reference import Period
    from servicecraft.extensions import db

    with app.app_context():
        token = surveys.make_token(db.session.get(Ticket, solved_ticket["ticket_id"]), language="ru")
    page, console = new_page(locale="en-GB")
    page.goto(f"/qa/tickets/survey/{token}")
    assert page.locator("html").get_attribute("lang") == "ru"  # the customer's language, not the browser's
    survey = page.locator("main form")
    survey.locator("select[name=csat]").select_option("5")
    survey.locator("select[name=nps]").select_option("10")  # a promoter
    survey.locator("select[name=ces]").select_option("6")
    survey.locator("textarea").fill("Быстро и вежливо.")
    survey.locator("[type=submit]").click()
    assert page.locator("h1").count() == 1
    again = page.goto(f"/qa/tickets/survey/{token}")  # one answer per link
    assert again.status == 409 and page.locator("main select").count() == 0
    assert all("409" in error for error in console.errors), console.errors

    with app.app_context():
        today = date.today()
        figures = agent_metrics(Period.of(today - timedelta(days=1), today, "UTC"), user_ids=[solved_ticket["agent_id"]])
        assert figures[solved_ticket["agent_id"]]["nps"] == 100.0
        assert figures[solved_ticket["agent_id"]]["ces_avg"] == 6.0
