"""A mystery shop in Chromium at a phone-sized viewport: a shopper claims a mission from the
job board, times the wait, attaches a photo and submits; the validator returns it, the
shopper corrects it, the validator validates it; the agent sees it and disputes it; the
dispute is resolved."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.browser.conftest import sign_in

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
TITLE = "Journey branch visit"


@pytest.fixture
def shop(app):
    """A QA lead, a shopper, the shopped agent and a mission on the job board."""
    from qa.evaluations import services as evaluations
    from qa.missions import services as missions
    from servicecraft.auth.services import hash_password
    from servicecraft.extensions import db
    from servicecraft.models import Branch, User
    from training.library import services as library

    with app.app_context():
        password = hash_password("demo-password")
        branch = Branch(code="JRN", name="Journey branch", region="North")
        db.session.add(branch)
        db.session.flush()
        people = {}
        for email, name, roles in (("lead@journey.test", "Lena Lead", ["manager"]),
                                   ("shopper@journey.test", "Sasha Shopper", ["shopper"]),
                                   ("agent@journey.test", "Artem Agent", ["agent"])):
            person = User(email=email, name=name, password_hash=password, language="en", branch_id=branch.id,
                          live_since=date(2024, 1, 1))
            person.set_roles(roles)
            db.session.add(person)
            people[email] = person
        db.session.flush()
        library.load_starter_protocols()
        evaluations.load_starter_forms()
        now = datetime.now(UTC)
        mission = missions.create_mission(missions.MissionInput(
            title=TITLE, channel="office", form_version_id=evaluations.latest_published("branch-visit").id,
            window_start=now - timedelta(hours=1), window_end=now + timedelta(days=2),
            brief="Ask about opening an account. **Time the queue.**", branch_id=branch.id,
            agent_id=people["agent@journey.test"].id, fee=30, currency="EUR"), people["lead@journey.test"])
        missions.publish(mission, people["lead@journey.test"])
        db.session.commit()
        return {"mission_id": mission.id}


ANSWERS = {
    "tidy_office": "yes", "greeted": "yes", "name_badge": "no", "need_identified": "3", "expertise": "4",
    "existing_customer": "na", "solution": "yes", "polite": "yes", "closing": "yes", "overall": "4",
}


def test_a_mystery_shop_from_the_job_board_to_a_resolved_dispute(shop, new_page, tmp_path):
    photo = tmp_path / "queue-ticket.png"
    photo.write_bytes(PNG)
    page, console = new_page(phone=True)

    # The shopper claims the mission from the job board.
    sign_in(page, "shopper@journey.test")
    page.get_by_role("link", name="Job board").first.click()
    card = page.locator("article", has=page.get_by_role("heading", name=TITLE))
    card.get_by_role("button", name="Claim this mission").click()
    assert page.locator("h1").inner_text() == TITLE
    assert "Time the queue." in page.locator("main").inner_text()

    # She times the wait with the big timer, answers item by item and attaches a photo.
    page.get_by_role("button", name="Start the timer").click()
    page.wait_for_timeout(1300)
    page.get_by_role("button", name="Stop the timer").click()
    seconds = int(page.get_by_label("Seconds waited").input_value())
    assert seconds >= 1
    for item, value in ANSWERS.items():
        page.locator(f'input[name="answer-{item}"][value="{value}"]').check()
    page.locator("#input-receipt_photo").set_input_files(str(photo))
    page.get_by_role("button", name="Save", exact=True).click()
    assert "Your answers are saved." in page.locator(".flashes").inner_text()
    assert page.get_by_role("img", name="queue-ticket.png").count() == 1
    assert page.get_by_label("Seconds waited").input_value() == str(seconds)
    page.get_by_role("button", name="Submit the shop").click()
    assert "submitted for validation" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # The validator returns it with a comment.
    sign_in(page, "lead@journey.test")
    page.goto("/qa/missions/queue")
    page.get_by_role("link", name=TITLE).click()
    assert page.get_by_role("img", name="queue-ticket.png").count() == 1
    page.get_by_label("What should the shopper correct?").fill("Five seconds in a branch queue? Please check the timer.")
    page.get_by_role("button", name="Return for correction").click()
    assert "returned to Sasha Shopper" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # The shopper reads the comment, corrects the waiting time and resubmits.
    sign_in(page, "shopper@journey.test")
    assert "returned to correct" in page.locator("main").inner_text().lower()
    page.get_by_role("link", name=TITLE).first.click()
    assert "Please check the timer." in page.locator("main").inner_text()
    page.get_by_label("Seconds waited").fill("420")
    page.get_by_role("button", name="Resubmit the shop").click()
    assert "submitted for validation" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # The validator validates it: it is released to the agent.
    sign_in(page, "lead@journey.test")
    page.goto("/qa/missions/queue")
    page.get_by_role("link", name=TITLE).click()
    assert "420 s" in page.locator("main").inner_text()
    page.get_by_role("button", name="Validate and release").click()
    assert "validated and released" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # The agent sees the evaluation and disputes it.
    sign_in(page, "agent@journey.test")
    page.get_by_role("link", name="Evaluations").first.click()
    page.locator("main table a").first.click()
    page.get_by_label("Why do you disagree?").fill("The customer arrived ten minutes before closing time.")
    page.get_by_role("button", name="Dispute this evaluation").click()
    assert "dispute is sent" in page.locator(".flashes").inner_text()
    page.get_by_role("button", name="Sign out").click()

    # A manager resolves the dispute by upholding the evaluation.
    sign_in(page, "lead@journey.test")
    page.goto("/qa/evaluations/disputes")
    page.locator("main table a").first.click()
    page.get_by_label("Decision, explained to the agent").fill("The queue was measured correctly; the score stands.")
    page.get_by_role("button", name="Uphold the evaluation").click()
    assert "The dispute is resolved." in page.locator(".flashes").inner_text()
    assert not console.errors, "\n".join(console.errors)
    assert re.search(r"/qa/evaluations/\d+", page.url)
