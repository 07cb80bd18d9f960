"""Pages of qa.evaluations (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")
