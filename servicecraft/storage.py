"""The one place uploads are checked and stored (evidence, lesson images, imports).

Files are checked by their content (magic bytes), not by the name the browser sent, and by
size, then stored under a random key below ``UPLOAD_FOLDER``. Every app server must see the
same folder (a shared volume) for the app to stay stateless.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app


@dataclass(frozen=True)
class Kind:
    """A family of accepted files: content types (by signature) and a size limit."""

    name: str
    types: tuple[str, ...]
    max_bytes: int


IMAGE = Kind("image", ("image/png", "image/jpeg", "image/gif", "image/webp"), 8 * 1024 * 1024)
AUDIO = Kind("audio", ("audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/webm"), 20 * 1024 * 1024)
EXTENSIONS = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
    "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/ogg": ".ogg", "audio/wav": ".wav", "audio/webm": ".webm",
}


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


def save(stream: BinaryIO, *, kinds: tuple[Kind, ...], original_name: str = "", folder: str = "files") -> Stored:
    """Check and store an upload; raise UploadRefused with a message naming the problem."""
    from flask_babel import gettext as _

    data = stream.read(max(k.max_bytes for k in kinds) + 1)
    content_type = sniff(data[:16])
    kind = next((k for k in kinds if content_type in k.types), None)
    if kind is None:
        accepted = ", ".join(sorted({EXTENSIONS[t] for k in kinds for t in k.types}))
        raise UploadRefused(_("This file type is not accepted. Accepted: %(types)s.", types=accepted))
    if len(data) > kind.max_bytes:
        raise UploadRefused(_("The file is larger than %(mb)d MB.", mb=kind.max_bytes // (1024 * 1024)))
    if not data:
        raise UploadRefused(_("The file is empty."))
    key = f"{folder}/{secrets.token_hex(16)}{EXTENSIONS[content_type]}"
    path = _root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Stored(key=key, content_type=content_type, size=len(data), original_name=(original_name or "")[:200])


def path_of(key: str) -> Path:
    """Return the file behind a stored key (refusing keys that try to leave the folder)."""
    root = _root().resolve()
    path = (root / key).resolve()
    if root not in path.parents:
        raise FileNotFoundError(key)
    return path


def delete(key: str) -> None:
    try:
        path_of(key).unlink()
    except FileNotFoundError:
        pass
