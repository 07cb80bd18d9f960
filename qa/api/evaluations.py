"""/api/v1/evaluations: Evaluations for shoppers' and reviewers' apps."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_evaluations", __name__, url_prefix="/evaluations", description="Evaluations for shoppers' and reviewers' apps")
