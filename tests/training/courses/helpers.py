"""Build courses straight in the database for the course tests."""

from __future__ import annotations

from servicecraft.extensions import db
from training.courses.models import Course, CourseModule, Enrolment, Lesson

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def make_course(app, slug="basics", *, status="published", lessons=2, languages=("en",), enrol=(), due_date=None,
                prerequisites=(), requires_all_lessons=True) -> dict:
    """Create a course with one module of *lessons* lessons; enrol the given users. Return ids."""
    with app.app_context():
        course = Course(slug=slug, version=1, status=status, languages=list(languages),
                        title={lang: f"{slug} title {lang}" for lang in languages},
                        summary={lang: f"{slug} summary" for lang in languages},
                        requires_all_lessons=requires_all_lessons)
        module = CourseModule(position=1, title={lang: "Module one" for lang in languages})
        for n in range(1, lessons + 1):
            module.lessons.append(Lesson(slug=f"lesson-{n}", position=n, title={lang: f"Lesson {n} {lang}" for lang in languages},
                                         body={lang: f"Body of lesson {n}" for lang in languages}))
        course.modules.append(module)
        if prerequisites:
            course.prerequisites = [db.session.get(Course, cid) for cid in prerequisites]
        db.session.add(course)
        db.session.flush()
        for user in enrol:
            db.session.add(Enrolment(course_id=course.id, user_id=user.id, due_date=due_date))
        db.session.commit()
        return {"course_id": course.id, "module_id": module.id, "lesson_ids": [lesson.id for lesson in module.lessons]}


def post(client, csrf_token, url, data=None, **kwargs):
    """POST a form with a fresh CSRF token from the page at /profile."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token("/profile")
    return client.post(url, data=payload, **kwargs)
