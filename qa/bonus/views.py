"""Pages of qa.bonus (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("bonus", __name__, url_prefix="/bonus")
