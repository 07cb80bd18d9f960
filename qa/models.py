"""Every model of the qa package, imported together so Alembic sees them all."""

from qa.bonus import models as _bonus_models  # noqa: F401,E402
from qa.calibration import models as _calibration_models  # noqa: F401,E402
from qa.evaluations.models import (  # noqa: F401
    Dispute,
    Evaluation,
    EvaluationComment,
    EvaluationForm,
    EvaluationRevision,
    Evidence,
    FormVersion,
)
from qa.missions import models as _missions_models  # noqa: F401,E402
from qa.reviews import models as _reviews_models  # noqa: F401,E402
from qa.scorecards import models as _scorecards_models  # noqa: F401,E402
from qa.tickets.models import AgentLink, Ticket  # noqa: F401
