"""Whatever the input, readers yield records or problems and never raise."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.tickets.normalize import (
    DeletedTicket,
    ImportProblem,
    NormalizedAgent,
    NormalizedRating,
    NormalizedTicket,
    TicketEvent,
)
from qa.tickets.sources import SOURCES, iter_file, iter_payload, iter_webhook
from qa.tickets.sources.csv_source import GENERIC_COLUMNS
from tests.qa.tickets.helpers import fixture

RECORD_TYPES = (NormalizedTicket, NormalizedAgent, NormalizedRating, DeletedTicket, TicketEvent, ImportProblem)
JSON_SOURCES = ("zendesk", "freshdesk", "zammad", "normalized")
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=30) | st.sampled_from(["2024-03-01T10:00:00Z", "2024-13-40", "solved", "-5", "1e400", ""]))
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20)


def records_ok(items) -> None:
    for item in items:
        assert isinstance(item, RECORD_TYPES), item
        if isinstance(item, ImportProblem):
            assert isinstance(str(item), str) and item.message


def fixture_records():
    """(source, record) pairs from the fixtures, as mutation seeds."""
    pairs = []
    page = json.loads(fixture("zendesk_incremental_time.json").read_text())
    pairs += [("zendesk", {"tickets": [t], "metric_sets": page["metric_sets"]}) for t in page["tickets"]]
    pairs += [("zendesk", {"tickets": [], "metric_sets": [m]}) for m in page["metric_sets"]]
    pairs += [("zendesk", {"users": [u]}) for u in page["users"]]
    pairs += [("zendesk", json.loads(fixture("zendesk_incremental_cursor.json").read_text()))]
    for name in ("freshdesk_tickets.json", "freshdesk_satisfaction_ratings.json", "freshdesk_agents.json"):
        pairs += [("freshdesk", [item]) for item in json.loads(fixture(name).read_text())]
    pairs += [("zammad", [item]) for item in json.loads(fixture("zammad_tickets_expand.json").read_text())]
    return pairs


SEEDS = fixture_records()


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(SOURCES))
def test_random_bytes(data, source):
    records_ok(iter_file(source, data))


@SETTINGS
@given(json_values, st.sampled_from(JSON_SOURCES))
def test_random_json(value, source):
    records_ok(iter_payload(source, value))
    records_ok(iter_file(source, json.dumps(value).encode()))
    records_ok(iter_webhook(source, json.dumps(value)))


def _mutate(value, path, replacement):
    """Replace the value at `path` (a list of keys/indexes, cycling) inside a copy of `value`."""
    if not path or not isinstance(value, (dict, list)) or not value:
        return replacement
    if isinstance(value, dict):
        keys = sorted(value)
        key = keys[path[0] % len(keys)]
        return {**value, key: _mutate(value[key], path[1:], replacement)}
    position = path[0] % len(value)
    return value[:position] + [_mutate(value[position], path[1:], replacement)] + value[position + 1:]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(SEEDS), st.lists(st.integers(0, 50), min_size=1, max_size=5), json_values)
def test_fixture_records_with_one_field_replaced_by_anything(seed, path, replacement):
    source, value = seed
    records_ok(iter_payload(source, _mutate(value, path, replacement)))


@SETTINGS
@given(st.lists(st.sampled_from(GENERIC_COLUMNS + ("id", "status", "solved at", "reopens", "junk")), min_size=1,
                max_size=8, unique=True),
       st.lists(st.lists(st.text(max_size=12) | st.sampled_from(["solved", "2024-03-01 10:00", "-1", "1.5", ""]),
                         max_size=9), max_size=6),
       st.sampled_from([None, "UTC", "Europe/Moscow"]))
def test_random_csv(header, rows, tz):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    records_ok(iter_file("csv", out.getvalue().encode("utf-8"), tz=tz))


@SETTINGS
@given(st.text(max_size=200))
def test_random_text_as_csv_and_webhooks(text):
    records_ok(iter_file("csv", text.encode("utf-8")))
    records_ok(iter_webhook("zendesk", text))
    records_ok(iter_webhook("normalized", text))
