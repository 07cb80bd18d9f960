"""Freshdesk v2: tickets with stats, satisfaction ratings and agents."""

from __future__ import annotations

import json

from qa.tickets.normalize import NormalizedAgent
from qa.tickets.sources import iter_file, iter_files, iter_payload, iter_webhook
from qa.tickets.sources.freshdesk import csat_of
from tests.qa.tickets.helpers import Split, fields, fixture, utc

TICKETS = fixture("freshdesk_tickets.json")
RATINGS = fixture("freshdesk_satisfaction_ratings.json")
AGENTS = fixture("freshdesk_agents.json")


def test_tickets_normalise_status_priority_channel_and_stats():
    got = Split(iter_file("freshdesk", TICKETS))
    assert got.problems == []
    assert fields(got.ticket("101")) == {
        "source": "freshdesk", "external_id": "101", "source_updated_at": utc("2024-03-04T15:00"),
        "agent_external_id": "43000123", "group_external_id": "4300000111", "channel": "email",
        "priority": "normal", "status": "solved", "category": None, "created_at": utc("2024-03-04T09:00"),
        "first_reply_at": utc("2024-03-04T10:30"), "solved_at": utc("2024-03-04T15:00"),
        "first_reply_minutes": 90, "resolution_minutes": 360, "reopens": 0, "agent_replies": None, "csat": None,
    }


def test_closed_reopened_ticket_uses_closed_at_and_counts_one_reopen():
    ticket = Split(iter_file("freshdesk", TICKETS)).ticket("102")
    assert (ticket.status, ticket.channel, ticket.priority) == ("closed", "chat", "high")
    assert ticket.solved_at == utc("2024-03-07T08:00")  # no resolved_at, so closed_at
    assert (ticket.first_reply_minutes, ticket.resolution_minutes, ticket.reopens) == (1440, 2880, 1)


def test_open_unassigned_ticket_from_the_portal():
    ticket = Split(iter_file("freshdesk", TICKETS)).ticket("103")
    assert (ticket.status, ticket.agent_external_id, ticket.channel, ticket.priority) == ("open", None, "web", "low")
    assert ticket.first_reply_minutes is None and ticket.reopens == 0


def test_ratings_map_default_question_and_name_their_agent():
    got = Split(iter_file("freshdesk", RATINGS))
    assert [(r.ticket_external_id, r.agent_external_id, r.csat) for r in got.ratings] == [
        ("101", "43000123", "positive"), ("102", "43000123", "neutral"), ("104", "43000456", "negative")]
    assert got.ratings[0].rated_at == utc("2024-03-04T16:00")


def test_default_question_thresholds():
    assert [csat_of(v) for v in (103, 101, 100, 99, -101, -103)] == [
        "positive", "positive", "neutral", "negative", "negative", "negative"]


def test_agents_carry_their_contact_email():
    got = Split(iter_file("freshdesk", AGENTS))
    assert got.agents == [NormalizedAgent("freshdesk", "43000123", "lee@example.com", "Lee Support"),
                          NormalizedAgent("freshdesk", "43000456", "ana@example.com", "Ana Phone")]


def test_three_files_or_one_bundle_give_the_same_records():
    separate = Split(iter_files("freshdesk", [AGENTS, TICKETS, RATINGS]))
    bundle = {"agents": json.loads(AGENTS.read_text()), "tickets": json.loads(TICKETS.read_text()),
              "satisfaction_ratings": json.loads(RATINGS.read_text())}
    together = Split(iter_payload("freshdesk", bundle))
    assert separate.problems == together.problems == []
    assert together.all == separate.all


def test_resolved_ticket_exported_without_stats_is_refused():
    tickets = json.loads(TICKETS.read_text())
    del tickets[0]["stats"]
    assert Split(iter_payload("freshdesk", tickets)).problem_texts() == [
        "ticket 1 (id 101), field stats: the ticket is resolved but has no stats; export tickets with include=stats"]


def test_unknown_status_duplicate_id_and_bad_rating_are_named():
    tickets = json.loads(TICKETS.read_text())
    tickets[2]["status"] = 6
    tickets[3]["id"] = 101
    ratings = json.loads(RATINGS.read_text())
    ratings[1]["ratings"] = {"question_1": 103}
    texts = Split(iter_payload("freshdesk", {"tickets": tickets, "satisfaction_ratings": ratings})).problem_texts()
    assert texts == [
        "ticket 3 (id 103), field status: 6 is not one of: 2 (open), 3 (pending), 4 (resolved), 5 (closed)",
        "ticket 4 (id 101), field id: the same id appears again; first seen at ticket 1",
        "rating 2 (id 9002), field ratings.default_question: is missing; every record needs it",
    ]


def test_first_response_before_creation_is_refused():
    tickets = json.loads(TICKETS.read_text())
    tickets[0]["stats"]["first_responded_at"] = "2024-03-04T08:00:00Z"
    [problem] = Split(iter_payload("freshdesk", tickets)).problems
    assert problem.field == "stats.first_responded_at" and "earlier than the ticket's creation" in problem.message


def test_problems_from_several_files_name_their_file(tmp_path):
    broken = tmp_path / "tickets-2.json"
    broken.write_text('[{"id": 105, "status": 9, "updated_at": "2024-03-07T10:00:00Z"}]')
    got = Split(iter_files("freshdesk", [TICKETS, broken]))
    assert len(got.tickets) == 4
    assert [str(p) for p in got.problems] == [
        f"{broken}: ticket 1 (id 105), field status: 9 is not one of: 2 (open), 3 (pending), 4 (resolved), 5 (closed)"]


def test_a_freshdesk_webhook_body_is_read_like_its_api_ticket():
    body = json.dumps(json.loads(TICKETS.read_text())[0])
    got = Split(iter_webhook("freshdesk", body))
    assert got.problems == [] and got.ticket("101").status == "solved"
