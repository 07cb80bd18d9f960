"""Records the certificate tests need: a minimal course and an enrolment on it."""

from __future__ import annotations

import uuid

from servicecraft.extensions import db
from training.courses.models import Course, Enrolment


def make_enrolment(app, user, *, title=None) -> int:
    """Enrol *user* on a fresh published course; return the enrolment id."""
    with app.app_context():
        course = Course(
            slug="course-" + uuid.uuid4().hex[:8], version=1, status="published", languages=["en", "ru", "ja"],
            title=title or {"en": "Complaint handling", "ru": "Работа с жалобами", "ja": "苦情対応"}, summary={},
        )
        db.session.add(course)
        db.session.flush()
        enrolment = Enrolment(course_id=course.id, user_id=user.id)
        db.session.add(enrolment)
        db.session.commit()
        return enrolment.id


def issue(app, enrolment_id: int, actor=None) -> tuple[int, str]:
    """Issue the enrolment's certificate through the service; return (id, code)."""
    from training.certificates.services import issue_certificate

    with app.app_context():
        cert = issue_certificate(db.session.get(Enrolment, enrolment_id), actor=actor)
        db.session.commit()
        return cert.id, cert.code
