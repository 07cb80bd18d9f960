"""The one place files are stored: checked uploads, import files and files the app generates.

Every file lives under a random *key* (``folder/hex.ext``) below ``UPLOAD_FOLDER``. Every app
server and every job worker must see the same folder (a shared volume) for the app to stay
stateless: a file stored by one process is read by key in another. Nothing outside this
module builds a path below ``UPLOAD_FOLDER``.

Storing (each returns a :class:`Stored`; the key is what callers keep):

- ``save(stream, kinds=(IMAGE,), original_name=..., folder=...)``: an upload from a browser,
  checked by its content (magic bytes, not the name it was sent with) and size.
- ``save_import(stream, kinds=(JSON, JSON_LINES, CSV), original_name=..., max_bytes=None)``:
  a text export kept for an import job, checked by content: it decodes as UTF-8 and starts
  like JSON (``{`` or ``[``) or has a CSV header line. The size limit is *max_bytes*, else the
  ``IMPORT_MAX_BYTES`` setting (``SERVICECRAFT_IMPORT_MAX_BYTES``), else 64 MiB.
- ``save_bytes(data, name=..., content_type=..., folder=...)``: a file the app made itself
  (a PDF pack, an export); trusted, not sniffed.

Both checked savers raise :class:`UploadRefused` with a message naming the problem and store
nothing. Reading: ``open(key)`` (a binary file object), ``path_of(key)`` (a local path, for
``send_file`` and readers that need one); ``delete(key)`` removes a file. Keys that try to
leave the folder are refused with ``FileNotFoundError``.
"""

from __future__ import annotations

import codecs
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

MiB = 1024 * 1024


@dataclass(frozen=True)
class Kind:
    """A family of accepted files: content types (by signature) and a size limit."""

    name: str
    types: tuple[str, ...]
    max_bytes: int


IMAGE = Kind("image", ("image/png", "image/jpeg", "image/gif", "image/webp"), 8 * MiB)
AUDIO = Kind("audio", ("audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/webm"), 20 * MiB)
# Text exports for imports (save_import); their limit is the IMPORT_MAX_BYTES setting.
IMPORT_MAX_BYTES = 64 * MiB
JSON = Kind("JSON", ("application/json",), IMPORT_MAX_BYTES)
JSON_LINES = Kind("JSON Lines", ("application/x-ndjson",), IMPORT_MAX_BYTES)
CSV = Kind("CSV", ("text/csv",), IMPORT_MAX_BYTES)
EXTENSIONS = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/ogg": ".ogg", "audio/wav": ".wav", "audio/webm": ".webm",
    "application/json": ".json", "application/x-ndjson": ".jsonl", "text/csv": ".csv",
    "application/pdf": ".pdf", "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}
# How much of a text export decides its type (a CSV header line must end within it).
_TEXT_HEAD = 64 * 1024
_CHUNK = 1 << 20


class UploadRefused(ValueError):
    """The file is of the wrong type or too large; the message says which."""


