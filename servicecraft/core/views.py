"""The home dashboard and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from servicecraft.dashboard import panels_for
from servicecraft.extensions import db
from servicecraft.permissions import public, require, signed_in

bp = Blueprint("core", __name__)


@bp.route("/")
@require(signed_in)
def index():
    return render_template("core/index.html", panels=panels_for(current_user))


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
