"""/api/v1/scorecards: scorecard rows for BI tools, scoped by role."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_scorecards", __name__, url_prefix="/scorecards", description="Scorecard rows for BI tools")
