"""Pages of training.courses (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("courses", __name__, url_prefix="/courses")
