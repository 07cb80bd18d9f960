"""The JSON API under /api/v1: flask-smorest blueprints, bearer tokens, JSON errors.

Each resource lives in its own module with a flask-smorest ``Blueprint`` named ``api_*``;
the schemas that validate requests also generate ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from flask import g, request
from flask_login import AnonymousUserMixin
from flask_smorest import Api as SmorestApi

API_PREFIX = "/api/v1"


class Api(SmorestApi):
    """flask-smorest's Api, leaving error pages to the app (it would answer every error in JSON)."""

    from servicecraft.api.schemas import ErrorSchema as ERROR_SCHEMA  # noqa: N811

    def _register_error_handlers(self):
        return None


def api_blueprints():
    """Every API blueprint of every package, in registration order."""
    import qa.api
    import training.api
    from servicecraft.api.me import blp as me

    return [me, *training.api.blueprints(), *qa.api.blueprints()]


def init_api(app) -> None:
    from servicecraft.extensions import csrf

    app.config.setdefault("PUBLIC_ENDPOINTS", set())
    app.config["PUBLIC_ENDPOINTS"] = set(app.config["PUBLIC_ENDPOINTS"]) | {"api-docs.openapi_json"}
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": "Servicecraft's JSON API. Authenticate with `Authorization: Bearer <token>`."},
        },
    )
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    for blp in api_blueprints():
        api.register_blueprint(blp, url_prefix=API_PREFIX + (blp.url_prefix or ""))
        # The API accepts bearer tokens only, never the session cookie, so CSRF cannot apply.
        csrf.exempt(blp)
    app.extensions["servicecraft_api"] = api


def authenticate_api_request() -> None:
    """Resolve the bearer token into the current user; the session cookie is ignored on the API."""
    from servicecraft.auth.services import user_for_api_token

    header = request.headers.get("Authorization", "")
    user = None
    if header[:7].lower() == "bearer ":
        user = user_for_api_token(header[7:].strip())
    # Flask-Login reads g._login_user before looking at the session.
    g._login_user = user if user is not None else AnonymousUserMixin()
