"""Store normalised records in the database in batches (the CLI, upload, API and sync all use it).

Rules (metrics.md): tickets are unique by (source, external_id); a version whose
`source_updated_at` is older than the stored one is skipped (stale); the same version again
is unchanged. Agents are linked to people by e-mail. A file with any problem imports
nothing: the importer stops writing at the first problem, keeps reading to name more, and
the caller rolls the transaction back. Writes go out in chunks (executemany), so a big file
streams through in constant memory. Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from sqlalchemy import and_, delete, func, or_, select, text, update

from qa.tickets.models import AgentLink, CategoryRule, Ticket, TicketImport, TicketRating
from qa.tickets.normalize import (
    DeletedTicket,
    ImportProblem,
    NormalizedAgent,
    NormalizedRating,
    NormalizedTicket,
    Record,
    TicketEvent,
)
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User

CHUNK = 1000
MAX_ERRORS = 100
# The normalised fields compared to tell "unchanged" from "updated".
COMPARED = ("source_updated_at", "agent_external_id", "group_external_id", "channel", "priority", "status",
            "category", "subject", "tags", "ticket_type", "created_at", "first_reply_at", "solved_at",
            "first_reply_minutes", "resolution_minutes", "reopens", "agent_replies", "csat", "agent_id")
WRITTEN = (*COMPARED, "raw", "imported_at")


@dataclass
class ImportResult:
    """What an import did; `as_dict` is the CLI's and API's JSON (interfaces.md)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    deleted: int = 0
    agents: int = 0
    linked: int = 0
    ratings: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "stale": self.stale, "errors": list(self.errors)}

    def details(self) -> dict:
        return {**self.as_dict(), "deleted": self.deleted, "agents": self.agents, "linked": self.linked,
                "ratings": self.ratings}

    @property
    def is_refused(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class Rule:
    source: str | None
    kind: str
    value: str
    category: str


def load_rules() -> list[Rule]:
    """Return the category rules in the order they are tried."""
    rows = db.session.scalars(select(CategoryRule).order_by(CategoryRule.position, CategoryRule.id))
    return [Rule(r.source, r.kind, r.value.strip().lower(), r.category) for r in rows]


def category_for(rules: list[Rule], source: str, tags: Iterable[str], ticket_type: str | None,
                 subject: str | None = None) -> str | None:
    """Return the category of the first rule matching the ticket's tags or type, else None."""
    lowered = {t.lower() for t in tags}
    kind_value = (ticket_type or "").strip().lower()
    subject_text = (subject or "").lower()
    for rule in rules:
        if rule.source not in (None, source):
            continue
        if rule.kind == "tag" and rule.value in lowered:
            return rule.category
        if rule.kind == "type" and kind_value and rule.value == kind_value:
            return rule.category
        if rule.kind == "subject" and rule.value and rule.value in subject_text:
            return rule.category
    return None


# Key of the PostgreSQL advisory lock that lets one ticket import write at a time.
IMPORT_LOCK_KEY = 7_310_052


def serialise_imports() -> None:
    """Hold, until this transaction ends, the lock every import takes first (PostgreSQL only).

    Two imports of the same file at once would both find a ticket missing and both insert it
    (a unique violation for the second). With the lock the second waits for the first to
    commit or roll back, then reads what it left and finds those tickets unchanged. SQLite
    needs nothing: it lets one writer at a time anyway.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})


class Importer:
    """Feed it records (`feed`), then `finish()`; the caller commits or rolls back."""

    def __init__(self, *, progress: Callable[[int], None] | None = None, max_errors: int = MAX_ERRORS,
                 filename: str | None = None) -> None:
        serialise_imports()
        self.result = ImportResult()
        self.progress = progress
        self.max_errors = max_errors
        self.filename = filename
        self.rules = load_rules()
        self._tickets: dict[tuple[str, str], NormalizedTicket] = {}
        self._ratings: dict[tuple[str, str, str], NormalizedRating] = {}
        self._deleted: list[DeletedTicket] = []
        self._agents: dict[tuple[str, str], NormalizedAgent] = {}
        self._links: dict[tuple[str, str], int | None] = {
            (source, ext): user_id
            for source, ext, user_id in db.session.execute(
                select(AgentLink.source, AgentLink.external_id, AgentLink.user_id))
        }
        self._emails: dict[str, int] | None = None
        self._newly_linked: dict[tuple[str, str], int] = {}
        self._seen = 0

    # -- feeding ------------------------------------------------------------------------------
    @property
    def is_refusing(self) -> bool:
        return bool(self.result.errors)

    def feed(self, records: Iterable[Record]) -> ImportResult:
        """Read every record; stop once `max_errors` problems are known."""
        for record in records:
            if isinstance(record, ImportProblem):
                self.result.errors.append(record.text(self.filename))
                self._tickets.clear()
                self._agents.clear()
                self._ratings.clear()
                self._deleted.clear()
                if len(self.result.errors) >= self.max_errors:
                    break
                continue
            if self.is_refusing:
                continue  # keep reading only to name further problems
            if isinstance(record, NormalizedTicket):
                key = (record.source, record.external_id)
                known = self._tickets.get(key)
                if known is None or record.source_updated_at >= known.source_updated_at:
                    self._tickets[key] = record
                self._seen += 1
                if len(self._tickets) >= CHUNK:
                    self._flush()
                if self.progress and self._seen % 100 == 0:
                    self.progress(self._seen)
            elif isinstance(record, NormalizedAgent):
                self._agents[(record.source, record.external_id)] = record
            elif isinstance(record, NormalizedRating):
                self._ratings[(record.source, record.ticket_external_id, record.external_id or "ticket")] = record
                if len(self._ratings) >= CHUNK:
                    self._flush()
            elif isinstance(record, DeletedTicket):
                self._deleted.append(record)
            elif isinstance(record, TicketEvent):
                apply_event(record, self.result, self)
        return self.result

    def finish(self) -> ImportResult:
        """Write what is buffered and attribute the history of agents linked by this import."""
        if not self.is_refusing:
            self._flush()
            for (source, ext), user_id in self._newly_linked.items():
                attribute_history(source, ext, user_id)
        if self.progress:
            self.progress(self._seen)
        return self.result

    # -- agents -------------------------------------------------------------------------------
    def _user_by_email(self, email: str | None) -> int | None:
        if not email:
            return None
        if self._emails is None:
            self._emails = {e.lower(): uid for uid, e in db.session.execute(
                select(User.id, User.email).where(User.is_active_account.is_(True)))}
        return self._emails.get(email.strip().lower())

    def _flush_agents(self) -> None:
        """Upsert the buffered agents in one query and link new ones to people by e-mail."""
        pending, self._agents = self._agents, {}
        by_source: dict[str, list[NormalizedAgent]] = {}
        for agent in pending.values():
            by_source.setdefault(agent.source, []).append(agent)
        for source, agents in by_source.items():
            known = {link.external_id: link for link in db.session.scalars(select(AgentLink).where(
                AgentLink.source == source, AgentLink.external_id.in_([a.external_id for a in agents])))}
            for agent in agents:
                key = (agent.source, agent.external_id)
                link = known.get(agent.external_id)
                has_history = link is not None
                if link is None:
                    link = AgentLink(source=agent.source, external_id=agent.external_id)
                    db.session.add(link)
                    self.result.agents += 1
                if agent.email and link.email != agent.email:
                    link.email = agent.email
                if agent.name and link.name != agent.name:
                    link.name = agent.name
                if link.user_id is None:
                    user_id = self._user_by_email(agent.email)
                    if user_id is not None:
                        link.user_id, link.linked_at = user_id, utcnow()
                        if has_history:
                            # A link created just now has no stored tickets: every ticket
                            # creates its agent's link first (_ensure_links), so history can
                            # only hang on a link that already existed.
                            self._newly_linked[key] = user_id
                        self.result.linked += 1
                self._links[key] = link.user_id
        db.session.flush()

    def _ensure_links(self, keys: set[tuple[str, str]]) -> None:
        """Create an (unlinked) agent link for every help-desk agent seen for the first time."""
        new = [{"source": s, "external_id": e} for s, e in keys if (s, e) not in self._links]
        if new:
            db.session.execute(AgentLink.__table__.insert(), new)
            for row in new:
                self._links[(row["source"], row["external_id"])] = None
            self.result.agents += len(new)

    # -- tickets ------------------------------------------------------------------------------
    def _row(self, ticket: NormalizedTicket, now: datetime) -> dict:
        category = ticket.category
        if category is None and self.rules:
            category = category_for(self.rules, ticket.source, ticket.tags, ticket.ticket_type, ticket.subject)
        agent_id = self._links.get((ticket.source, ticket.agent_external_id)) if ticket.agent_external_id else None
        subject = ticket.subject[:500] if ticket.subject else None
        return {
            "source_updated_at": ticket.source_updated_at, "agent_external_id": ticket.agent_external_id,
            "group_external_id": ticket.group_external_id, "channel": ticket.channel, "priority": ticket.priority,
            "status": ticket.status, "category": category, "subject": subject,
            "tags": list(ticket.tags) or None, "ticket_type": (ticket.ticket_type or None) and ticket.ticket_type[:64],
            "created_at": ticket.created_at, "first_reply_at": ticket.first_reply_at, "solved_at": ticket.solved_at,
            "first_reply_minutes": ticket.first_reply_minutes, "resolution_minutes": ticket.resolution_minutes,
            "reopens": ticket.reopens, "agent_replies": ticket.agent_replies, "csat": ticket.csat,
            "agent_id": agent_id, "raw": ticket.raw, "imported_at": now,
        }

    def _flush(self) -> None:
        if self._agents:
            self._flush_agents()
        if self._tickets:
            self._flush_tickets()
        if self._ratings:
            self._flush_ratings()
        if self._deleted:
            self._flush_deleted()

    def _flush_tickets(self) -> None:
        pending, self._tickets = self._tickets, {}
        self._ensure_links({(t.source, t.agent_external_id) for t in pending.values() if t.agent_external_id})
        by_source: dict[str, list[NormalizedTicket]] = {}
        for ticket in pending.values():
            by_source.setdefault(ticket.source, []).append(ticket)
        table = Ticket.__table__
        columns = [table.c[name] for name in COMPARED]
        inserts, updates = [], []
        now = utcnow()
        for source, tickets in by_source.items():
            existing = {
                row[0]: row
                for row in db.session.execute(
                    select(table.c.external_id, table.c.id, *columns).where(
                        table.c.source == source, table.c.external_id.in_([t.external_id for t in tickets])))
            }
            for ticket in tickets:
                row = self._row(ticket, now)
                known = existing.get(ticket.external_id)
                if known is None:
                    inserts.append({"source": source, "external_id": ticket.external_id, **row})
                    self.result.created += 1
                    continue
                stored_at = known[2]
                if ticket.source_updated_at < stored_at:
                    self.result.stale += 1
                    continue
                if all(_same(row[name], known[2 + i]) for i, name in enumerate(COMPARED)):
                    self.result.unchanged += 1
                    continue
                updates.append({"id": known[1], **{name: row[name] for name in WRITTEN}})
                self.result.updated += 1
        if inserts:
            insert_many(Ticket.__table__, inserts)
        if updates:
            db.session.execute(update(Ticket), updates)

    def _flush_ratings(self) -> None:
        pending, self._ratings = self._ratings, {}
        keys = list(pending)
        table = TicketRating.__table__
        existing: dict[tuple[str, str, str], tuple] = {}
        for source in {k[0] for k in keys}:
            tickets = [k[1] for k in keys if k[0] == source]
            for row in db.session.execute(
                    select(table.c.source, table.c.ticket_external_id, table.c.rating_key, table.c.id, table.c.rated_at,
                           table.c.csat, table.c.agent_external_id)
                    .where(table.c.source == source, table.c.ticket_external_id.in_(tickets))):
                existing[(row[0], row[1], row[2])] = row
        inserts, updates = [], []
        for key, rating in pending.items():
            values = {"agent_external_id": rating.agent_external_id, "csat": rating.csat, "rated_at": rating.rated_at}
            known = existing.get(key)
            if known is None:
                inserts.append({"source": key[0], "ticket_external_id": key[1], "rating_key": key[2], **values,
                                "imported_at": utcnow()})
            elif (known[4] is None or rating.rated_at is None or rating.rated_at >= known[4]) and (
                    known[5], known[6], known[4]) != (rating.csat, rating.agent_external_id, rating.rated_at):
                updates.append({"id": known[3], **values})
            else:
                continue
            self.result.ratings += 1
        self._ensure_links({(r.source, r.agent_external_id) for r in pending.values() if r.agent_external_id})
        if inserts:
            db.session.execute(TicketRating.__table__.insert(), inserts)
        if updates:
            db.session.execute(update(TicketRating), updates)

    def _flush_deleted(self) -> None:
        pending, self._deleted = self._deleted, []
        for gone in pending:
            condition = and_(Ticket.source == gone.source, Ticket.external_id == gone.external_id)
            if gone.deleted_at is not None:
                condition = and_(condition, Ticket.source_updated_at <= gone.deleted_at)
            self.result.deleted += db.session.execute(
                delete(Ticket).where(condition).execution_options(synchronize_session=False)).rowcount or 0


def insert_many(table, rows: list[dict]) -> None:
    """Insert *rows* (dicts with the same keys) with the driver's executemany.

    The same rows and values as ``session.execute(table.insert(), rows)``: the statement is
    compiled by SQLAlchemy and every value goes through its column type's bind processor.
    What is skipped is SQLAlchemy's per-row parameter assembly, a third of a big import's time.
    """
    if not rows:
        return
    connection = db.session.connection()
    sql, names, converters, positional = _compiled_insert(table, connection.dialect, tuple(rows[0]))
    values_of = itemgetter(*names)
    params = []
    for row in rows:
        values = list(values_of(row))
        for index, convert in converters:
            values[index] = convert(values[index])
        params.append(tuple(values) if positional else dict(zip(names, values)))
    connection.exec_driver_sql(sql, params)


_COMPILED: dict[tuple, tuple] = {}


def _compiled_insert(table, dialect, keys: tuple[str, ...]) -> tuple:
    """The INSERT's SQL text, parameter names in order, converters and paramstyle, compiled once."""
    cache_key = (table.fullname, dialect.name, dialect.paramstyle, keys)
    found = _COMPILED.get(cache_key)
    if found is None:
        compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
        names = list(compiled.positiontup or compiled.binds)
        converters = [(index, convert) for index, name in enumerate(names)
                      if (convert := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))]
        found = _COMPILED[cache_key] = (compiled.string, names, converters, bool(compiled.positiontup))
    return found


