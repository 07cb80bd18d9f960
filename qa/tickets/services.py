"""Use-cases of qa.tickets: connections, webhooks, agent links, category rules, the ticket browser.

Every function takes the acting user where one acts, flushes and never commits, and raises
TicketsError with a translatable message for bad input.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from qa.tickets import importer
from qa.tickets.models import SOURCES, AgentLink, CategoryRule, HelpdeskConnection, Ticket
from qa.tickets.normalize import ImportProblem, TicketEvent
from qa.tickets.signatures import (
    SERVICECRAFT_SIGNATURE_HEADER,
    ZENDESK_SIGNATURE_HEADER,
    ZENDESK_TIMESTAMP_HEADER,
    SignatureError,
    verify_servicecraft,
    verify_zendesk,
)
from servicecraft import audit
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.taxonomy import all_categories

SYNC_SOURCES = ("zendesk", "freshdesk", "zammad")
WEBHOOK_SOURCES = ("zendesk", "freshdesk", "zammad", "normalized")
RULE_KINDS = ("tag", "type", "subject")


class TicketsError(Exception):
    """Bad input for a tickets use-case; `message` is translated, `fields` names the fields."""

    def __init__(self, message: str, fields: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class WebhookRefused(TicketsError):
    """The webhook request is unsigned, wrongly signed or stale."""


# --- connections ------------------------------------------------------------------------------

@dataclass
class ConnectionInput:
    source: str
    base_url: str = ""
    username: str = ""
    api_token: str = ""  # empty: keep the stored one
    webhook_secret: str = ""  # empty: keep the stored one (a new connection gets a random one)
    is_sync_enabled: bool = False


def connection_for(source: str) -> HelpdeskConnection | None:
    return db.session.scalar(select(HelpdeskConnection).where(HelpdeskConnection.source == source))


def save_connection(data: ConnectionInput, *, actor, connection: HelpdeskConnection | None = None
                    ) -> tuple[HelpdeskConnection, str | None]:
    """Create or change a connection; return it and the new signing secret when one was generated."""
    problems = {}
    if data.source not in WEBHOOK_SOURCES:
        problems["source"] = _("Choose one of: %(sources)s.", sources=", ".join(WEBHOOK_SOURCES))
    base_url = data.base_url.strip().rstrip("/")
    if base_url and not base_url.startswith(("https://", "http://")):
        problems["base_url"] = _("Give the address starting with https://, e.g. https://example.zendesk.com.")
    if data.is_sync_enabled and data.source not in SYNC_SOURCES:
        problems["is_sync_enabled"] = _("Only Zendesk, Freshdesk and Zammad can be synced.")
    if data.is_sync_enabled and not base_url:
        problems["base_url"] = _("Syncing needs the help desk's address.")
    other = connection_for(data.source)
    if other is not None and (connection is None or other.id != connection.id):
        problems["source"] = _("This help desk is already connected; edit that connection.")
    if problems:
        raise TicketsError(_("The connection was not saved."), problems)
    generated = None
    is_new = connection is None
    if is_new:
        connection = HelpdeskConnection(source=data.source)
        db.session.add(connection)
    connection.source = data.source
    connection.base_url = base_url or None
    connection.username = data.username.strip() or None
    connection.is_sync_enabled = data.is_sync_enabled
    if data.api_token.strip():
        connection.api_token = data.api_token.strip()
    if data.webhook_secret.strip():
        connection.webhook_secret = data.webhook_secret.strip()
    elif is_new:
        generated = secrets.token_urlsafe(32)
        connection.webhook_secret = generated
    db.session.flush()
    audit.record(actor, "helpdesk_connection", connection.id, "created" if is_new else "changed",
                 after={"source": connection.source, "base_url": connection.base_url,
                        "sync": connection.is_sync_enabled,
                        "secret_changed": bool(data.webhook_secret.strip()) or is_new,
                        "token_changed": bool(data.api_token.strip())})
    return connection, generated


def reset_cursor(connection: HelpdeskConnection, *, actor) -> None:
    """Start the next sync from the beginning of the help desk's history."""
    audit.record(actor, "helpdesk_connection", connection.id, "cursor_reset", before={"cursor": connection.cursor})
    connection.cursor = None
    db.session.flush()


# --- webhooks ---------------------------------------------------------------------------------

