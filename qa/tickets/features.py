"""Navigation links, dashboard panels and demo steps of qa.tickets (registered on import)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

import qa.tickets.services  # noqa: F401 - registers the import job
import qa.tickets.sync  # noqa: F401 - registers the sync job
from qa.tickets import importer, services
from qa.tickets.models import AgentLink, HelpdeskConnection, SurveyResponse, Ticket
from qa.tickets.normalize import CategoryHints, NormalizedAgent, NormalizedTicket
from servicecraft import cache, demo
from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.templating import nav_item

nav_item("qa.tickets.index", _l("Tickets"), roles=("admin", "manager"), order=62)


# The same for every manager; counting every ticket is a scan of the biggest table.
STATUS = cache.namespace("qa.tickets.status", tables=("qa_ticket", "qa_ticket_import", "qa_helpdesk_connection"))


@panel("tickets-status", roles=("admin", "manager"), template="qa/tickets/panel_status.html", order=30)
def status_panel(user) -> dict | None:
    return cache.cached(STATUS, ("status",), _status)


def _status() -> dict | None:
    """Return the panel's figures as plain data (the cache keeps them until a commit changes them)."""
    tickets = db.session.scalar(select(func.count(Ticket.id))) or 0
    last = importer.last_import()
    connections = db.session.scalars(select(HelpdeskConnection)).all()
    if not tickets and last is None and not connections:
        return None
    agents, unlinked = services.unlinked_summary()
    shown_last = None if last is None else {"via": last.via, "source": last.source, "finished_at": last.finished_at,
                                            "is_refused": last.is_refused}
    return {"tickets": tickets, "last": shown_last, "unlinked_agents": agents, "unlinked_tickets": unlinked,
            "connections": [{"source": c.source, "last_sync_error": c.last_sync_error} for c in connections]}


# --- demo ------------------------------------------------------------------------------------

DEMO_SOURCE = "zendesk"
DEMO_DAYS = 91
CHANNELS = (("email", 35), ("web", 20), ("chat", 25), ("phone", 15), ("social", 5))
CATEGORIES = (("payment/refund", 14), ("payment/billing-error", 10), ("order/delivery", 16), ("order/return", 9),
              ("technical/connection", 12), ("technical/software-error", 9), ("product/information", 12),
              ("service/wait-time", 6), ("complaint/staff-behaviour", 3), ("access/resource", 9))
# Per-agent flavour: (tickets per working day, share of slow first replies, positive CSAT share).
PROFILES = ((5, 0.04, 0.86), (4, 0.08, 0.78), (6, 0.03, 0.9), (3, 0.15, 0.7), (4, 0.06, 0.82))


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def demo_tickets(agents: list, today, seed: int = 7) -> list:
    """Return three months of normalised tickets (and the agents) for the demo, reproducibly."""
    rng = random.Random(seed)
    records: list = []
    number = 100000
    for index, user in enumerate(agents):
        external = f"demo-{index + 1}"
        records.append(NormalizedAgent(DEMO_SOURCE, external, user.email, user.name))
        per_day, slow_share, happy = PROFILES[index % len(PROFILES)]
        for day in range(DEMO_DAYS, 0, -1):
            moment = today - timedelta(days=day)
            if moment.weekday() >= 5 and rng.random() < 0.7:
                continue
            for _n in range(max(0, int(rng.gauss(per_day, 1.2)))):
                number += 1
                created = datetime.combine(moment, time(8), UTC) + timedelta(minutes=rng.randint(0, 600))
                if rng.random() < slow_share:
                    first_reply = rng.uniform(1441, 3600)  # the 24-hour rule broken
                else:
                    first_reply = round(rng.lognormvariate(3.3, 1.1), 1) % 1400
                resolution = first_reply + rng.lognormvariate(5.5, 1.0)
                reopens = 1 if rng.random() < 0.07 else 0
                replies = 1 if rng.random() < 0.55 else rng.randint(2, 5)
                solved_at = created + timedelta(minutes=resolution)
                is_open = solved_at.date() >= today
                csat = None
                if not is_open and rng.random() < 0.35:
                    roll = rng.random()
                    csat = "positive" if roll < happy else ("neutral" if roll < happy + 0.04 else "negative")
                channel = _pick(rng, CHANNELS)
                category = _pick(rng, CATEGORIES)
                status = "open" if is_open else rng.choice(("solved", "closed", "closed"))
                records.append(NormalizedTicket(
                    source=DEMO_SOURCE, external_id=str(number),
                    source_updated_at=(created if is_open else solved_at) + timedelta(minutes=1),
                    agent_external_id=external, group_external_id=user.team.name if user.team else None,
                    channel=channel, priority=rng.choice(("low", "normal", "normal", "high", "urgent")),
                    status=status, category=category, created_at=created,
                    first_reply_at=created + timedelta(minutes=first_reply), solved_at=None if is_open else solved_at,
                    first_reply_minutes=first_reply, resolution_minutes=None if is_open else round(resolution, 1),
                    reopens=reopens, agent_replies=replies, csat=csat,
                    raw={"demo": True, "id": number}, category_hints=CategoryHints((category.split("/")[0],), None,
                                                                                    f"Demo request {number}")))
    return records


@demo.step(45)
def demo_step(ctx: dict) -> str:
    users = ctx.get("users", {})
    agents = [u for email, u in sorted(users.items()) if u.has_role("agent") and u.live_since is not None]
    if not agents:
        return ""
    result = importer.import_records(demo_tickets(agents, ctx["today"]))
    # A few survey answers, once per ticket (fixed nonces keep the step re-runnable).
    rng = random.Random(11)
    solved = db.session.scalars(select(Ticket).where(Ticket.source == DEMO_SOURCE, Ticket.solved_at.isnot(None),
                                                     Ticket.agent_id.isnot(None)).order_by(Ticket.id)).all()
    known = set(db.session.scalars(select(SurveyResponse.nonce).where(SurveyResponse.nonce.like("demo:%"))))
    for ticket in solved[::9]:
        nonce = f"demo:{ticket.external_id}"
        if nonce in known:
            continue
        db.session.add(SurveyResponse(
            nonce=nonce, ticket_id=ticket.id, source=ticket.source, ticket_external_id=ticket.external_id,
            agent_external_id=ticket.agent_external_id, agent_id=ticket.agent_id,
            csat=rng.choices((5, 4, 3, 2, 1), (50, 25, 12, 8, 5))[0],
            nps=rng.choices(range(11), (2, 1, 1, 2, 2, 3, 4, 8, 15, 25, 37))[0],
            ces=rng.choices(range(1, 8), (3, 4, 6, 10, 20, 27, 30))[0], language="en",
            answered_at=ticket.solved_at + timedelta(hours=rng.randint(1, 48))))
    db.session.flush()
    links = db.session.scalar(select(func.count(AgentLink.id)).where(AgentLink.source == DEMO_SOURCE)) or 0
    return (f"tickets: {result.created} new, {result.updated} updated, {result.unchanged} unchanged; "
            f"{links} agent links")
