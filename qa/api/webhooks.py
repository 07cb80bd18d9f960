"""/api/v1/webhooks: Signed ticket events from help desks."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_webhooks", __name__, url_prefix="/webhooks", description="Signed ticket events from help desks")
