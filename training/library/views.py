"""Pages of training.library (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("library", __name__, url_prefix="/protocols")
