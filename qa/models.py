"""Every model of the qa package, imported together so Alembic sees them all."""

from qa.tickets.models import AgentLink, Ticket  # noqa: F401
