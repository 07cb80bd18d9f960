"""Webhook signatures: Zendesk's scheme and ours, with the five-minute freshness rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from qa.tickets import signatures
from qa.tickets.signatures import (
    SignatureError,
    sign_servicecraft,
    sign_zendesk,
    verify_servicecraft,
    verify_zendesk,
)
from tests.qa.tickets.helpers import utc

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
BODY = b'{"type":"zen:event-type:ticket.status_changed","detail":{"id":"35436","status":"SOLVED"}}'
STAMP = "2024-04-17T17:18:10Z"
SIGNED_AT = utc("2024-04-17T17:18:10")


def zendesk_signature(body: bytes, stamp: str, secret: str) -> str:
    """Zendesk's documented formula, written out independently: base64(HMACSHA256(TIMESTAMP + BODY))."""
    return base64.b64encode(hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()


def test_zendesk_signature_accepted_within_five_minutes():
    signature = zendesk_signature(BODY, STAMP, SECRET)
    assert sign_zendesk(BODY, STAMP, SECRET) == signature
    verify_zendesk(BODY, signature, STAMP, SECRET, now=SIGNED_AT + timedelta(minutes=1))
    verify_zendesk(BODY, signature, STAMP, SECRET, now=SIGNED_AT + timedelta(minutes=5))  # the edge is allowed


@pytest.mark.parametrize(("body", "signature", "stamp", "secret", "now", "reason"), [
    (BODY + b" ", None, STAMP, SECRET, SIGNED_AT, "does not match"),
    (BODY, None, STAMP, "another secret", SIGNED_AT, "does not match"),
    (BODY, None, "2024-04-17T17:18:11Z", SECRET, SIGNED_AT, "does not match"),  # timestamp is signed
    (BODY, None, STAMP, SECRET, SIGNED_AT + timedelta(minutes=5, seconds=1), "more than five minutes"),
    (BODY, None, STAMP, SECRET, SIGNED_AT - timedelta(minutes=6), "more than five minutes"),
    (BODY, "", STAMP, SECRET, SIGNED_AT, "has no X-Zendesk-Webhook-Signature header"),
    (BODY, "not base64!", STAMP, SECRET, SIGNED_AT, "not in the expected form"),
])
def test_zendesk_refusals(body, signature, stamp, secret, now, reason):
    if signature is None:
        signature = zendesk_signature(BODY, STAMP, SECRET)
    with pytest.raises(SignatureError, match=reason):
        verify_zendesk(body, signature, stamp, secret, now=now)


def test_zendesk_missing_or_unreadable_timestamp():
    signature = zendesk_signature(BODY, STAMP, SECRET)
    with pytest.raises(SignatureError, match="Timestamp header"):
        verify_zendesk(BODY, signature, None, SECRET, now=SIGNED_AT)
    bad_stamp = "yesterday"
    with pytest.raises(SignatureError, match="not a date"):
        verify_zendesk(BODY, zendesk_signature(BODY, bad_stamp, SECRET), bad_stamp, SECRET, now=SIGNED_AT)


def test_our_scheme_signs_the_body_and_checks_sent_at():
    body = json.dumps({"sent_at": "2024-04-17T17:18:10Z", "tickets": []}).encode()
    header = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign_servicecraft(body, "s3cret") == header
    verify_servicecraft(body, header, "s3cret", now=SIGNED_AT + timedelta(minutes=4))
    verify_servicecraft(body, header.upper().replace("SHA256=", "sha256="), "s3cret", now=SIGNED_AT)
    with pytest.raises(SignatureError, match="more than five minutes"):
        verify_servicecraft(body, header, "s3cret", now=SIGNED_AT + timedelta(minutes=10))
    with pytest.raises(SignatureError, match="does not match"):
        verify_servicecraft(body.replace(b"[]", b"[1]"), header, "s3cret", now=SIGNED_AT)
    with pytest.raises(SignatureError, match="expected form"):
        verify_servicecraft(body, header.removeprefix("sha256="), "s3cret", now=SIGNED_AT)
    with pytest.raises(SignatureError, match="has no X-Servicecraft-Signature"):
        verify_servicecraft(body, None, "s3cret", now=SIGNED_AT)


def test_our_scheme_needs_a_sent_at_to_judge_freshness():
    body = b'{"tickets": []}'
    with pytest.raises(SignatureError, match="no sent_at"):
        verify_servicecraft(body, sign_servicecraft(body, "k"), "k", now=SIGNED_AT)
    epoch = json.dumps({"sent_at": int(SIGNED_AT.timestamp())}).encode()
    verify_servicecraft(epoch, sign_servicecraft(epoch, "k"), "k", now=SIGNED_AT)


def test_digests_are_compared_in_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signatures.hmac, "compare_digest", spy)
    verify_zendesk(BODY, zendesk_signature(BODY, STAMP, SECRET), STAMP, SECRET, now=SIGNED_AT)
    body = b'{"sent_at": "2024-04-17T17:18:10Z"}'
    verify_servicecraft(body, sign_servicecraft(body, "k"), "k", now=SIGNED_AT)
    assert len(calls) == 2
