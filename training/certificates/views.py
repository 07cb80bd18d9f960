"""Pages of training.certificates (thin: parse, authorize, call a service, render)."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

# The verification page lives outside /training so a certificate's printed link stays short.
public_bp = Blueprint("certificates_public", __name__, url_prefix="/certificates")
