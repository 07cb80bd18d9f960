"""/api/v1/webhooks: Signed ticket events from help desks."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from servicecraft.api.schemas import ErrorSchema
from servicecraft.errors import json_error
from servicecraft.extensions import db
from servicecraft.permissions import public

blp = Blueprint("api_webhooks", __name__, url_prefix="/webhooks", description="Signed ticket events from help desks")


@blp.route("/<source>")
class Webhook(MethodView):
    # Help desks cannot send our bearer tokens: the HMAC signature under the connection's
    # signing secret is the authentication, checked before anything is read or changed.
    decorators = [public]

    @blp.alt_response(200, description="The event was applied")
    @blp.alt_response(401, schema=ErrorSchema, description="Unsigned, wrongly signed or stale; nothing changed")
    @blp.alt_response(422, schema=ErrorSchema, description="Signed, but the event is not readable")
    def post(self, source: str):
        """One ticket event: Zendesk's signature scheme for `zendesk`, X-Servicecraft-Signature otherwise."""
        from qa.tickets import services

        body = request.get_data(cache=False)
        try:
            outcome = services.receive_webhook(source, body, request.headers)
        except services.WebhookRefused as error:
            db.session.rollback()
            return json_error(401, error.message)
        except services.TicketsError as error:
            db.session.rollback()
            return json_error(422, error.message, error.fields)
        db.session.commit()
        if outcome.get("refetch"):
            from qa.tickets import services as _services
            from qa.tickets import sync

            sync.schedule(_services.connection_for(source))
        return outcome
