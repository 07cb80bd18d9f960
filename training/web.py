"""The training package's parent blueprint: its features nest here at import time.

(Nesting inside create_app breaks the second app a test run builds on Flask 3.1.)
"""

from flask import Blueprint

from training.certificates.views import bp as certificates_bp
from training.courses.views import bp as courses_bp
from training.library.views import bp as library_bp
from training.mentoring.views import bp as mentoring_bp
from training.onboarding.views import bp as onboarding_bp
from training.quizzes.views import bp as quizzes_bp
from training.simulations.views import bp as simulations_bp

bp = Blueprint("training", __name__, url_prefix="/training")

for feature_bp in (courses_bp, quizzes_bp, certificates_bp, library_bp, simulations_bp, mentoring_bp, onboarding_bp):
    bp.register_blueprint(feature_bp)

from training.certificates.views import public_bp as certificates_public_bp  # noqa: E402

# Registered on the app itself, outside /training.
public_blueprints = (certificates_public_bp,)
