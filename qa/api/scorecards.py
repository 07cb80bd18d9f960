"""/api/v1/scorecards: scorecard rows for BI tools, scoped by role.

Managers and admins see every agent, mentors their mentees, agents only themselves;
shoppers get 403. ``from`` and ``to`` (YYYY-MM-DD) are required; ``team`` (name or id) and
``branch`` (code, name or id) narrow the list.
"""

from __future__ import annotations

import marshmallow as ma
from flask import jsonify, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from qa.scorecards import services
from qa.scorecards.services import EXPORT_KEYS, ScorecardError
from servicecraft.api.schemas import ErrorSchema
from servicecraft.errors import json_error
from servicecraft.permissions import require, role

blp = Blueprint("api_scorecards", __name__, url_prefix="/scorecards", description="Scorecard rows for BI tools")

can_see_scorecards = role("admin", "manager", "mentor", "agent")


ScorecardRowSchema = ma.Schema.from_dict({
    "agent": ma.fields.String(required=True, metadata={"description": "e-mail"}),
    "name": ma.fields.String(required=True),
    **{key: (ma.fields.Integer(required=True) if key == "tickets_solved"
             else ma.fields.Float(required=True, allow_none=True)) for key in EXPORT_KEYS[2:]},
}, name="ScorecardRow")


class ScorecardQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    from_ = ma.fields.String(data_key="from", required=True, metadata={"description": "YYYY-MM-DD"})
    to = ma.fields.String(required=True, metadata={"description": "YYYY-MM-DD"})
    team = ma.fields.String(metadata={"description": "team name or id"})
    branch = ma.fields.String(metadata={"description": "branch code, name or id"})


@blp.route("")
class Scorecards(MethodView):
    decorators = [require(can_see_scorecards)]

    @blp.doc(parameters=[{"in": "query", "name": n, "schema": {"type": "string"}, "required": n in ("from", "to")}
                         for n in ("from", "to", "team", "branch")])
    @blp.response(200, ScorecardRowSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid token")
    @blp.alt_response(403, schema=ErrorSchema, description="Shoppers see no scorecards")
    @blp.alt_response(422, schema=ErrorSchema, description="Bad dates, a period ending before it starts, unknown team or branch")
    def get(self):
        """One scorecard row per agent the token's person may see (agent, name, every key of metrics.md)."""
        args = request.args
        problems = {name: _("%(field)s is required (YYYY-MM-DD).", field=name)
                    for name in ("from", "to") if not args.get(name)}
        if problems:
            return json_error(422, _("Give the period as from and to."), problems)
        try:
            period = services.parse_period(args["from"], args["to"])
            team = services.resolve_team(args.get("team"))
            branch = services.resolve_branch(args.get("branch"))
        except ScorecardError as error:
            return json_error(422, str(error), error.problems)
        rows = services.scorecards(period, team_id=team.id if team else None,
                                   branch_id=branch.id if branch else None, viewer=current_user)
        return jsonify([services.row_as_export(row) for row in rows])
