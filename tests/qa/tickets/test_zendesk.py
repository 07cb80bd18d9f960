"""Zendesk exports: both incremental page styles, the list pair, ratings and webhook events."""

from __future__ import annotations

import io
import json

from qa.tickets.normalize import CategoryHints, DeletedTicket, ImportProblem, NormalizedAgent, TicketEvent
from qa.tickets.sources import iter_file, iter_files, iter_payload, iter_webhook
from tests.qa.tickets.helpers import Split, fields, fixture, utc

TIME_PAGE = fixture("zendesk_incremental_time.json")


def read(path_or_bytes, source="zendesk"):
    return Split(iter_file(source, path_or_bytes))


def test_time_based_page_normalises_every_field():
    got = read(TIME_PAGE)
    assert got.problems == []
    assert fields(got.ticket("35436")) == {
        "source": "zendesk", "external_id": "35436",
        "source_updated_at": utc("2024-03-05T16:00"),  # generated_timestamp 1709654400
        "agent_external_id": "235323", "group_external_id": "98738", "channel": "web", "priority": "high",
        "status": "solved", "category": None, "created_at": utc("2024-03-04T08:00"),
        "first_reply_at": utc("2024-03-04T08:30"), "solved_at": utc("2024-03-05T08:00"),
        "first_reply_minutes": 30, "resolution_minutes": 1440, "reopens": 0, "agent_replies": 1,
        "csat": "positive",
    }
    assert fields(got.ticket("35438")) == {
        "source": "zendesk", "external_id": "35438", "source_updated_at": utc("2024-03-04T09:00"),
        "agent_external_id": "235324", "group_external_id": "98738", "channel": "phone", "priority": None,
        "status": "closed", "category": None, "created_at": utc("2024-03-01T22:00"),
        "first_reply_at": utc("2024-03-02T23:00"), "solved_at": utc("2024-03-03T22:00"),
        # calendar minutes, not the business ones (540, 1080) beside them
        "first_reply_minutes": 1500, "resolution_minutes": 2880, "reopens": 1, "agent_replies": 3,
        "csat": "negative",
    }


def test_durations_not_yet_reached_stay_null_never_zero():
    open_ticket = read(TIME_PAGE).ticket("35437")
    assert open_ticket.first_reply_minutes is None
    assert open_ticket.resolution_minutes is None
    assert open_ticket.first_reply_at is None and open_ticket.solved_at is None
    assert open_ticket.csat is None  # "offered" is not a rating
    assert open_ticket.agent_replies == 0


def test_unassigned_pending_ticket_and_api_channel():
    ticket = read(TIME_PAGE).ticket("35440")
    assert (ticket.agent_external_id, ticket.status, ticket.channel, ticket.priority) == (None, "pending", "api", "low")
    assert ticket.first_reply_minutes == 5 and ticket.solved_at is None


def test_deleted_ticket_is_reported_as_deleted_not_as_a_problem():
    got = read(TIME_PAGE)
    assert got.deleted == [DeletedTicket("zendesk", "35439", utc("2024-03-06T10:00"))]
    assert "35439" not in [t.external_id for t in got.tickets]


def test_sideloaded_agents_only_and_before_tickets():
    got = read(TIME_PAGE)
    assert got.agents == [NormalizedAgent("zendesk", "235323", "sam@example.com", "Sam Agent"),
                          NormalizedAgent("zendesk", "235324", "kim@example.com", "Kim Admin")]
    first_ticket = next(i for i, r in enumerate(got.all) if r in got.tickets)
    assert all(got.all.index(agent) < first_ticket for agent in got.agents)


def test_raw_payload_and_category_hints_are_kept():
    ticket = read(TIME_PAGE).ticket("35436")
    assert ticket.raw["custom_fields"] == [{"id": 27642, "value": "745"}]
    assert ticket.category_hints == CategoryHints(("refund", "billing"), "question", "Refund for order 1234")
    assert ticket.tags == ("refund", "billing") and ticket.ticket_type == "question"
    assert ticket.category is None  # the database layer applies the category rules


def test_cursor_based_page_with_metric_set_inside_each_ticket():
    got = read(fixture("zendesk_incremental_cursor.json"))
    assert got.problems == []
    chat = got.ticket("40001")
    assert (chat.channel, chat.priority, chat.first_reply_minutes, chat.resolution_minutes, chat.agent_replies) == (
        "chat", "urgent", 12, 525, 2)
    assert chat.solved_at == utc("2024-03-07T18:45")
    held = got.ticket("40002")
    assert (held.status, held.channel, held.csat, held.first_reply_minutes) == ("hold", "social", None, 1440)


def test_generated_timestamp_wins_over_updated_at_and_updated_at_is_the_fallback():
    page = json.loads(TIME_PAGE.read_text())
    ticket = page["tickets"][2]
    ticket["updated_at"] = "2020-01-01T00:00:00Z"
    assert Split(iter_payload("zendesk", page)).ticket("35436").source_updated_at == utc("2024-03-05T16:00")
    del ticket["generated_timestamp"]
    assert Split(iter_payload("zendesk", page)).ticket("35436").source_updated_at == utc("2020-01-01T00:00")


def test_ticket_list_and_metrics_list_join_in_either_file_order():
    pair = [fixture("zendesk_tickets_list.json"), fixture("zendesk_ticket_metrics_list.json")]
    for order in (pair, pair[::-1]):
        got = Split(iter_files("zendesk", order))
        assert got.problems == []
        solved = got.ticket("50001")
        assert (solved.first_reply_minutes, solved.resolution_minutes, solved.solved_at, solved.source_updated_at) == (
            60, 720, utc("2024-03-08T08:00"), utc("2024-03-08T08:00"))
        assert got.ticket("50002").channel == "chat"  # native messaging


