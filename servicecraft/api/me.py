"""GET /api/v1/me: who the token acts for."""

from __future__ import annotations

import functools

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from servicecraft import audit
from servicecraft.api.schemas import ErrorSchema
from servicecraft.extensions import db
from servicecraft.people.services import LANGUAGES
from servicecraft.permissions import require, signed_in

blp = Blueprint("api_me", __name__, url_prefix="/me", description="The person a token acts for")


class MeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    language = ma.fields.String(required=True)
    timezone = ma.fields.String(required=True)
    branch = ma.fields.String(allow_none=True, required=True)
    team = ma.fields.String(allow_none=True, required=True)
    is_newhire = ma.fields.Boolean(required=True)
    mentor = ma.fields.String(allow_none=True, required=True)


class MePatchSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    language = ma.fields.String(validate=ma.validate.OneOf(LANGUAGES))
    timezone = ma.fields.String(validate=lambda tz: _known_timezone(tz))


@functools.cache
def _timezones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    from zoneinfo import available_timezones

    return frozenset(available_timezones())


def _known_timezone(value: str) -> None:
    # marshmallow 4 ignores a validator's return value: refuse by raising.
    if value not in _timezones():
        raise ma.ValidationError(_("Choose a time zone such as Europe/Moscow."))


@blp.route("")
class Me(MethodView):
    decorators = [require(signed_in)]

    @blp.response(200, MeSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid token")
    def get(self):
        return _describe(current_user)

    @blp.arguments(MePatchSchema)
    @blp.response(200, MeSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid token")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid values")
    def patch(self, changes):
        """Change your own language or time zone."""
        user = current_user._get_current_object()
        before = {"language": user.language, "timezone": user.timezone}
        for key, value in changes.items():
            setattr(user, key, value)
        old, new = audit.changes(before, {"language": user.language, "timezone": user.timezone})
        if new:
            audit.record(user, "user", user.id, "preferences_changed", before=old, after=new)
        db.session.commit()
        return _describe(user)


def _describe(user) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "roles": sorted(user.roles),
        "language": user.language,
        "timezone": user.timezone,
        "branch": user.branch.code if user.branch else None,
        "team": user.team.name if user.team else None,
        "is_newhire": user.is_newhire,
        "mentor": user.mentor.email if user.mentor else None,
    }
