"""Pages of training.onboarding (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("onboarding", __name__, url_prefix="/onboarding")