def _same(new, old) -> bool:
    if isinstance(new, float) or isinstance(old, float):
        return new is not None and old is not None and float(new) == float(old)
    return new == old


def import_records(records: Iterable[Record], *, progress: Callable[[int], None] | None = None,
                   filename: str | None = None) -> ImportResult:
    """Import a stream of records; on any problem the result has errors and the caller rolls back."""
    importer = Importer(progress=progress, filename=filename)
    importer.feed(records)
    return importer.finish()


def attribute_history(source: str, external_id: str, user_id: int | None) -> int:
    """Give every ticket of a help-desk agent to `user_id` (None: unlinked); return how many changed."""
    condition = and_(Ticket.source == source, Ticket.agent_external_id == external_id)
    if user_id is None:
        condition = and_(condition, Ticket.agent_id.isnot(None))
    else:
        condition = and_(condition, or_(Ticket.agent_id.is_(None), Ticket.agent_id != user_id))
    moved = db.session.execute(update(Ticket).where(condition).values(agent_id=user_id)
                               .execution_options(synchronize_session=False)).rowcount or 0
    from qa.tickets.models import SurveyResponse

    db.session.execute(update(SurveyResponse).where(SurveyResponse.source == source,
                                                    SurveyResponse.agent_external_id == external_id)
                       .values(agent_id=user_id).execution_options(synchronize_session=False))
    return moved


