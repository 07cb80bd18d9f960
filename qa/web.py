"""The qa package's parent blueprint: its features nest here at import time.

(Nesting inside create_app breaks the second app a test run builds on Flask 3.1.)
"""

from flask import Blueprint

from qa.bonus.views import bp as bonus_bp
from qa.calibration.views import bp as calibration_bp
from qa.evaluations.views import bp as evaluations_bp
from qa.missions.views import bp as missions_bp
from qa.reviews.views import bp as reviews_bp
from qa.scorecards.views import bp as scorecards_bp
from qa.tickets.views import bp as tickets_bp

bp = Blueprint("qa", __name__, url_prefix="/qa")

for feature_bp in (evaluations_bp, missions_bp, reviews_bp, calibration_bp, tickets_bp, scorecards_bp, bonus_bp):
    bp.register_blueprint(feature_bp)
