"""Shared set-up for the mission tests: the starter forms, a branch, an agent, a mission."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta

# A 1x1 transparent PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

FULL_ANSWERS = {
    "answer-queue_time": "240", "answer-tidy_office": "yes", "answer-greeted": "yes", "answer-name_badge": "no",
    "answer-need_identified": "3", "answer-expertise": "4", "answer-existing_customer": "na",
    "answer-solution": "yes", "answer-polite": "yes", "answer-closing": "yes", "answer-overall": "5",
    "answer-notes": "Clean office, short queue.",
}


def make_mission(manager, *, shopper=None, agent=None, publish=False, title="Branch visit", window_days=5):
    """Create a branch-visit mission (within an app context); assign or publish it if asked."""
    from qa.evaluations import services as evaluations
    from qa.missions import services
    from servicecraft.extensions import db
    from servicecraft.models import Branch, User
    from training.library import services as library

    # The starter forms link protocol sections: once the library holds any protocol, links
    # are checked against it, so load the shipped protocols first.
    library.load_starter_protocols()
    evaluations.load_starter_forms()
    branch = db.session.query(Branch).filter_by(code="MB1").one_or_none()
    if branch is None:
        branch = Branch(code="MB1", name="Mission branch", region="R")
        db.session.add(branch)
        db.session.flush()
    if agent is None:
        agent = db.session.query(User).filter_by(email="shopped-agent@missions.test").one_or_none()
        if agent is None:
            agent = User(email="shopped-agent@missions.test", name="Shopped Agent", branch_id=branch.id,
                         live_since=date(2024, 1, 1))
            agent.set_roles(["agent"])
            db.session.add(agent)
            db.session.flush()
    version = evaluations.latest_published("branch-visit")
    now = datetime.now(UTC)
    mission = services.create_mission(services.MissionInput(
        title=title, channel="office", form_version_id=version.id, window_start=now - timedelta(hours=1),
        window_end=now + timedelta(days=window_days), brief="Ask about **accounts**.", branch_id=branch.id,
        agent_id=agent.id, fee=25.5, currency="EUR"), manager)
    if publish:
        services.publish(mission, manager)
    elif shopper is not None:
        services.assign(mission, shopper, manager)
    db.session.flush()
    return mission
