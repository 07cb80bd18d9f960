"""Servicecraft's own JSON format (API `source=normalized` and webhooks)."""

from __future__ import annotations

import json

from qa.tickets.normalize import NormalizedAgent, NormalizedRating
from qa.tickets.sources import iter_payload, iter_webhook
from tests.qa.tickets.helpers import Split, fields, utc

TICKET = {
    "external_id": "T-1001", "source_updated_at": "2024-03-05T10:00:00+03:00",
    "agent": {"external_id": "u-7", "email": "lee@example.com", "name": "Lee Support"},
    "group_external_id": "tier1", "channel": "chat", "priority": "high", "status": "solved",
    "category": "payment/refund", "created_at": "2024-03-04T09:00:00Z", "first_reply_at": "2024-03-04T09:10:00Z",
    "solved_at": "2024-03-04T12:00:00Z", "reopens": 0, "agent_replies": 1, "csat": "positive",
    "tags": ["refund"], "type": "question", "subject": "Refund",
}


def test_bundle_with_agent_ticket_and_rating():
    body = {"sent_at": "2024-03-05T07:00:00Z", "tickets": [TICKET],
            "ratings": [{"ticket_external_id": "T-1001", "agent_external_id": "u-8", "csat": "neutral",
                         "rated_at": "2024-03-05T08:00:00Z", "external_id": "R-1"}]}
    got = Split(iter_payload("normalized", body))
    assert got.problems == []
    assert got.agents == [NormalizedAgent("normalized", "u-7", "lee@example.com", "Lee Support")]
    assert fields(got.ticket("T-1001")) == {
        "source": "normalized", "external_id": "T-1001", "source_updated_at": utc("2024-03-05T07:00"),
        "agent_external_id": "u-7", "group_external_id": "tier1", "channel": "chat", "priority": "high",
        "status": "solved", "category": "payment/refund", "created_at": utc("2024-03-04T09:00"),
        "first_reply_at": utc("2024-03-04T09:10"), "solved_at": utc("2024-03-04T12:00"),
        "first_reply_minutes": 10, "resolution_minutes": 180, "reopens": 0, "agent_replies": 1, "csat": "positive",
    }
    assert got.ratings == [NormalizedRating("normalized", "T-1001", "u-8", "neutral", utc("2024-03-05T08:00"), "R-1")]


def test_single_ticket_webhook_body_with_sent_at():
    body = json.dumps(dict(TICKET, sent_at="2024-03-05T07:00:00Z"))
    got = Split(iter_webhook("normalized", body))
    assert got.problems == [] and got.ticket("T-1001").status == "solved"


def test_strict_fields_zones_and_enums():
    bad = dict(TICKET, solvedAt="2024-03-04T12:00:00Z", created_at="2024-03-04 09:00", channel="fax",
               category="Refunds", source="zendesk")
    texts = Split(iter_payload("normalized", [bad])).problem_texts()
    assert texts == [
        "ticket 1 (id T-1001), field solvedAt: is not a field of the normalised format (see qa/tickets/FORMATS.md); check its spelling",
        'ticket 1 (id T-1001), field source: "zendesk" must be "normalized" or left out',
        'ticket 1 (id T-1001), field channel: "fax" is not one of: email, web, phone, chat, social, api, other',
        'ticket 1 (id T-1001), field category: "Refunds" is not a main/sub category code such as payment/refund',
        'ticket 1 (id T-1001), field created_at: "2024-03-04 09:00" has no time zone; add Z or an offset such as +03:00',
    ]


def test_given_minutes_win_over_timestamps_and_null_stays_null():
    ticket = dict(TICKET, first_reply_minutes=12.5, resolution_minutes=None, solved_at=None, status="open")
    got = Split(iter_payload("normalized", ticket)).ticket("T-1001")
    assert got.first_reply_minutes == 12.5 and got.resolution_minutes is None


def test_a_zendesk_page_sent_as_normalized_is_named():
    page = {"tickets": [{"id": 1, "status": "open", "via": {"channel": "web"}}], "end_of_stream": True}
    assert Split(iter_payload("normalized", page)).problem_texts() == [
        "the file looks like a Zendesk export, not Normalized; import it with the zendesk source"]
