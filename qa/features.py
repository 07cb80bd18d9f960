"""Imported once by the app factory: registers this package's dashboard panels,
navigation links and demo steps (each feature module registers its own on import)."""

import qa.bonus.features  # noqa: F401
import qa.calibration.features  # noqa: F401
import qa.evaluations.features  # noqa: F401
import qa.missions.features  # noqa: F401
import qa.reviews.features  # noqa: F401
import qa.scorecards.features  # noqa: F401
import qa.tickets.features  # noqa: F401
