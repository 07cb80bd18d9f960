"""Pages of qa.tickets (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
