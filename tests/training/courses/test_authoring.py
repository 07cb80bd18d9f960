"""Authoring: drafts, publishing, copying to a new version, safe lesson text and images."""

from __future__ import annotations

import io

from sqlalchemy import select

from servicecraft.extensions import db
from tests.training.courses.helpers import PNG, make_course, post
from training.courses.models import Course, CourseFile, Enrolment, Lesson

BASE = "/training/courses"


def _new_course(client, csrf_token, slug="greeting"):
    return post(client, csrf_token, f"{BASE}/new", {
        "slug": slug, "languages": ["en", "ru"], "title_en": "Greeting customers", "title_ru": "Приветствие клиентов",
        "summary_en": "How to greet", "summary_ru": "Как приветствовать", "requires_all_lessons": "y",
    })


def test_manager_creates_a_draft_adds_content_and_publishes(app, client, login, make_user, csrf_token):
    login(client, make_user(roles=["manager"]))
    response = _new_course(client, csrf_token)
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "greeting"))
        assert course.status == "draft" and course.title == {"en": "Greeting customers", "ru": "Приветствие клиентов"}
        course_id = course.id
    # Publishing an empty course is refused with the reason.
    page = post(client, csrf_token, f"{BASE}/{course_id}/status", {"status": "published"}, follow_redirects=True).get_data(as_text=True)
    assert "The course has no lessons yet." in page
    assert post(client, csrf_token, f"{BASE}/{course_id}/modules/new", {"title_en": "Start", "title_ru": "Начало"}).status_code == 302
    with app.app_context():
        module_id = db.session.get(Course, course_id).modules[0].id
    response = post(client, csrf_token, f"{BASE}/modules/{module_id}/lessons/new", {
        "slug": "say-hello", "title_en": "Say hello", "title_ru": "Поздоровайтесь", "body_en": "Smile.", "body_ru": "Улыбнитесь.",
    })
    assert response.status_code == 302
    response = post(client, csrf_token, f"{BASE}/{course_id}/status", {"status": "published"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Course, course_id).status == "published"
    # A published course is no longer edited in place.
    refused = post(client, csrf_token, f"{BASE}/{course_id}/modules/new", {"title_en": "More"}, follow_redirects=True)
    assert "Only a draft can be changed" in refused.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Course, course_id).modules) == 1


def test_a_lesson_missing_a_language_blocks_publishing(app, client, login, make_user, csrf_token):
    login(client, make_user(roles=["admin"]))
    ids = make_course(app, "bilingual", status="draft", languages=("en", "ru"))
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson_ids"][0])
        lesson.body = {"en": "English only"}
        db.session.commit()
    page = post(client, csrf_token, f"{BASE}/{ids['course_id']}/status", {"status": "published"}, follow_redirects=True).get_data(as_text=True)
    assert "has no text in Русский" in page
    with app.app_context():
        assert db.session.get(Course, ids["course_id"]).status == "draft"


