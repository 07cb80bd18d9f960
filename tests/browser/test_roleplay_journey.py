"""A new hire plays a role-play to the end in Chromium, a reload resumes it, the mentor
grades the free reply, and the new hire sees the final score in the debrief."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.browser.conftest import sign_in

REPLY = ("I have refunded the second charge: the money reaches your card within three working days. "
         "Is there anything else I can help with? Thank you for your patience.")


@pytest.fixture
def roleplay(app):
    from servicecraft.auth.services import hash_password
    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.simulations import services

    with app.app_context():
        services.load_shipped_scenarios()
        mentor = User(email="mentor@roleplay.test", name="Mira Mentor", password_hash=hash_password("demo-password"),
                      live_since=date(2020, 1, 1))
        mentor.set_roles(["mentor", "agent"])
        db.session.add(mentor)
        db.session.flush()
        newhire = User(email="newhire@roleplay.test", name="Nina New", password_hash=hash_password("demo-password"),
                       mentor_id=mentor.id, start_date=date.today())
        newhire.set_roles(["agent"])
        db.session.add(newhire)
        db.session.commit()


def _chat_lines(page) -> int:
    return page.locator(".chat li, .chat .message, .chat p").count()


def test_new_hire_plays_to_the_end_and_sees_the_mentors_final_score(roleplay, new_page):
    page, console = new_page()
    sign_in(page, "newhire@roleplay.test")
    page.goto("/training/simulations/scenarios/double-charge")
    page.get_by_role("button", name="Start the role-play").click()
    assert page.locator("meter, [role=meter], progress").count() >= 1  # the mood meter

    with page.expect_navigation():
        page.locator("button.choice").first.click()
    page.wait_for_load_state()
    lines = _chat_lines(page)
    assert lines > 0
    page.reload()  # a reload resumes where the conversation stands
    assert _chat_lines(page) == lines
    page.locator("button.choice").first.click()
    page.get_by_label("File the request under a category").select_option("payment/billing-error")
    page.get_by_role("button", name="File the request").click()
    page.locator("button.choice").first.click()
    page.get_by_label("Your reply").fill(REPLY)
    page.get_by_role("button", name="Send the reply").click()
    assert re.search("review|mentor", page.locator("main").inner_text(), re.I)
    attempt_url = page.url
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "mentor@roleplay.test")
    page.goto("/training/simulations/reviews")
    page.get_by_role("link", name="Grade").first.click()
    for field in page.locator("input[type=number]").all():
        field.fill(field.get_attribute("max"))
    page.get_by_label("Comment for the new hire").first.fill("Clear timeline and a proper close.")
    page.locator("form [type=submit]").last.click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "newhire@roleplay.test")
    page.goto(attempt_url)
    text = page.locator("main").inner_text()
    assert "Debrief" in page.locator("h1").inner_text()
    assert "100.0%" in text and "Passed" in text and "Clear timeline and a proper close." in text
    assert not console.errors, "\n".join(console.errors)
