"""Who may open each route of the training package: the features' tables merged.

Each feature keeps its own table in ``tests/training/<feature>/access.py``.
"""

from tests.servicecraft.access import merge_features
from tests.training.certificates import access as _certificates
from tests.training.courses import access as _courses
from tests.training.library import access as _library
from tests.training.mentoring import access as _mentoring
from tests.training.onboarding import access as _onboarding
from tests.training.quizzes import access as _quizzes
from tests.training.simulations import access as _simulations

_FEATURES = (_courses, _quizzes, _certificates, _library, _simulations, _mentoring, _onboarding)

EXPECTED, sample_values = merge_features(_FEATURES)
