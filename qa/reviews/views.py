"""Pages of qa.reviews (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
