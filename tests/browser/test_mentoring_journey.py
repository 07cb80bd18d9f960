"""A mentor in Chromium: a new mentee, a check-in with an action item, a sign-off refused
while the go-live track is open and accepted once it is passed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.browser.conftest import sign_in
from tests.training.mentoring.helpers import define_track, pass_track


@pytest.fixture
def mentee(app):
    from servicecraft.auth.services import hash_password
    from servicecraft.extensions import db
    from servicecraft.models import User

    with app.app_context():
        mentor = User(email="mentor@coaching.test", name="Mira Mentor", password_hash=hash_password("demo-password"),
                      live_since=date(2020, 1, 1), mentor_capacity=3)
        mentor.set_roles(["mentor", "agent"])
        db.session.add(mentor)
        db.session.flush()
        newhire = User(email="nina@coaching.test", name="Nina Novak", password_hash=hash_password("demo-password"),
                       mentor_id=mentor.id, start_date=date.today() - timedelta(days=20))
        newhire.set_roles(["agent"])
        db.session.add(newhire)
        db.session.commit()
        ids = {"newhire_id": newhire.id}
    ids["track"] = define_track(app)
    return ids


def test_mentor_coaches_a_mentee_and_signs_her_off_once_the_track_is_passed(app, mentee, new_page):
    page, console = new_page()
    sign_in(page, "mentor@coaching.test")
    page.get_by_role("link", name="My mentees").first.click()
    page.get_by_role("link", name="Nina Novak").first.click()

    # A check-in with shared notes and an action item for the new hire.
    page.goto(f"/training/onboarding/people/{mentee['newhire_id']}/check-ins/new")
    page.get_by_label("Date and time").fill((datetime.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Agenda").fill("First week: shadowed calls, questions.")
    page.get_by_role("button", name="Schedule the check-in").click()
    shared = page.locator("#shared-notes")
    shared.get_by_label("Notes").fill("Good start. Practise the double-charge role-play.")
    shared.get_by_role("button", name="Save the notes").click()
    page.get_by_label("Action item").fill("Play the double-charge role-play")
    page.get_by_label("Owner").select_option("newhire")
    page.get_by_label("Due date").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Add the action item").click()
    assert "Play the double-charge role-play" in page.locator("main").inner_text()

    # Sign-off is refused while the go-live track is open, and says what is missing.
    page.goto(f"/training/mentoring/people/{mentee['newhire_id']}/sign-off")
    assert "cannot be signed off yet" in page.locator("main").inner_text()
    page.get_by_role("button", name="Not yet: 1 missing").click()
    assert "cannot be signed off yet" in page.locator("main").inner_text()

    pass_track(app, mentee["newhire_id"], mentee["track"])
    page.goto(f"/training/mentoring/people/{mentee['newhire_id']}/sign-off")
    page.get_by_role("button", name="Sign off to go live").click()
    assert "is live since" in page.locator("main").inner_text()
    # The refused sign-off answers 422 on purpose; nothing else may log an error.
    unexpected = [e for e in console.errors if "status of 422" not in e]
    assert len(console.errors) - len(unexpected) == 1 and not unexpected, "\n".join(console.errors)

    from servicecraft.extensions import db
    from servicecraft.models import User

    with app.app_context():
        assert db.session.get(User, mentee["newhire_id"]).live_since == date.today()