def receive_webhook(source: str, body: bytes, headers: Mapping[str, str]) -> dict:
    """Verify a webhook request and apply its event; raise WebhookRefused before any change."""
    from qa.tickets.sources import iter_webhook

    connection = connection_for(source) if source in WEBHOOK_SOURCES else None
    secret = connection.webhook_secret if connection is not None else None
    try:
        if not secret:
            raise SignatureError(_("no signing secret is configured for this source"))
        if source == "zendesk":
            verify_zendesk(body, headers.get(ZENDESK_SIGNATURE_HEADER), headers.get(ZENDESK_TIMESTAMP_HEADER), secret)
        else:
            verify_servicecraft(body, headers.get(SERVICECRAFT_SIGNATURE_HEADER), secret)
    except SignatureError as error:
        raise WebhookRefused(_("The request is refused: %(reason)s.", reason=error.reason)) from None
    records = list(iter_webhook(source, body))
    problems = [r for r in records if isinstance(r, ImportProblem)]
    if problems:
        raise TicketsError(_("The event cannot be read."), {"body": "; ".join(str(p) for p in problems)})
    result = importer.import_records(records)
    if result.is_refused:
        raise TicketsError(_("The event cannot be read."), {"body": "; ".join(result.errors)})
    importer.log_import(result, source=source, via="webhook")
    refetch = False
    if (connection.is_sync_enabled and connection.base_url
            and any(isinstance(r, TicketEvent) for r in records)):
        refetch = True
    # The caller commits, then queues the re-fetch (qa.tickets.sync.schedule) when asked to.
    return {**result.as_dict(), "refetch": refetch}


# --- agent links ------------------------------------------------------------------------------

@dataclass
class AgentRow:
    link: AgentLink
    tickets: int
    solved: int = 0


def agent_rows(*, unlinked_only: bool = False, source: str | None = None) -> list[AgentRow]:
    """Return help-desk agents with their ticket counts, unlinked first, busiest first."""
    counts = (select(Ticket.source, Ticket.agent_external_id, func.count(Ticket.id).label("n"))
              .group_by(Ticket.source, Ticket.agent_external_id).subquery())
    query = (select(AgentLink, func.coalesce(counts.c.n, 0))
             .outerjoin(counts, (counts.c.source == AgentLink.source) & (counts.c.agent_external_id == AgentLink.external_id)))
    if unlinked_only:
        query = query.where(AgentLink.user_id.is_(None))
    if source:
        query = query.where(AgentLink.source == source)
    query = query.order_by(AgentLink.user_id.isnot(None), func.coalesce(counts.c.n, 0).desc(), AgentLink.source,
                           AgentLink.external_id)
    return [AgentRow(link, tickets) for link, tickets in db.session.execute(query)]


def unlinked_summary() -> tuple[int, int]:
    """Return (unlinked agents that have tickets, their tickets)."""
    row = db.session.execute(
        select(func.count(func.distinct(Ticket.source + ":" + Ticket.agent_external_id)), func.count(Ticket.id))
        .where(Ticket.agent_external_id.isnot(None), Ticket.agent_id.is_(None))).one()
    return int(row[0] or 0), int(row[1] or 0)


def link_agent(link: AgentLink, user: User | None, *, actor) -> int:
    """Link a help-desk agent to a person (None unlinks); attribute their history; return tickets moved."""
    if user is not None and not user.is_active_account:
        raise TicketsError(_("%(name)s is deactivated; choose an active person.", name=user.name),
                           {"user_id": _("Choose an active person.")})
    before = link.user_id
    link.user_id = user.id if user is not None else None
    link.linked_at = utcnow() if user is not None else None
    db.session.flush()
    moved = importer.attribute_history(link.source, link.external_id, link.user_id)
    audit.record(actor, "agent_link", link.id, "linked" if user is not None else "unlinked",
                 before={"user_id": before}, after={"user_id": link.user_id, "tickets": moved})
    return moved


def link_by_email(*, actor) -> int:
    """Link every unlinked agent whose e-mail is a person's; return how many were linked."""
    emails = {e.lower(): uid for uid, e in db.session.execute(
        select(User.id, User.email).where(User.is_active_account.is_(True)))}
    linked = 0
    for link in db.session.scalars(select(AgentLink).where(AgentLink.user_id.is_(None), AgentLink.email.isnot(None))):
        user_id = emails.get(link.email.lower())
        if user_id is not None:
            link_agent(link, db.session.get(User, user_id), actor=actor)
            linked += 1
    return linked


# --- category rules ---------------------------------------------------------------------------

def add_rule(*, source: str | None, kind: str, value: str, category: str, actor) -> CategoryRule:
    problems = {}
    if source and source not in SOURCES:
        problems["source"] = _("Choose a help desk or any.")
    if kind not in RULE_KINDS:
        problems["kind"] = _("Choose tag, type or subject.")
    value = (value or "").strip()
    if not value or len(value) > 200:
        problems["value"] = _("Give the tag, type or words to match (up to 200 characters).")
    from flask import current_app

    if category not in all_categories(current_app.config.get("SERVICECRAFT_EXTRA_CATEGORIES", ())):
        problems["category"] = _("Choose a category of the request taxonomy.")
    if problems:
        raise TicketsError(_("The rule was not added."), problems)
    position = (db.session.scalar(select(func.max(CategoryRule.position))) or 0) + 1
    rule = CategoryRule(source=source or None, kind=kind, value=value, category=category, position=position)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "category_rule", rule.id, "created",
                 after={"source": rule.source, "kind": kind, "value": value, "category": category})
    return rule


