"""CSV tickets: the generic header and Zendesk's admin CSV export in the account's time zone."""

from __future__ import annotations

import io

from qa.tickets.normalize import NormalizedAgent
from qa.tickets.sources import iter_file
from tests.qa.tickets.helpers import Split, fields, fixture, utc

ZENDESK_CSV = fixture("zendesk_admin_export.csv")
GENERIC_CSV = fixture("generic_tickets.csv")


def read_csv(data, tz=None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return Split(iter_file("csv", data if isinstance(data, bytes) else data, tz=tz))


def test_zendesk_admin_csv_in_account_time_zone_matches_the_api_values():
    got = Split(iter_file("csv", ZENDESK_CSV, tz="Europe/Moscow"))
    assert got.problems == []
    assert fields(got.ticket("35436")) == {
        "source": "zendesk", "external_id": "35436",
        "source_updated_at": utc("2024-03-05T16:00"),  # 19:00 in Moscow
        "agent_external_id": "Sam Agent", "group_external_id": "Support", "channel": "web", "priority": "high",
        "status": "solved", "category": None, "created_at": utc("2024-03-04T08:00"),
        "first_reply_at": utc("2024-03-04T08:30"), "solved_at": utc("2024-03-05T08:00"),
        "first_reply_minutes": 30, "resolution_minutes": 1440, "reopens": 0, "agent_replies": 1, "csat": "positive",
    }
    closed = got.ticket("35438")
    assert (closed.channel, closed.priority, closed.csat, closed.reopens, closed.agent_replies) == (
        "phone", None, "negative", 1, 3)
    assert closed.solved_at == utc("2024-03-03T22:00")


def test_zendesk_csv_blank_durations_are_null_and_offered_is_unrated():
    got = Split(iter_file("csv", ZENDESK_CSV, tz="Europe/Moscow"))
    waiting = got.ticket("35437")
    assert (waiting.first_reply_minutes, waiting.resolution_minutes, waiting.solved_at, waiting.csat) == (None, None, None, None)
    assert (waiting.channel, waiting.status) == ("email", "open")
    api = got.ticket("35440")
    assert (api.agent_external_id, api.channel, api.status) == (None, "api", "pending")
    assert got.agents == [NormalizedAgent("zendesk", "Sam Agent", None, "Sam Agent"),
                          NormalizedAgent("zendesk", "Kim Admin", None, "Kim Admin")]


def test_zendesk_csv_headers_match_case_insensitively():
    text = ZENDESK_CSV.read_text().splitlines()
    text[0] = text[0].upper()
    got = read_csv("\n".join(text), tz="Europe/Moscow")
    assert got.problems == [] and len(got.tickets) == 4


def test_generic_csv_with_naive_times_in_the_import_zone():
    got = Split(iter_file("csv", GENERIC_CSV, tz="Europe/Moscow"))
    assert got.problems == []
    assert fields(got.ticket("G-2")) == {
        "source": "csv", "external_id": "G-2", "source_updated_at": utc("2024-03-06T06:30"),
        "agent_external_id": "a-1", "group_external_id": "tier1", "channel": "chat", "priority": "high",
        "status": "closed", "category": None, "created_at": utc("2024-03-05T06:00"),
        "first_reply_at": utc("2024-03-05T09:00"), "solved_at": utc("2024-03-06T06:00"),
        "first_reply_minutes": 180, "resolution_minutes": 1440, "reopens": 1, "agent_replies": 2, "csat": "negative",
    }
    assert got.ticket("G-2").subject == 'Login fails, "error 42"'


def test_generic_csv_fallbacks_given_minutes_and_agent_by_email():
    got = Split(iter_file("csv", GENERIC_CSV))
    assert got.ticket("G-1").first_reply_minutes == 20 and got.ticket("G-1").tags == ("billing", "refund")
    assert got.ticket("G-3").source_updated_at == utc("2024-03-06T08:00")  # from created_at
    given = got.ticket("G-4")
    assert (given.first_reply_minutes, given.resolution_minutes, given.agent_external_id) == (15.5, 200, "ana@example.com")
    assert [a.external_id for a in got.agents] == ["a-1", "ana@example.com"]


def test_semicolon_separated_generic_csv():
    got = read_csv("external_id;status;created_at\nX-1;open;2024-03-01T10:00:00Z\n")
    assert got.problems == [] and got.ticket("X-1").status == "open"


def test_rows_are_numbered_like_a_spreadsheet_and_name_the_field():
    data = ("external_id,status,created_at,reopens\n"
            "A,solved,2024-03-01T10:00:00Z,0\n"
            "B,\"sol\nved\",2024-03-01T10:00:00Z,0\n"
            "C,open,not a date,-1\n"
            "A,open,2024-03-01T10:00:00Z,0\n")
    assert read_csv(data).problem_texts() == [
        'row 3 (ID B), field status: "sol\nved" is not one of: new, open, pending, hold, solved, closed',
        'row 4 (ID C), field created_at: "not a date" is not a date and time (expected ISO 8601, e.g. 2024-03-01T09:15:00Z)',
        'row 4 (ID C), field reopens: "-1" is not a whole number of zero or more',
        "row 5 (ID A), field external_id: the same id appears again; first seen at row 2",
    ]


def test_unknown_and_missing_columns_are_refused_in_the_header():
    assert read_csv("external_id,status,solvd_at\n").problem_texts() == [
        "row 1, field solvd_at: is not a column of the ticket CSV format; the columns are: "
        "external_id, source_updated_at, agent_external_id, agent_email, agent_name, group_external_id, channel, "
        "priority, status, category, created_at, first_reply_at, solved_at, first_reply_minutes, "
        "resolution_minutes, reopens, agent_replies, csat, tags, type, subject"]
    assert read_csv("external_id,created_at\nA,2024-03-01T10:00:00Z\n").problem_texts() == [
        "row 1, field status: is missing from the header; these columns are required: external_id, status"]


def test_json_empty_and_non_utf8_files_get_one_message():
    assert read_csv('[{"id": 1}]').problem_texts() == [
        "the file looks like JSON, not CSV; choose its help desk as the source (zendesk, freshdesk, zammad or normalized)"]
    assert read_csv("").problem_texts() == ["the file is empty"]
    assert read_csv("external_id,status\nA,open\nB,caf\xe9\n".encode("latin-1")).problem_texts() == [
        "the file is not UTF-8 text; save it as UTF-8 and try again"]


def test_unknown_time_zone_is_a_message():
    assert read_csv("external_id,status\n", tz="Mars/Olympus").problem_texts() == [
        'the file cannot be read: "Mars/Olympus" is not a time zone (use a name such as Europe/Moscow or UTC)']


def test_text_streams_work_too():
    got = Split(iter_file("csv", io.StringIO("external_id,status,created_at\nA,new,2024-03-01 10:00\n")))
    assert got.ticket("A").source_updated_at == utc("2024-03-01T10:00")
    assert Split(iter_file("csv", io.StringIO("external_id,status\nA,new\n"))).problem_texts() == [
        "row 2 (ID A), field source_updated_at: is missing, and the row has no other time "
        "(created_at, first_reply_at, solved_at) to use instead"]