def test_list_pair_as_one_object():
    body = json.loads(fixture("zendesk_tickets_list.json").read_text())
    body["ticket_metrics"] = json.loads(fixture("zendesk_ticket_metrics_list.json").read_text())["ticket_metrics"]
    got = Split(iter_payload("zendesk", body))
    assert got.problems == [] and got.ticket("50001").reopens == 0


def test_metrics_after_their_tickets_in_one_file_are_refused_with_a_reason():
    tickets = json.loads(fixture("zendesk_tickets_list.json").read_text())
    metrics = json.loads(fixture("zendesk_ticket_metrics_list.json").read_text())
    got = read(json.dumps([tickets, metrics]).encode())
    texts = got.problem_texts()
    assert any("ticket 1 (id 50001), field metric_set" in text and "include=metric_sets" in text for text in texts)
    assert any("after ticket 2 was read" in text for text in texts)


def test_pages_as_json_lines_and_as_an_array_give_the_same_records():
    page = json.loads(TIME_PAGE.read_text())
    single = read(TIME_PAGE).all
    as_lines = read((json.dumps(page) + "\n").encode())
    as_array = read(json.dumps([page]).encode())
    assert as_lines.all == single and as_array.all == single


def test_a_ticket_repeated_on_the_next_page_passes_but_not_within_a_page():
    page = json.loads(TIME_PAGE.read_text())
    twice = (json.dumps(page) + "\n" + json.dumps(page)).encode()
    assert read(twice).problems == []  # time-based exports repeat boundary tickets
    page["tickets"].append(page["tickets"][0])
    texts = read(json.dumps(page).encode()).problem_texts()
    assert texts == ["ticket 6 (id 35438), field id: the same ticket appears twice in one page"]


def test_satisfaction_ratings_credit_the_agent_at_rating_time_and_skip_offered():
    got = read(fixture("zendesk_satisfaction_ratings.json"))
    assert got.problems == []
    assert [(r.ticket_external_id, r.agent_external_id, r.csat, r.external_id) for r in got.ratings] == [
        ("35436", "235324", "positive", "62"), ("35438", "235324", "negative", "64")]
    assert got.ratings[0].rated_at == utc("2024-03-05T16:00")


def test_bad_ticket_fields_are_named_with_index_id_and_field():
    page = json.loads(TIME_PAGE.read_text())
    page["tickets"][0]["created_at"] = "yesterday"
    page["tickets"][1]["status"] = "waiting"
    page["metric_sets"][2]["reply_time_in_minutes"]["calendar"] = -5
    del page["tickets"][4]["id"]
    got = Split(iter_payload("zendesk", page))
    assert got.problem_texts() == [
        'ticket 1 (id 35438), field created_at: "yesterday" is not a date and time (expected ISO 8601, e.g. 2024-03-01T09:15:00Z)',
        'ticket 2 (id 35437), field status: "waiting" is not one of: new, open, pending, hold, solved, closed',
        "ticket 3 (id 35436), field metric_set.reply_time_in_minutes.calendar: -5 is negative; a duration cannot be",
        "ticket 5, field id: is missing; every record needs it",
    ]
    problem = got.problems[0]
    assert (problem.index, problem.external_id, problem.field) == (1, "35438", "created_at")


def test_solved_ticket_without_metrics_is_refused():
    page = json.loads(TIME_PAGE.read_text())
    del page["metric_sets"]
    texts = Split(iter_payload("zendesk", page)).problem_texts()
    assert len(texts) == 2 and all("field metric_set" in t and "include=metric_sets" in t for t in texts)


def test_a_freshdesk_file_given_as_zendesk_gets_one_clear_message():
    got = read(fixture("freshdesk_tickets.json"))
    assert got.problem_texts() == ["the file looks like a Freshdesk export, not Zendesk; import it with the freshdesk source"]
    assert got.tickets == []


def test_webhook_event_with_string_ids_and_upper_case_status():
    body = json.dumps({
        "type": "zen:event-type:ticket.status_changed", "account_id": 88888888, "id": "01HNXX-EXAMPLE",
        "time": "2024-04-17T17:18:10Z", "zendesk_event_version": "2022-11-06", "subject": "zen:ticket:35436",
        "detail": {"id": "35436", "status": "SOLVED", "assignee_id": "235323", "group_id": "98738",
                   "via": {"channel": "web"}, "created_at": "2024-04-17T10:00:00Z", "updated_at": "2024-04-17T17:18:10Z"},
        "event": {"current": "SOLVED", "previous": "OPEN"},
    })
    [event] = list(iter_webhook("zendesk", body))
    assert isinstance(event, TicketEvent)
    assert (event.external_id, event.status, event.agent_external_id, event.group_external_id, event.occurred_at) == (
        "35436", "solved", "235323", "98738", utc("2024-04-17T17:18:10"))


def test_webhook_event_unassigned_and_broken_bodies():
    body = {"time": "2024-04-17T17:18:10Z", "detail": {"id": "35436", "status": "OPEN", "assignee_id": "0"}}
    [event] = list(iter_webhook("zendesk", json.dumps(body)))
    assert event.agent_external_id is None and event.status == "open"
    [problem] = list(iter_webhook("zendesk", "{not json"))
    assert isinstance(problem, ImportProblem) and str(problem).startswith("the event is not valid JSON")
    [problem] = list(iter_webhook("zendesk", json.dumps({"detail": {"status": "OPEN"}})))
    assert problem.field in ("detail.id", "time")


def test_streams_are_accepted_and_left_open():
    stream = io.BytesIO(TIME_PAGE.read_bytes())
    assert len(read(stream).tickets) == 4
    assert not stream.closed