def delete_rule(rule: CategoryRule, *, actor) -> None:
    audit.record(actor, "category_rule", rule.id, "deleted",
                 before={"source": rule.source, "kind": rule.kind, "value": rule.value, "category": rule.category})
    db.session.delete(rule)
    db.session.flush()


def apply_rules(*, actor, only_uncategorised: bool = True) -> int:
    """Re-categorise stored tickets by the current rules; return how many changed."""
    rules = importer.load_rules()
    changed = 0
    query = select(Ticket)
    if only_uncategorised:
        query = query.where(Ticket.category.is_(None))
    for ticket in db.session.scalars(query.execution_options(yield_per=1000)):
        category = importer.category_for(rules, ticket.source, ticket.tags or (), ticket.ticket_type, ticket.subject)
        if category is not None and category != ticket.category:
            ticket.category = category
            changed += 1
    db.session.flush()
    if changed:
        audit.record(actor, "category_rule", 0, "applied", after={"tickets": changed})
    return changed


# --- the ticket browser -----------------------------------------------------------------------

@dataclass
class TicketFilter:
    agent_id: int | None = None
    unlinked: bool = False
    source: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    category: str | None = None
    csat: str | None = None
    reopened: bool | None = None
    status: str | None = None
    q: str = ""
    extra: dict = field(default_factory=dict)


def ticket_query(filters: TicketFilter, *, tz: str = "UTC"):
    """Return a select of tickets matching the filters (period by solve date in `tz`)."""
    from qa.tickets.reference import Period

    query = select(Ticket)
    if filters.agent_id:
        query = query.where(Ticket.agent_id == filters.agent_id)
    if filters.unlinked:
        query = query.where(Ticket.agent_id.is_(None), Ticket.agent_external_id.isnot(None))
    if filters.source:
        query = query.where(Ticket.source == filters.source)
    if filters.date_from or filters.date_to:
        start = filters.date_from or date(1970, 1, 1)
        end = filters.date_to or date(9998, 12, 31)
        if end >= start:
            first, after = Period.of(start, end, tz).bounds_utc()
            query = query.where(Ticket.solved_at >= first, Ticket.solved_at < after,
                                Ticket.status.in_(("solved", "closed")))
    if filters.category:
        query = query.where(Ticket.category == filters.category)
    if filters.csat == "unrated":
        query = query.where(Ticket.csat.is_(None))
    elif filters.csat:
        query = query.where(Ticket.csat == filters.csat)
    if filters.reopened is True:
        query = query.where(Ticket.reopens >= 1)
    elif filters.reopened is False:
        query = query.where(Ticket.reopens == 0)
    if filters.status:
        query = query.where(Ticket.status == filters.status)
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(or_(Ticket.external_id == filters.q, func.lower(Ticket.subject).like(like)))
    return query


# --- uploaded imports (run as a background job) -----------------------------------------------

def store_upload(stream, filename: str, *, source: str | None = None) -> str:
    """Check an uploaded export and keep it in servicecraft.storage for the import job; return its key.

    The check is the file's type (JSON, JSON Lines or CSV, by content; only CSV for the csv
    source, only JSON for the others), encoding (UTF-8) and size (IMPORT_MAX_BYTES); the
    importer reports problems in the rows. Raise TicketsError naming the problem, storing nothing.
    """
    from servicecraft import storage

    if source == "csv":
        kinds = (storage.CSV,)
    elif source:
        kinds = (storage.JSON, storage.JSON_LINES)
    else:
        kinds = (storage.JSON, storage.JSON_LINES, storage.CSV)
    try:
        stored = storage.save_import(stream, kinds=kinds, original_name=filename, folder="ticket-imports")
    except storage.UploadRefused as error:
        raise TicketsError(str(error), {"file": str(error)}) from error
    return stored.key


def run_import_file(key: str, *, source: str, tz: str | None, filename: str, actor_id: int | None,
                    progress=None) -> dict:
    """Import a stored upload; commits (a job's unit of work) and removes the file."""
    from qa.tickets.sources import iter_file
    from servicecraft import storage

    path = storage.path_of(key)
    try:
        result = importer.import_records(iter_file(source, path, tz=tz or None), filename=filename, progress=progress)
        if result.is_refused:
            db.session.rollback()
        else:
            db.session.commit()
        actor = db.session.get(User, actor_id) if actor_id else None
        importer.log_import(result, source=source, via="upload", actor=actor, filename=filename)
        db.session.commit()
    finally:
        storage.delete(key)
    return result.details()


from servicecraft.jobs import job  # noqa: E402


@job("tickets.import")
def import_job(ctx, key: str, source: str, tz: str | None, filename: str, actor_id: int | None, title: str = "") -> dict:
    """Background import of an uploaded export file."""
    ctx.progress(1, _("Reading %(name)s", name=filename))

    def progress(count: int) -> None:
        if count % 5000 == 0:
            ctx.progress(50, _("%(count)d tickets read", count=count))

    return run_import_file(key, source=source, tz=tz, filename=filename, actor_id=actor_id, progress=progress)