def sniff(head: bytes) -> str | None:
    """Return the content type that the first bytes of a file announce, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    return None


def sniff_text(head: bytes, *, is_whole: bool = False) -> str | None:
    """Return the type of a text export from its first bytes: JSON, JSON Lines, CSV, or None.

    The head must decode as UTF-8 (a character cut at its end is fine unless *is_whole*).
    JSON starts with ``{`` or ``[``; JSON Lines is JSON whose first line is a whole value and
    whose next line starts another; CSV has a first line of printable text with a delimiter.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
    try:
        text = decoder.decode(head, final=is_whole)
    except UnicodeDecodeError:
        return None
    text = text.lstrip(" \t\r\n")
    if text[:1] in ("{", "["):
        first, newline, rest = text.partition("\n")
        if newline and text[0] == "{" and rest.lstrip(" \t\r\n")[:1] == "{":
            try:
                json.loads(first)
            except ValueError:
                return "application/json"
            return "application/x-ndjson"
        return "application/json"
    first, newline, _rest = text.partition("\n")
    if not newline and not is_whole:
        return None  # no header line within the head
    line = first.rstrip("\r")
    if not any(d in line for d in (",", ";", "\t")):
        return None
    if any(ord(c) < 32 and c != "\t" for c in line):
        return None
    return "text/csv"


@dataclass(frozen=True)
class Stored:
    key: str
    content_type: str
    size: int
    original_name: str


def _root() -> Path:
    root = Path(current_app.config["UPLOAD_FOLDER"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def _new_key(folder: str, content_type: str, name: str = "") -> str:
    extension = EXTENSIONS.get(content_type) or Path(name).suffix.lower()[:10]
    return f"{folder.strip('/')}/{secrets.token_hex(16)}{extension}"


def _target(key: str) -> Path:
    path = path_of(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _write(key: str, chunks) -> int:
    """Write chunks to a temporary name beside the key and move it in place; return the size.

    Readers never see a half-written file, and a refusal raised by *chunks* leaves nothing.
    """
    path = _target(key)
    partial = path.with_name(path.name + ".part")
    size = 0
    try:
        with partial.open("wb") as target:
            for chunk in chunks:
                target.write(chunk)
                size += len(chunk)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return size


def _accepted(kinds: tuple[Kind, ...]) -> str:
    return ", ".join(sorted({EXTENSIONS[t] for k in kinds for t in k.types}))


def _larger_than(limit: int) -> UploadRefused:
    from flask_babel import gettext as _

    return UploadRefused(_("The file is larger than %(mb)d MB.", mb=max(1, limit // MiB)))


def save(stream: BinaryIO, *, kinds: tuple[Kind, ...], original_name: str = "", folder: str = "files") -> Stored:
    """Check and store an upload; raise UploadRefused with a message naming the problem."""
    from flask_babel import gettext as _

    data = stream.read(max(k.max_bytes for k in kinds) + 1)
    content_type = sniff(data[:16])
    kind = next((k for k in kinds if content_type in k.types), None)
    if kind is None:
        raise UploadRefused(_("This file type is not accepted. Accepted: %(types)s.", types=_accepted(kinds)))
    if len(data) > kind.max_bytes:
        raise _larger_than(kind.max_bytes)
    if not data:
        raise UploadRefused(_("The file is empty."))
    key = _new_key(folder, content_type)
    _write(key, [data])
    return Stored(key=key, content_type=content_type, size=len(data), original_name=(original_name or "")[:200])


def save_import(stream: BinaryIO, *, kinds: tuple[Kind, ...] = (JSON, JSON_LINES, CSV), original_name: str = "",
                folder: str = "imports", max_bytes: int | None = None) -> Stored:
    """Check and store a text export for an import job, streaming it; raise UploadRefused naming the problem.

    Only the file's type and encoding are checked here; the importer reports problems in its rows.
    """
    from flask_babel import gettext as _

    limit = max_bytes or int(current_app.config.get("IMPORT_MAX_BYTES") or max(k.max_bytes for k in kinds))
    head = stream.read(_TEXT_HEAD)
    if not head.strip():
        raise UploadRefused(_("The file is empty."))
    is_whole = len(head) < _TEXT_HEAD
    content_type = sniff_text(head, is_whole=is_whole)
    if content_type not in {t for k in kinds for t in k.types}:
        # JSON Lines is JSON to a reader that takes either; accept it when only JSON is asked for.
        if content_type == "application/x-ndjson" and JSON in kinds:
            content_type = "application/json"
        else:
            raise UploadRefused(_("This file type is not accepted. Accepted: %(types)s.", types=_accepted(kinds)))

    def checked():
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        size, chunk = 0, head
        while chunk:
            size += len(chunk)
            if size > limit:
                raise _larger_than(limit)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                raise UploadRefused(_("The file is not UTF-8 text.")) from None
            yield chunk
            chunk = stream.read(_CHUNK)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise UploadRefused(_("The file is not UTF-8 text.")) from None

    key = _new_key(folder, content_type)
    size = _write(key, checked())
    return Stored(key=key, content_type=content_type, size=size, original_name=(original_name or "")[:200])


def save_bytes(data: bytes, *, name: str, content_type: str, folder: str = "generated") -> Stored:
    """Store a file the app generated itself (trusted: not sniffed); *name* is its download name."""
    key = _new_key(folder, content_type, name)
    _write(key, [data])
    return Stored(key=key, content_type=content_type, size=len(data), original_name=(name or "")[:200])


def open(key: str) -> BinaryIO:  # storage.open(key): the module's name says which open
    """Open a stored file for reading (binary); raise FileNotFoundError when there is none."""
    return path_of(key).open("rb")


def path_of(key: str) -> Path:
    """Return the file behind a stored key (refusing keys that try to leave the folder)."""
    root = _root().resolve()
    path = (root / key).resolve()
    if root not in path.parents:
        raise FileNotFoundError(key)
    return path


def delete(key: str) -> None:
    """Remove a stored file; a missing one is not an error."""
    try:
        path_of(key).unlink()
    except FileNotFoundError:
        pass
