"""The streaming JSON scanner: arrays, JSON Lines, chunk edges and syntax errors with lines."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.tickets.sources import _stream, iter_file
from qa.tickets.sources._stream import JsonSyntaxError, JsonValues, text_chunks

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)


def scan(text: str, size: int) -> list:
    return list(JsonValues(text_chunks(io.StringIO(text), size)))


@pytest.fixture
def tiny_window(monkeypatch):
    # A few characters per read, so values straddle reads and the window is compacted often.
    monkeypatch.setattr(_stream, "CHUNK", 4)


@settings(max_examples=150, deadline=None)
@given(st.lists(json_values, max_size=8), st.integers(1, 9), st.booleans())
def test_arrays_and_json_lines_round_trip_at_any_chunk_size(values, size, pretty):
    _stream.CHUNK, saved = 3, _stream.CHUNK
    try:
        text = json.dumps(values, indent=2 if pretty else None)
        assert scan(text, size) == values
        objects = [v for v in values if isinstance(v, dict)]
        assert scan("\n".join(json.dumps(v) for v in objects), size) == objects
    finally:
        _stream.CHUNK = saved


def test_json_lines_of_arrays_give_the_first_array_item_by_item_then_whole_arrays(tiny_window):
    assert scan('[{"a": 1}, {"a": 2}]\n[{"a": 3}]\n{"a": 4}', 3) == [{"a": 1}, {"a": 2}, [{"a": 3}], {"a": 4}]


def test_numbers_cut_by_a_read_are_not_split(tiny_window):
    assert scan("[12345678, 9]", 3) == [12345678, 9]
    assert scan("123456 7", 2) == [123456, 7]


def test_syntax_errors_name_the_line(tiny_window):
    with pytest.raises(JsonSyntaxError) as error:
        scan('[{"a": 1},\n{"b": 2},\n{"c": }]', 5)
    assert error.value.line == 3
    with pytest.raises(JsonSyntaxError):
        scan('[{"a": 1} {"b": 2}]', 5)
    with pytest.raises(JsonSyntaxError):
        scan('[{"a": 1}] trailing', 5)
    with pytest.raises(JsonSyntaxError):
        scan('{"a": 1', 5)


def test_bom_and_utf8_are_handled():
    data = "\ufeff[{\"name\": \"Сергей\"}]".encode()
    assert list(JsonValues(text_chunks(io.BytesIO(data), 3))) == [{"name": "Сергей"}]


def test_file_level_problems_read_like_sentences():
    assert [str(p) for p in iter_file("zammad", b'[\n{"id": ]')] == [
        "the file is not valid JSON (line 2: Expecting value)"]
    assert [str(p) for p in iter_file("zammad", b"\xff\xfe[]")] == [
        "the file is not UTF-8 text; save it as UTF-8 and try again"]
    assert [str(p) for p in iter_file("zammad", b"   ")] == ["the file is empty"]
    assert [str(p) for p in iter_file("zammad", b"[1, 2]")] == [
        "ticket 1: is not a ticket record (expected a JSON object)",
        "ticket 2: is not a ticket record (expected a JSON object)",
        "the file has nothing that looks like a Zammad export (no tickets, ratings or agents)"]
    assert [str(p) for p in iter_file("helpscout", b"[]")][0].startswith('the file cannot be read: "helpscout"')


class CountingStream(io.BytesIO):
    """A byte stream that remembers how much has been read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_pages_are_read_one_at_a_time_not_the_whole_file(tiny_window):
    page = json.dumps({"tickets": [{"id": n, "status": "open"} for n in range(50)]})
    data = ("[" + ",".join([page] * 200) + "]").encode()
    stream = CountingStream(data)
    values = iter(JsonValues(text_chunks(stream, 64)))
    first = next(values)
    assert len(first["tickets"]) == 50
    assert stream.bytes_read < len(data) / 50  # about one page, not the whole file
    assert sum(1 for _ in values) == 199
