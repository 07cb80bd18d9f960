"""Pages of qa.scorecards (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("scorecards", __name__, url_prefix="/scorecards")
