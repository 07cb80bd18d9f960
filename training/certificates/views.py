"""Pages of training.certificates (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
