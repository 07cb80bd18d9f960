"""Zammad tickets listed with expand=true."""

from __future__ import annotations

import json

from qa.tickets.normalize import NormalizedAgent
from qa.tickets.sources import iter_file, iter_payload
from tests.qa.tickets.helpers import Split, fields, fixture, utc

TICKETS = fixture("zammad_tickets_expand.json")


def test_closed_ticket_uses_calendar_minutes_from_timestamps_not_business_minutes():
    got = Split(iter_file("zammad", TICKETS))
    assert got.problems == []
    assert fields(got.ticket("7")) == {
        "source": "zammad", "external_id": "7", "source_updated_at": utc("2024-03-05T09:00:05.123"),
        "agent_external_id": "3", "group_external_id": "1", "channel": "email", "priority": "normal",
        "status": "closed", "category": None, "created_at": utc("2024-03-04T09:00"),
        "first_reply_at": utc("2024-03-04T09:45"), "solved_at": utc("2024-03-05T09:00"),
        # first_response_in_min is 30 and close_in_min 480 (business minutes)
        "first_reply_minutes": 45, "resolution_minutes": 1440, "reopens": None, "agent_replies": None,
        "csat": None,
    }


def test_owner_1_means_unassigned_and_states_map():
    got = Split(iter_file("zammad", TICKETS))
    assert got.ticket("8").agent_external_id is None
    assert (got.ticket("8").status, got.ticket("8").channel, got.ticket("8").priority) == ("open", "phone", "high")
    assert (got.ticket("9").status, got.ticket("9").priority, got.ticket("9").first_reply_minutes) == ("pending", "low", 90)


def test_merged_ticket_is_closed_but_not_a_solve():
    merged = Split(iter_file("zammad", TICKETS)).ticket("10")
    assert merged.status == "closed" and merged.solved_at is None and not merged.is_solved


def test_owners_become_agents_once_with_their_login_as_email():
    got = Split(iter_file("zammad", TICKETS))
    assert got.agents == [NormalizedAgent("zammad", "3", "chris@chrispresso.com", None),
                          NormalizedAgent("zammad", "5", "agent2@example.com", None)]


def test_list_without_expand_is_refused_with_the_fix():
    tickets = json.loads(TICKETS.read_text())
    for ticket in tickets:
        del ticket["state"]
    texts = Split(iter_payload("zammad", tickets)).problem_texts()
    assert texts[0] == "ticket 1 (id 7), field state: has no state name; export tickets with expand=true"
    assert len(texts) == 4


def test_closed_ticket_without_close_time_is_refused():
    tickets = json.loads(TICKETS.read_text())
    tickets[0]["close_at"] = None
    [problem] = Split(iter_payload("zammad", tickets)).problems
    assert (problem.index, problem.external_id, problem.field) == (1, "7", "close_at")
