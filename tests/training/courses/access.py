"""Who may open each route of training.courses (merged into tests/training/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

STAFF = frozenset({"admin", "manager"})
# The sample course is published; "agent" and "newhire" are enrolled on it, no mentee of "mentor" is.
LEARNERS_AND_STAFF = frozenset({"admin", "manager", "agent", "newhire"})
# The sample person is the "agent" user (who has no mentor).
SELF_AND_STAFF = frozenset({"admin", "manager", "agent"})

EXPECTED: dict = {
    "training.courses.index": STAFF,
    "training.courses.new": STAFF,
    "training.courses.edit": STAFF,
    "training.courses.manage": STAFF,
    "training.courses.status": STAFF,
    "training.courses.copy": STAFF,
    "training.courses.new_module": STAFF,
    "training.courses.edit_module": STAFF,
    "training.courses.move_module": STAFF,
    "training.courses.delete_module": STAFF,
    "training.courses.new_lesson": STAFF,
    "training.courses.edit_lesson": STAFF,
    "training.courses.move_lesson": STAFF,
    "training.courses.delete_lesson": STAFF,
    "training.courses.upload": STAFF,
    "training.courses.enrolments": STAFF,
    "training.courses.change_due": STAFF,
    "training.courses.rules": STAFF,
    "training.courses.toggle_rule": STAFF,
    "training.courses.file": LEARNERS_AND_STAFF,
    "training.courses.show": LEARNERS_AND_STAFF,
    "training.courses.lesson": LEARNERS_AND_STAFF,
    "training.courses.mine": SIGNED_IN,
    "training.courses.progress": frozenset({"admin", "manager", "mentor"}),
    "training.courses.person_progress": SELF_AND_STAFF,
}

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def sample_values(app, users) -> dict:
    """Values for this feature's URL parameters (create the records they need)."""
    import io

    from servicecraft import storage
    from servicecraft.extensions import db
    from training.courses.models import Course, CourseFile, CourseModule, Enrolment, EnrolmentRule, Lesson

    with app.app_context():
        course = Course(slug="matrix-course", version=1, status="published", languages=["en"],
                        title={"en": "Matrix course"}, summary={"en": "For the permission matrix"})
        module = CourseModule(position=1, title={"en": "Module"})
        lesson = Lesson(slug="first", position=1, title={"en": "First"}, body={"en": "Hello"})
        module.lessons.append(lesson)
        course.modules.append(module)
        db.session.add(course)
        db.session.flush()
        stored = storage.save(io.BytesIO(PNG), kinds=(storage.IMAGE,), original_name="dot.png", folder="courses")
        db.session.add(CourseFile(course_id=course.id, storage_key=stored.key, original_name="dot.png",
                                  content_type=stored.content_type, size=stored.size))
        enrolments = [Enrolment(course_id=course.id, user_id=users[role].id) for role in ("agent", "newhire")]
        db.session.add_all(enrolments)
        rule = EnrolmentRule(course_slug="matrix-course", kind="team", team_id=None, due_days=7, is_active=False)
        db.session.add(rule)
        db.session.commit()
        return {
            "course_id": course.id, "module_id": module.id, "lesson_id": lesson.id,
            "file_name": stored.key.rsplit("/", 1)[-1], "rule_id": rule.id, "person_id": users["agent"].id,
            "enrolment_id": enrolments[0].id,
        }