def test_bad_course_input_names_the_field_and_saves_nothing(app, client, login, make_user, csrf_token):
    login(client, make_user(roles=["manager"]))
    response = post(client, csrf_token, f"{BASE}/new", {"slug": "Not A Slug", "languages": ["en", "ru"], "title_en": "T"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use lower-case letters" in html and "Give the title in Русский" in html
    with app.app_context():
        assert db.session.scalar(select(Course.id)) is None


def test_copy_to_a_new_version_keeps_lessons_files_and_prerequisites(app, client, login, make_user, csrf_token):
    manager = make_user(roles=["manager"])
    login(client, manager)
    first = make_course(app, "first")
    ids = make_course(app, "second", lessons=3, prerequisites=[first["course_id"]])
    with app.app_context():
        db.session.add(CourseFile(course_id=ids["course_id"], storage_key="courses/" + "a" * 32 + ".png",
                                  original_name="a.png", content_type="image/png", size=10))
        db.session.commit()
    response = post(client, csrf_token, f"{BASE}/{ids['course_id']}/copy")
    assert response.status_code == 302
    with app.app_context():
        versions = db.session.scalars(select(Course).where(Course.slug == "second").order_by(Course.version)).all()
        assert [(c.version, c.status) for c in versions] == [(1, "published"), (2, "draft")]
        old, new = versions
        assert [lesson.slug for lesson in new.lessons] == ["lesson-1", "lesson-2", "lesson-3"]
        assert {lesson.id for lesson in new.lessons}.isdisjoint({lesson.id for lesson in old.lessons})
        assert [lesson.body for lesson in new.lessons] == [lesson.body for lesson in old.lessons]
        assert [p.slug for p in new.prerequisites] == ["first"]
        assert new.copied_from_id == old.id
        assert db.session.scalar(select(CourseFile.storage_key).where(CourseFile.course_id == new.id)).endswith("a" * 32 + ".png")
        new_id = new.id
    # Publishing version 2 archives version 1.
    assert post(client, csrf_token, f"{BASE}/{new_id}/status", {"status": "published"}).status_code == 302
    with app.app_context():
        statuses = dict(db.session.execute(select(Course.version, Course.status).where(Course.slug == "second")).all())
        assert statuses == {1: "archived", 2: "published"}


def test_lessons_can_be_reordered_in_a_draft(app, client, login, make_user, csrf_token):
    login(client, make_user(roles=["manager"]))
    ids = make_course(app, "order", status="draft", lessons=3)
    third = ids["lesson_ids"][2]
    assert post(client, csrf_token, f"{BASE}/lessons/{third}/move", {"direction": "up"}).status_code == 302
    with app.app_context():
        course = db.session.get(Course, ids["course_id"])
        assert [lesson.slug for lesson in course.lessons] == ["lesson-1", "lesson-3", "lesson-2"]


def test_script_tags_are_stripped_from_lesson_text(app, client, login, make_user, csrf_token):
    learner = make_user(roles=["agent"])
    ids = make_course(app, "safe", enrol=[learner])
    with app.app_context():
        lesson = db.session.get(Lesson, ids["lesson_ids"][0])
        lesson.body = {"en": "Hello <script>alert('x')</script> **bold** <img src=x onerror=alert(1)> [see](protocol:routing#levels)"}
        db.session.commit()
    login(client, learner)
    html = client.get(f"{BASE}/lessons/{ids['lesson_ids'][0]}").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert "<script>alert" not in html and "onerror" not in html
    assert 'href="/training/protocols/routing' in html and "#levels" in html


def test_image_upload_refuses_a_non_image_and_an_oversized_file(app, client, login, make_user, csrf_token):
    login(client, make_user(roles=["manager"]))
    ids = make_course(app, "pictures", status="draft")
    url = f"{BASE}/{ids['course_id']}/files"
    response = post(client, csrf_token, url, {"file": (io.BytesIO(b"<html>not an image</html>"), "evil.png")},
                    content_type="multipart/form-data")
    assert response.status_code == 422 and "This file type is not accepted" in response.get_data(as_text=True)
    big = PNG + b"\0" * (8 * 1024 * 1024)
    # Encoded here: the test client would spool a body this size to a file it never closes.
    boundary = "----course-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf_token("/profile")}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            f"Content-Type: image/png\r\n\r\n").encode() + big + f"\r\n--{boundary}--\r\n".encode()
    response = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 422 and "larger than 8 MB" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(CourseFile.id)) is None


def test_an_uploaded_image_is_served_to_learners_of_the_course_only(app, client, login, make_user, csrf_token):
    learner, outsider = make_user(roles=["agent"]), make_user(roles=["agent"])
    login(client, make_user(roles=["manager"]))
    ids = make_course(app, "pictures", enrol=[learner])
    response = post(client, csrf_token, f"{BASE}/{ids['course_id']}/files", {"file": (io.BytesIO(PNG), "dot.png")},
                    content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "![dot](file:" in page
    with app.app_context():
        stored = db.session.scalar(select(CourseFile))
        name = stored.storage_key.rsplit("/", 1)[-1]
        lesson = db.session.get(Lesson, ids["lesson_ids"][0])
        lesson.body = {"en": f"Look: ![dot](file:{name})"}
        db.session.commit()
    login(client, learner)
    html = client.get(f"{BASE}/lessons/{ids['lesson_ids'][0]}").get_data(as_text=True)
    src = f"{BASE}/{ids['course_id']}/files/{name}"
    assert f'src="{src}"' in html
    image = client.get(src)
    body, status, mimetype = image.data, image.status_code, image.mimetype
    image.close()  # files stream from an open handle
    assert status == 200 and body == PNG and mimetype == "image/png"
    login(client, outsider)
    assert client.get(src).status_code == 403


def test_learners_never_see_a_draft(app, client, login, make_user):
    learner = make_user(roles=["agent"])
    ids = make_course(app, "secret", status="draft", enrol=[learner])
    login(client, learner)
    assert client.get(f"{BASE}/{ids['course_id']}").status_code == 403
    assert client.get(f"{BASE}/lessons/{ids['lesson_ids'][0]}").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Enrolment.completed_at)) is None
