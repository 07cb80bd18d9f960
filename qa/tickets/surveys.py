"""Post-contact surveys: signed, expiring links; one answer per link, credited to the ticket's agent.

A link carries the ticket, a one-time id, the customer's language and its expiry, signed with
the app's secret (itsdangerous), so nothing is stored until the customer answers. The answer
asks CSAT (1-5), NPS (0-10), CES (1-7) and a comment.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from qa.tickets.models import SurveyResponse, Ticket
from servicecraft.db import utcnow
from servicecraft.extensions import db

SALT = "qa.tickets.survey"
DEFAULT_DAYS = 30
CSAT_RANGE, NPS_RANGE, CES_RANGE = (1, 5), (0, 10), (1, 7)
MAX_COMMENT = 2000


class SurveyError(Exception):
    """The link is not valid, expired or already used, or an answer is out of range."""

    def __init__(self, message: str, fields: dict | None = None, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status = status


@dataclass(frozen=True)
class SurveyLink:
    ticket: Ticket
    nonce: str
    language: str
    expires_at: datetime


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(ticket: Ticket, *, language: str = "en", days: int = DEFAULT_DAYS, now: datetime | None = None) -> str:
    """Return a signed survey token for `ticket`, valid for `days` days."""
    expires = (now or utcnow()) + timedelta(days=days)
    return _serializer().dumps({"t": ticket.id, "n": secrets.token_urlsafe(12), "l": language[:8],
                                "e": int(expires.timestamp())})


def read_token(token: str, *, now: datetime | None = None) -> SurveyLink:
    """Return what a token stands for; raise SurveyError when forged, expired, used or gone."""
    try:
        data = _serializer().loads(token)
        ticket_id, nonce, language, expires = int(data["t"]), str(data["n"]), str(data["l"]), int(data["e"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise SurveyError(_("This survey link is not valid. Use the link from your message."), status=404) from None
    expires_at = datetime.fromtimestamp(expires, (now or utcnow()).tzinfo)
    if (now or utcnow()) > expires_at:
        raise SurveyError(_("This survey link has expired. Thank you all the same."), status=410)
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise SurveyError(_("This survey is no longer available."), status=410)
    if db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.nonce == nonce)):
        raise SurveyError(_("This survey has already been answered. Thank you!"), status=409)
    return SurveyLink(ticket, nonce, language, expires_at)


def _score(value, name: str, bounds: tuple[int, int], problems: dict, label: str):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not bounds[0] <= number <= bounds[1] or str(value).strip() not in (str(number), f"{number}.0"):
        problems[name] = _("%(label)s is a whole number from %(low)d to %(high)d.", label=label, low=bounds[0],
                           high=bounds[1])
        return None
    return number


def validate_answer(csat, nps, ces, comment) -> dict:
    """Return the cleaned answer; raise SurveyError naming each bad field."""
    problems: dict = {}
    values = {
        "csat": _score(csat, "csat", CSAT_RANGE, problems, _("Satisfaction")),
        "nps": _score(nps, "nps", NPS_RANGE, problems, _("Likelihood to recommend")),
        "ces": _score(ces, "ces", CES_RANGE, problems, _("Effort")),
    }
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        problems["comment"] = _("The comment is longer than %(n)d characters.", n=MAX_COMMENT)
    if not problems and all(v is None for v in values.values()) and not text:
        problems["csat"] = _("Answer at least one question.")
    if problems:
        raise SurveyError(_("The answer was not saved."), problems, status=422)
    return {**values, "comment": text or None}


def answer(token: str, *, csat=None, nps=None, ces=None, comment=None, now: datetime | None = None) -> SurveyResponse:
    """Store the customer's answer for a link (once); credited to the ticket's agent."""
    link = read_token(token, now=now)
    values = validate_answer(csat, nps, ces, comment)
    ticket = link.ticket
    response = SurveyResponse(nonce=link.nonce, ticket_id=ticket.id, source=ticket.source,
                              ticket_external_id=ticket.external_id, agent_external_id=ticket.agent_external_id,
                              agent_id=ticket.agent_id, language=link.language, answered_at=now or utcnow(), **values)
    db.session.add(response)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise SurveyError(_("This survey has already been answered. Thank you!"), status=409) from None
    return response


IMPORT_COLUMNS = ("response_id", "source", "ticket_external_id", "answered_at", "csat", "nps", "ces", "comment")


def import_answers(text: str) -> tuple[int, list[str]]:
    """Import survey answers from CSV (columns IMPORT_COLUMNS); all rows or none. Return (stored, errors)."""
    from qa.tickets.normalize import read_time

    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("response_id", "source", "ticket_external_id", "answered_at") if c not in header]
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if missing or unknown:
        return 0, [_("header: columns %(missing)s are required and %(unknown)s are not known; the columns are %(all)s.",
                     missing=", ".join(missing) or "-", unknown=", ".join(unknown) or "-", all=", ".join(IMPORT_COLUMNS))]
    errors: list[str] = []
    rows = []
    seen = set()
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        bad: list = []
        answered_at = read_time(row.get("answered_at"), "answered_at", bad)
        if answered_at is None and not bad:
            bad.append(("answered_at", _("is missing")))
        try:
            values = validate_answer(row.get("csat"), row.get("nps"), row.get("ces"), row.get("comment"))
        except SurveyError as error:
            bad.extend(error.fields.items())
            values = {}
        key = (row.get("source"), row.get("response_id"))
        if not key[1]:
            bad.append(("response_id", _("is missing")))
        elif key in seen:
            bad.append(("response_id", _("appears twice in the file")))
        seen.add(key)
        ticket = db.session.scalar(select(Ticket).where(Ticket.source == row.get("source"),
                                                        Ticket.external_id == row.get("ticket_external_id")))
        if ticket is None:
            bad.append(("ticket_external_id", _("no imported ticket has this id and source")))
        for name, message in bad:
            errors.append(_("row %(row)d, field %(field)s: %(message)s", row=number, field=name, message=message))
        if not bad:
            rows.append((row, ticket, answered_at, values))
    if errors:
        return 0, errors
    stored = 0
    for row, ticket, answered_at, values in rows:
        nonce = f"import:{row['source']}:{row['response_id']}"[:64]
        existing = db.session.scalar(select(SurveyResponse).where(SurveyResponse.nonce == nonce))
        target = existing or SurveyResponse(nonce=nonce, is_imported=True)
        target.ticket_id, target.source, target.ticket_external_id = ticket.id, ticket.source, ticket.external_id
        target.agent_external_id, target.agent_id, target.answered_at = ticket.agent_external_id, ticket.agent_id, answered_at
        for name, value in values.items():
            setattr(target, name, value)
        db.session.add(target)
        stored += 1
    db.session.flush()
    return stored, []
