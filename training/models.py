"""Every model of the training package, imported together so Alembic sees them all."""

from training.certificates.models import Certificate  # noqa: F401
from training.courses.models import (  # noqa: F401
    Course,
    CourseFile,
    CourseModule,
    CoursePrerequisite,
    Enrolment,
    EnrolmentRule,
    Lesson,
    LessonView,
)
from training.library.models import Protocol, ProtocolAcknowledgement, ProtocolVersion  # noqa: F401
from training.mentoring import models as _mentoring_models  # noqa: F401,E402
from training.onboarding import models as _onboarding_models  # noqa: F401,E402
from training.quizzes.models import (  # noqa: F401
    AttemptResponse,
    BankQuestion,
    EssayGrade,
    QuestionCategory,
    Quiz,
    QuizAttempt,
    QuizSlot,
)
from training.simulations import models as _simulations_models  # noqa: F401,E402
