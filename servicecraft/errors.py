"""Error pages and JSON errors: a clear message, never a traceback."""

from __future__ import annotations

from flask import jsonify, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from servicecraft.permissions import is_api_request


def _messages():
    return {
        400: _("The request could not be understood."),
        401: _("Sign in to continue."),
        403: _("You do not have access to this page."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept that kind of request."),
        409: _("This conflicts with the current state of the record."),
        413: _("The upload is too large."),
        422: _("Some of the data is not valid."),
        429: _("Too many attempts. Wait a little and try again."),
        500: _("Something went wrong on our side. The error was logged."),
    }


def json_error(status: int, message: str | None = None, fields: dict | None = None, code: str | None = None):
    """Build the API's error body: {"error": {"code", "message", "fields"}}."""
    body = {
        "error": {
            "code": code or _CODES.get(status, "error"),
            "message": message or _messages().get(status, ""),
            "fields": fields or {},
        }
    }
    response = jsonify(body)
    response.status_code = status
    return response


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


def _flatten_fields(messages) -> dict:
    """Turn webargs' {"json": {"field": [msg]}} into {"field": "msg; msg"}."""
    fields: dict[str, str] = {}
    if not isinstance(messages, dict):
        return fields
    for location, per_field in messages.items():
        if isinstance(per_field, dict):
            for name, msgs in per_field.items():
                fields[str(name)] = "; ".join(map(str, msgs)) if isinstance(msgs, list) else str(msgs)
        else:
            fields[str(location)] = "; ".join(map(str, per_field)) if isinstance(per_field, list) else str(per_field)
    return fields


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if is_api_request():
        data = getattr(error, "data", None) or {}
        fields = _flatten_fields(data.get("messages") or data.get("errors") or {})
        message = data.get("message")
        if status == 422 and not message:
            message = _("Some of the data is not valid.")
        if status == 401 and not message:
            message = _("Send a valid API token in the Authorization header (Bearer).")
        response = json_error(status, message, fields)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(error, CSRFError):
        message = _("The form expired or was forged. Reload the page and try again.")
    else:
        message = _messages().get(status, error.description)
    template = "errors/%s.html" % (status if status in (403, 404, 500) else "generic")
    return render_template(template, status=status, message=message), status


def register(app):
    # Unhandled exceptions reach the 500 handler as InternalServerError; Flask logs them.
    app.register_error_handler(HTTPException, handle_http_exception)
