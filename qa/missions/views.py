"""Pages of qa.missions (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("missions", __name__, url_prefix="/missions")
