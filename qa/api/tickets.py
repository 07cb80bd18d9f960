"""/api/v1/tickets: Ticket imports from help desks."""

from __future__ import annotations

import json

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from servicecraft.api.schemas import ErrorSchema
from servicecraft.errors import json_error
from servicecraft.extensions import db
from servicecraft.permissions import is_manager, require

blp = Blueprint("api_tickets", __name__, url_prefix="/tickets", description="Ticket imports from help desks")

API_SOURCES = ("zendesk", "freshdesk", "zammad", "normalized")


class ImportResultSchema(ma.Schema):
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    stale = ma.fields.Integer(required=True)
    errors = ma.fields.List(ma.fields.String(), required=True)


@blp.route("")
class Tickets(MethodView):
    decorators = [require(is_manager)]

    @blp.response(200, ImportResultSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid token")
    @blp.alt_response(403, schema=ErrorSchema, description="Only managers and admins import tickets")
    @blp.alt_response(422, schema=ErrorSchema, description="A record is bad; nothing was imported")
    def post(self):
        """Import what a help desk's export or API returned (`?source=zendesk|freshdesk|zammad|normalized`).

        Same rules as `servicecraft tickets import`: a body with any bad record imports nothing.
        """
        from qa.tickets import importer
        from qa.tickets.sources import iter_payload

        source = request.args.get("source", "")
        if source not in API_SOURCES:
            return json_error(400, _("Choose the source: one of %(sources)s.", sources=", ".join(API_SOURCES)),
                              {"source": _("This is not a ticket source.")})
        raw = request.get_data(cache=False)
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):
            return json_error(400, _("The body is not JSON."), {"body": _("Send the JSON the help desk returned.")})
        result = importer.import_records(iter_payload(source, payload))
        if result.is_refused:
            db.session.rollback()
            importer.log_import(result, source=source, via="api", actor=current_user)
            db.session.commit()
            response = json_error(422, _("Nothing was imported: correct these records and send them again."),
                                  {"records": "; ".join(result.errors[:20])})
            body = response.get_json()
            body.update(result.as_dict())
            response.set_data(json.dumps(body))
            return response
        importer.log_import(result, source=source, via="api", actor=current_user)
        db.session.commit()
        return result.as_dict()
