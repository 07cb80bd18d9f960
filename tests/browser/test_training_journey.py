"""A new hire takes the onboarding course in Chromium: lesson, quiz with an essay, the
mentor's grade, and a certificate whose PDF carries their Cyrillic name."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser.conftest import sign_in

QUIZ_EN = """$CATEGORY: browser-onboarding

::Listen first::When a customer complains, let them finish before you answer.{T}

::Your reply::A customer writes\\: "My parcel is two days late." Write your reply.{}
"""

LESSON = "Let the customer **finish**. <script>alert('x')</script>Then say what you will do."


@pytest.fixture
def onboarding(app):
    """An onboarding course with one lesson and a quiz (true/false + essay), a mentor and her mentee."""
    from servicecraft.auth.services import hash_password
    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.courses import services as courses
    from training.courses.models import Course, CourseModule, Lesson
    from training.quizzes import services as quizzes

    with app.app_context():
        mentor = User(email="mentor@journey.test", name="Mira Mentor", password_hash=hash_password("demo-password"), live_since=date(2020, 1, 1))
        mentor.set_roles(["mentor", "agent"])
        db.session.add(mentor)
        db.session.flush()
        newhire = User(email="anna@journey.test", name="Анна Соколова", language="en", password_hash=hash_password("demo-password"),
                       mentor_id=mentor.id, start_date=date.today())
        newhire.set_roles(["agent"])
        db.session.add(newhire)
        course = Course(slug="journey-onboarding", status="published", languages=["en"], is_onboarding=True, position=1,
                        title={"en": "Journey onboarding"}, summary={"en": "First steps."})
        module = CourseModule(position=0, title={"en": "Listening"})
        module.lessons.append(Lesson(slug="listen", position=0, title={"en": "Listen to the end"}, body={"en": LESSON}))
        course.modules.append(module)
        db.session.add(course)
        db.session.flush()
        quizzes.import_course_quiz(course, {"en": QUIZ_EN}, {"en": "quiz.en.gift"}, pass_mark=50)
        courses.enrol(course, [newhire], None, actor=None)
        db.session.commit()
        return {"course_id": course.id}


def test_new_hire_passes_the_course_and_downloads_a_certificate_with_her_name(onboarding, new_page):
    page, console = new_page()
    sign_in(page, "anna@journey.test")

    # The dashboard points at the course; the course page lists its lesson and quiz.
    page.get_by_role("link", name="Training").first.click()
    page.get_by_role("link", name="Journey onboarding").first.click()
    page.get_by_role("link", name="Listen to the end", exact=True).click()
    assert page.locator("h1").inner_text() == "Listen to the end"
    assert "finish" in page.locator("main").inner_text()
    assert page.locator("main script").count() == 0  # the script in the lesson text was stripped
    page.go_back()

    page.locator("section", has=page.get_by_role("heading", name="Quizzes")).get_by_role("link").first.click()
    page.get_by_role("button", name="Start an attempt").click()
    page.get_by_label("True").check()
    page.get_by_label("Your answer").fill("I am sorry your parcel is late. I will call the courier now and write back by 5 pm today.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit the attempt").click()
    assert "mentor" in page.locator("main").inner_text().lower()  # the essay waits for the mentor
    page.get_by_role("button", name="Sign out").click()

    # The mentor finds the essay in her queue and grades it.
    sign_in(page, "mentor@journey.test")
    page.goto("/training/quizzes/grading")
    page.get_by_role("link", name=re.compile("Grade.*Анна Соколова")).click()
    page.get_by_label("Grade (%)").fill("90")
    page.get_by_label("Comment for the learner").fill("Clear timeline, good apology.")
    page.get_by_role("button", name="Save the grade").click()
    assert page.locator(".flash, [role=status], [role=alert]").count() >= 1
    page.get_by_role("button", name="Sign out").click()

    # The quiz is complete, so is the course: the certificate PDF carries her name.
    sign_in(page, "anna@journey.test")
    page.goto("/training/certificates")
    assert "Journey onboarding" in page.locator("main").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the PDF")).first.click()
    pdf = PdfReader(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Анна Соколова" in text and "Journey onboarding" in text
    assert not console.errors, "\n".join(console.errors)
