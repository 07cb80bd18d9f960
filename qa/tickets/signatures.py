"""Check that a webhook request really comes from its sender and is fresh (pure Python).

Two schemes (interfaces.md, webhooks):

- Zendesk: ``X-Zendesk-Webhook-Signature`` is base64(HMAC-SHA256(timestamp + body)) under the
  webhook's signing secret, ``X-Zendesk-Webhook-Signature-Timestamp`` an ISO 8601 time such as
  ``2021-03-25T05:09:27Z``.
- Ours (``normalized`` and other senders): ``X-Servicecraft-Signature: sha256=<hex>`` of
  HMAC-SHA256 of the body. The body is JSON with a top-level ``sent_at`` time; because the
  signature covers the body, ``sent_at`` cannot be changed to replay an old request.

A request more than five minutes away from now (either way) is stale. Digests are compared
in constant time. Every failure raises :class:`SignatureError` with a plain reason; the web
layer answers 401 and changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

ZENDESK_SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
SERVICECRAFT_SIGNATURE_HEADER = "X-Servicecraft-Signature"
MAX_AGE = timedelta(minutes=5)
_PREFIX = "sha256="


class SignatureError(Exception):
    """The request is unsigned, wrongly signed or stale; `reason` says which, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Messages (kept together for translation).
def msg_unsigned(header: str) -> str:
    return f"the request has no {header} header"


def msg_bad_signature() -> str:
    return "the signature does not match the body and the signing secret"


def msg_malformed_signature(header: str) -> str:
    return f"the {header} header is not in the expected form"


def msg_bad_timestamp() -> str:
    return "the signature time is not a date and time"


def msg_stale() -> str:
    return "the request was signed more than five minutes away from now; it may be a replay"


def msg_no_sent_at() -> str:
    return "the body has no sent_at time, so its freshness cannot be checked"


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def _body(body: bytes | str | None) -> bytes:
    if body is None:  # Zendesk signs GET/DELETE requests over an empty body
        return b""
    return body.encode("utf-8") if isinstance(body, str) else body


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(timezone.utc)


def _parse_time(value: object) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise SignatureError(msg_bad_timestamp()) from None
    if not isinstance(value, str):
        raise SignatureError(msg_bad_timestamp())
    text = value.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), timezone.utc)
        moment = datetime.fromisoformat(text)
    except (OverflowError, OSError, ValueError):
        raise SignatureError(msg_bad_timestamp()) from None
    if moment.tzinfo is None:
        raise SignatureError(msg_bad_timestamp())
    return moment


def _check_fresh(moment: datetime, now: datetime | None, max_age: timedelta) -> None:
    if abs(_now(now) - moment) > max_age:
        raise SignatureError(msg_stale())


def sign_zendesk(body: bytes | str | None, timestamp: str, secret: str | bytes) -> str:
    """Return the Zendesk signature of `body` at `timestamp` (for tests and local tools)."""
    digest = hmac.new(_key(secret), timestamp.encode("utf-8") + _body(body), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_zendesk(body: bytes | str | None, signature: str | None, timestamp: str | None,
                   secret: str | bytes, *, now: datetime | None = None, max_age: timedelta = MAX_AGE) -> None:
    """Raise SignatureError unless a Zendesk webhook request is correctly signed and fresh."""
    if not signature:
        raise SignatureError(msg_unsigned(ZENDESK_SIGNATURE_HEADER))
    if not timestamp:
        raise SignatureError(msg_unsigned(ZENDESK_TIMESTAMP_HEADER))
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError(msg_malformed_signature(ZENDESK_SIGNATURE_HEADER)) from None
    expected = hmac.new(_key(secret), timestamp.encode("utf-8") + _body(body), hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise SignatureError(msg_bad_signature())
    _check_fresh(_parse_time(timestamp), now, max_age)


def sign_servicecraft(body: bytes | str, secret: str | bytes) -> str:
    """Return the `X-Servicecraft-Signature` header value for `body`."""
    return _PREFIX + hmac.new(_key(secret), _body(body), hashlib.sha256).hexdigest()


def verify_servicecraft(body: bytes | str | None, signature: str | None, secret: str | bytes, *,
                        now: datetime | None = None, max_age: timedelta = MAX_AGE) -> None:
    """Raise SignatureError unless our scheme's signature matches and the body's `sent_at` is fresh."""
    if not signature:
        raise SignatureError(msg_unsigned(SERVICECRAFT_SIGNATURE_HEADER))
    text = signature.strip()
    if not text.lower().startswith(_PREFIX):
        raise SignatureError(msg_malformed_signature(SERVICECRAFT_SIGNATURE_HEADER))
    try:
        given = bytes.fromhex(text[len(_PREFIX):])
    except ValueError:
        raise SignatureError(msg_malformed_signature(SERVICECRAFT_SIGNATURE_HEADER)) from None
    raw = _body(body)
    expected = hmac.new(_key(secret), raw, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise SignatureError(msg_bad_signature())
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise SignatureError(msg_no_sent_at()) from None
    if not isinstance(payload, dict) or payload.get("sent_at") in (None, ""):
        raise SignatureError(msg_no_sent_at())
    _check_fresh(_parse_time(payload["sent_at"]), now, max_age)
