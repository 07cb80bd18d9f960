"""Who may open each route of the qa package: the features' tables merged.

Each feature keeps its own table in ``tests/qa/<feature>/access.py``.
"""

from tests.qa.bonus import access as _bonus
from tests.qa.calibration import access as _calibration
from tests.qa.evaluations import access as _evaluations
from tests.qa.missions import access as _missions
from tests.qa.reviews import access as _reviews
from tests.qa.scorecards import access as _scorecards
from tests.qa.tickets import access as _tickets
from tests.servicecraft.access import merge_features

_FEATURES = (_evaluations, _missions, _reviews, _calibration, _tickets, _scorecards, _bonus)

EXPECTED, sample_values = merge_features(_FEATURES)