def apply_event(event: TicketEvent, result: ImportResult, importer: Importer | None = None) -> Ticket | None:
    """Apply a webhook's partial update (status, assignee, group) unless the ticket is newer."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.source == event.source,
                                                    Ticket.external_id == event.external_id))
    links = importer._links if importer else None
    agent_id = None
    if event.agent_external_id:
        if links is not None:
            importer._ensure_links({(event.source, event.agent_external_id)})
            agent_id = links.get((event.source, event.agent_external_id))
        else:
            link = db.session.scalar(select(AgentLink).where(AgentLink.source == event.source,
                                                             AgentLink.external_id == event.agent_external_id))
            if link is None:
                db.session.add(AgentLink(source=event.source, external_id=event.agent_external_id))
                result.agents += 1
            else:
                agent_id = link.user_id
    if ticket is None:
        if event.status is None:
            result.unchanged += 1
            return None
        ticket = Ticket(source=event.source, external_id=event.external_id, source_updated_at=event.occurred_at,
                        status=event.status, channel="other", agent_external_id=event.agent_external_id,
                        agent_id=agent_id, group_external_id=event.group_external_id, raw=event.raw)
        db.session.add(ticket)
        db.session.flush()
        result.created += 1
        return ticket
    if event.occurred_at < ticket.source_updated_at:
        result.stale += 1
        return ticket
    before = (ticket.status, ticket.agent_external_id, ticket.group_external_id)
    if event.status is not None:
        ticket.status = event.status
    ticket.agent_external_id = event.agent_external_id
    ticket.agent_id = agent_id
    ticket.group_external_id = event.group_external_id
    if before == (ticket.status, ticket.agent_external_id, ticket.group_external_id):
        result.unchanged += 1
    else:
        ticket.source_updated_at = event.occurred_at
        result.updated += 1
    db.session.flush()
    return ticket


def log_import(result: ImportResult, *, source: str, via: str, actor=None, filename: str | None = None) -> TicketImport:
    """Record an import run for the status panel and the import page."""
    entry = TicketImport(source=source, via=via, filename=(filename or None) and filename[-300:],
                         actor_id=getattr(actor, "id", None), result=result.details(),
                         is_refused=result.is_refused, finished_at=utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


def last_import() -> TicketImport | None:
    return db.session.scalar(select(TicketImport).order_by(TicketImport.finished_at.desc(), TicketImport.id.desc())
                             .limit(1))


def newest_source_time(source: str) -> datetime | None:
    return db.session.scalar(select(func.max(Ticket.source_updated_at)).where(Ticket.source == source))
