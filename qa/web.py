"""The qa package's parent blueprint: its features nest here at import time.

(Nesting inside create_app breaks the second app a test run builds on Flask 3.1.)
"""

from flask import Blueprint

bp = Blueprint("qa", __name__, url_prefix="/qa")

# Feature blueprints register here, e.g.:
#   from qa.tickets.views import bp as tickets_bp
#   bp.register_blueprint(tickets_bp)
