"""Pages of training.mentoring (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
