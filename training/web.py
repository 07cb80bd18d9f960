"""The training package's parent blueprint: its features nest here at import time.

(Nesting inside create_app breaks the second app a test run builds on Flask 3.1.)
"""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training")

# Feature blueprints register here, e.g.:
#   from training.courses.views import bp as courses_bp
#   bp.register_blueprint(courses_bp)
