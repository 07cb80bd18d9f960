"""/api/v1/tickets: Ticket imports from help desks."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_tickets", __name__, url_prefix="/tickets", description="Ticket imports from help desks")
