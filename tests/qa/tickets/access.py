"""Who may open each route of qa.tickets (merged into tests/qa/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

ADMIN = frozenset({"admin"})
MANAGERS = frozenset({"admin", "manager"})
# Webhooks authenticate by the help desk's HMAC signature, never by a role: the matrix sends
# no signature, so every role (and nobody signed in) gets 401.
NOBODY_UNSIGNED = frozenset()

EXPECTED: dict = {
    "qa.tickets.index": MANAGERS,
    "qa.tickets.show": MANAGERS,
    "qa.tickets.import_file": MANAGERS,
    "qa.tickets.import_surveys": MANAGERS,
    "qa.tickets.agents": ADMIN,
    "qa.tickets.link_agent": ADMIN,
    "qa.tickets.link_by_email": ADMIN,
    "qa.tickets.connections": ADMIN,
    "qa.tickets.connection_new": ADMIN,
    "qa.tickets.connection_edit": ADMIN,
    "qa.tickets.connection_sync": ADMIN,
    "qa.tickets.rules": ADMIN,
    "qa.tickets.rule_delete": ADMIN,
    "qa.tickets.survey": PUBLIC,
    "api_tickets.Tickets": MANAGERS,
    "api_webhooks.Webhook": NOBODY_UNSIGNED,
}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    from datetime import UTC, datetime

    from qa.tickets.models import AgentLink, CategoryRule, HelpdeskConnection, Ticket
    from servicecraft.extensions import db

    moment = datetime(2024, 3, 1, 9, tzinfo=UTC)
    ticket = Ticket(source="zendesk", external_id="matrix-1", source_updated_at=moment, status="solved",
                    channel="email", created_at=moment, solved_at=moment, agent_external_id="m-1")
    link = AgentLink(source="zendesk", external_id="m-1", email="m1@example.test")
    connection = HelpdeskConnection(source="freshdesk", base_url="https://example.freshdesk.com",
                                    webhook_secret="matrix-secret")
    rule = CategoryRule(kind="tag", value="refund", category="payment/refund", position=1)
    db.session.add_all([ticket, link, connection, rule])
    db.session.commit()
    return {"ticket_id": ticket.id, "link_id": link.id, "connection_id": connection.id, "rule_id": rule.id,
            "source": "zendesk"}
