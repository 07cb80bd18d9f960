"""Navigation links, dashboard panels and demo steps of training.simulations (registered on import)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from servicecraft import demo
from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.templating import nav_item
from servicecraft.texts import pick
from training.simulations import engine, services
from training.simulations.models import Attempt

nav_item("training.simulations.index", _l("Role-plays"), roles=("admin", "manager", "mentor", "agent"), order=35)


@panel("roleplay-practise", roles=("agent",), template="training/simulations/panel_practise.html", order=30, newhire=True)
def practise_panel(user) -> dict:
    """A new hire's next role-plays, the ones in progress and the ones awaiting a mentor."""
    language = user.language
    # The panel lists the person's attempts anyway: their best scores are counted from them.
    mine = services.attempts_of(user, with_state=False)
    best = services.best_scores_from(mine)
    suggestions = []
    for version, required in services.current_versions_to_practise():
        row = best.get(version.slug)
        if row and row["passed"]:
            continue
        suggestions.append((0 if required else 1, 0 if row is None else 1, version.difficulty,
                            {"slug": version.slug, "title": pick(version.title, language, version.languages),
                             "required": required, "tried": row is not None}))
    suggestions.sort(key=lambda s: s[:3])
    finished = [a for a in mine if a.status == "finished"]
    reviewed = services.reviewed_attempt_ids([a.id for a in finished])
    return {
        "next": [s[3] for s in suggestions[:3]],
        "in_progress": [a for a in mine if a.status == "in_progress"][:3],
        "awaiting": [a for a in mine if a.status == "awaiting_review"][:5],
        "graded": [a for a in finished if a.id in reviewed][:3],
        "language": language,
    }


@panel("roleplay-grading", roles=("mentor",), template="training/simulations/panel_grading.html", order=31)
def grading_panel(user) -> dict:
    """Attempts a mentor's mentees sent for review."""
    queue = services.grading_queue(user)
    return {"count": len(queue), "queue": queue[:5], "language": user.language}


DEMO_REPLY = "Thank you for your patience, and I am sorry for the trouble. {text}. Is there anything else I can do for you today?"


def _play_model(user, slug: str, when: datetime, minutes: int) -> Attempt:
    attempt = services.start_attempt(user, slug)
    scenario = services.scenario_of(attempt.version)
    for action in engine.model_path(scenario):
        if isinstance(action, engine.Reply):
            action = engine.Reply(DEMO_REPLY.format(text=action.text)[: engine.MAX_REPLY_LENGTH])
        services.take_step(user, attempt, attempt.step_counter, action)
    attempt.started_at = when
    attempt.last_step_at = attempt.finished_at = when + timedelta(minutes=minutes)
    attempt.seconds_spent = minutes * 60
    return attempt


@demo.step(40)
def demo_roleplays(ctx: dict) -> str:
    """Load the shipped scenarios and give the demo new hires some role-plays to show."""
    loaded = services.load_shipped_scenarios(actor=None)
    users = ctx.get("users", {})
    made = 0
    today = ctx.get("today")
    base = datetime.combine(today, time(10, 0), tzinfo=UTC) if today else datetime.now(UTC)
    newhire = users.get("newhire@demo.test")
    if newhire is not None and not db.session.scalar(select(Attempt.id).where(Attempt.user_id == newhire.id).limit(1)):
        _play_model(newhire, "double-charge", base - timedelta(days=1), 9)  # awaits mentor@demo.test
        made += 1
    newhire3, mentor2 = users.get("newhire3@demo.test"), users.get("mentor2@demo.test")
    if newhire3 is not None and not db.session.scalar(select(Attempt.id).where(Attempt.user_id == newhire3.id).limit(1)):
        for days, slug in ((20, "late-delivery"), (12, "elderly-customer")):
            attempt = _play_model(newhire3, slug, base - timedelta(days=days), 11)
            if attempt.status == "awaiting_review":
                scenario = services.scenario_of(attempt.version)
                points = engine.full_mentor_points(scenario, services.state_of(attempt))
                review = services.grade_attempt(mentor2 or users.get("admin@demo.test"), attempt, points,
                                                {node: "Warm and clear: well done." for node in points})
                review.created_at = attempt.finished_at + timedelta(hours=5)
            made += 1
    db.session.flush()
    return (f"{len(loaded['created'])} role-play scenarios loaded ({len(loaded['unchanged'])} unchanged), "
            f"{made} demo role-play attempts")
