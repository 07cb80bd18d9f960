"""Imported once by the app factory: registers this package's dashboard panels,
navigation links and demo steps (each feature module registers its own on import)."""

import training.certificates.features  # noqa: F401
import training.courses.features  # noqa: F401
import training.library.features  # noqa: F401
import training.mentoring.features  # noqa: F401
import training.onboarding.features  # noqa: F401
import training.quizzes.features  # noqa: F401
import training.simulations.features  # noqa: F401
