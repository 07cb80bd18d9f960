"""Read big export files a piece at a time: UTF-8 text chunks and top-level JSON values.

A vendor page is one JSON object; a big export is a JSON array of pages (or of tickets) or
JSON Lines. The standard library has no streaming parser, so this scanner feeds
``json.JSONDecoder.raw_decode`` a growing window of the text and drops what it has read:
memory stays near the size of the largest single value (one page), not of the file.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from typing import IO, Any

Input = str | PathLike | bytes | bytearray | IO[bytes] | IO[str]

CHUNK = 1 << 20  # characters per read; pages are ~1-3 MB, so a page takes a few reads
_WS = " \t\n\r"
_NUMBER_CHARS = frozenset("0123456789.eE+-")
_DECODER = json.JSONDecoder()


class JsonSyntaxError(Exception):
    """The text is not JSON; `line` is 1-based in the whole file."""

    def __init__(self, detail: str, line: int | None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.line = line


@contextmanager
def open_input(source: Input) -> Iterator[IO[bytes] | IO[str]]:
    """Open a path, bytes or an already open stream for reading, closing only what it opened."""
    if isinstance(source, (bytes, bytearray)):
        yield io.BytesIO(bytes(source))
    elif isinstance(source, (str, PathLike)):
        with open(source, "rb") as handle:
            yield handle
    else:
        yield source


def text_chunks(stream: IO[bytes] | IO[str], size: int = CHUNK) -> Iterator[str]:
    """Yield decoded text (UTF-8, BOM dropped); raise UnicodeDecodeError on bad bytes."""
    sample = stream.read(0)
    if isinstance(sample, str):
        first = True
        while True:
            piece = stream.read(size)
            if not piece:
                return
            if first and piece.startswith("\ufeff"):
                piece = piece[1:]
            first = False
            yield piece
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    while True:
        raw = stream.read(size)
        if not raw:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        text = decoder.decode(raw)
        if text:
            yield text


class JsonValues:
    """Iterate the top-level values of JSON text: array elements, or successive values (JSON Lines).

    When the text starts with an array, its elements come one by one, then any values after
    it (JSON Lines of arrays) come whole. `is_array` tells whether it started with "[".
    """

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._lines_dropped = 0
        self.is_array = False

    # -- buffer ---------------------------------------------------------------------------
    def _fill(self, wanted: int) -> None:
        """Read until at least `wanted` unread characters are buffered, or the text ends."""
        if self._pos > CHUNK and self._pos * 2 > len(self._buf):
            self._lines_dropped += self._buf.count("\n", 0, self._pos)
            self._buf = self._buf[self._pos:]
            self._pos = 0
        pieces = [self._buf]
        have = len(self._buf) - self._pos
        while have < wanted and not self._eof:
            piece = next(self._chunks, None)
            if piece is None:
                self._eof = True
                break
            pieces.append(piece)
            have += len(piece)
        if len(pieces) > 1:
            self._buf = "".join(pieces)

    def _skip_ws(self) -> str:
        """Skip whitespace and return the next character ('' at the end of the text)."""
        while True:
            buf, pos, end = self._buf, self._pos, len(self._buf)
            while pos < end and buf[pos] in _WS:
                pos += 1
            self._pos = pos
            if pos < end:
                return buf[pos]
            if self._eof:
                return ""
            self._fill(CHUNK)

    def _may_continue(self, end: int) -> bool:
        """Tell whether only number characters follow `end` up to the window's edge."""
        buf = self._buf
        while end < len(buf) and buf[end] in _NUMBER_CHARS:
            end += 1
        return end == len(buf)

    def _line(self, offset: int) -> int:
        return self._lines_dropped + self._buf.count("\n", 0, offset) + 1

    def _decode(self) -> Any:
        """Decode one value at the current position, reading more text until it is complete."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as error:
                if self._eof:
                    raise JsonSyntaxError(error.msg, self._line(error.pos)) from None
                # Probably cut off by the window: double it (amortised linear re-parsing).
                self._fill(2 * max(len(self._buf) - self._pos, CHUNK))
                continue
            except RecursionError:
                raise JsonSyntaxError("nested too deeply", self._line(self._pos)) from None
            if not self._eof and not isinstance(value, (dict, list, str)) and self._may_continue(end):
                # A number at the window's edge ("0." of "0.5") may continue in the next chunk.
                self._fill(len(self._buf) - self._pos + CHUNK)
                continue
            self._pos = end
            return value

    # -- public ---------------------------------------------------------------------------
    def first_char(self) -> str:
        """Return the first non-blank character ('' for an empty text)."""
        char = self._skip_ws()
        self.is_array = char == "["
        return char

    def __iter__(self) -> Iterator[Any]:
        char = self.first_char()
        if char == "":
            return
        if char == "[":
            self._pos += 1
            if self._skip_ws() == "]":
                self._pos += 1
            else:
                while True:
                    self._skip_ws()
                    yield self._decode()
                    char = self._skip_ws()
                    if char == ",":
                        self._pos += 1
                        continue
                    if char == "]":
                        self._pos += 1
                        break
                    raise JsonSyntaxError("expected ',' or ']' between values", self._line(self._pos))
            # More values after the array: JSON Lines whose lines are arrays (API pages). The
            # first array's elements were yielded one by one; later arrays come whole, and
            # readers treat a list as a sequence of items, so both read alike.
        while self._skip_ws() != "":
            yield self._decode()
