"""Who may open each route of training.certificates (merged into tests/training/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

MANAGERS = frozenset({"admin", "manager"})
# The sample certificate belongs to the "agent" user (who has no mentor).
HOLDER_AND_MANAGERS = frozenset({"admin", "manager", "agent"})

EXPECTED: dict = {
    "training.certificates.index": SIGNED_IN,
    "training.certificates.all": MANAGERS,
    "training.certificates.show": HOLDER_AND_MANAGERS,
    "training.certificates.download": HOLDER_AND_MANAGERS,
    "training.certificates.revoke": frozenset({"admin"}),
    "certificates_public.lookup": PUBLIC,
    "certificates_public.show": PUBLIC,
}


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    from servicecraft.extensions import db
    from training.certificates.models import Certificate
    from training.certificates.services import new_code
    from training.courses.models import Course

    with app.app_context():
        course = Course(slug="matrix-certificate-course", version=1, status="published", languages=["en"],
                        title={"en": "Matrix course"}, summary={"en": ""})
        db.session.add(course)
        db.session.flush()
        cert = Certificate(code=new_code(), user_id=users["agent"].id, course_id=course.id,
                           holder_name=users["agent"].name, course_title="Matrix course", language="en")
        db.session.add(cert)
        db.session.commit()
        return {"certificate_id": cert.id, "code": cert.code}
