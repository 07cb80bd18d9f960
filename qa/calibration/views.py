"""Pages of qa.calibration (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("calibration", __name__, url_prefix="/calibration")
