"""Navigation links, dashboard panels and demo steps of qa.missions (registered on import)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qa.missions import services
from qa.missions.models import Mission
from servicecraft import demo
from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.templating import nav_item

nav_item("qa.missions.index", _l("Missions"), roles=("admin", "manager", "shopper"), order=60)
nav_item("qa.missions.board", _l("Job board"), roles=("shopper",), order=61)


@panel("missions-mine", roles=("shopper",), template="qa/missions/panel_mine.html", order=10)
def mine_panel(user) -> dict:
    groups = services.missions_of(user)
    todo = sorted(groups["todo"], key=lambda m: services._aware(m.window_end))
    return {"next": todo[0] if todo else None, "returned": groups["returned"], "board": services.job_board_count()}


@panel("missions-validate", roles=("admin", "manager"), template="qa/missions/panel_validate.html", order=20)
def validate_panel(user) -> dict | None:
    """Submitted shops waiting for a validator: the first five with their shoppers, and how many wait."""
    missions, count = services.validation_queue_head(5)
    return {"missions": missions, "count": count} if missions else None


# --- demo ------------------------------------------------------------------------------------

BRIEFS = {
    "phone": "Call the contact centre as an **existing customer** who was charged twice for one month.\n\n"
             "- Start the timer when the menu ends and stop it when a person answers.\n"
             "- Ask how and when the money comes back.\n- Do not give your real account number.",
    "chat": "Open the web chat and ask where a parcel ordered a week ago is.\n\n- Note how long the first reply takes.",
    "email": "Write to support asking to change the delivery address of an order.\n\n- Keep the reply e-mail.",
    "office": "Visit the branch at a busy hour and ask about opening an account for a relative.\n\n"
              "- Time the wait in the queue.\n- Take a photo of the queue ticket.",
}
SCRIPTS = {"phone": "double-charge", "chat": "late-delivery", "email": None, "office": "elderly-customer"}
FORMS = {"phone": "phone-shop", "chat": "chat-shop", "email": "email-shop", "office": "branch-visit"}
# title, channel, branch, agent, shopper, final state, fee
DEMO_MISSIONS = [
    ("Branch visit: Novosibirsk, Saturday rush", "office", "NSK", None, None, "draft", 30),
    ("Phone shop: double charge (job board)", "phone", "MSK", None, None, "published", 25),
    ("Chat shop: late parcel (job board)", "chat", "MSK", None, None, "published", 20),
    ("Phone shop: tariff question for Olga Lebedeva", "phone", "MSK", "agent2@demo.test", "shopper@demo.test", "assigned", 25),
    ("Branch visit: Yekaterinburg queue", "office", "EKB", "agent5@demo.test", "shopper@demo.test", "in_progress", 35),
    ("E-mail shop: change of address", "email", "MSK", "agent3@demo.test", "shopper2@demo.test", "submitted", 15),
    ("Phone shop: refund request for Ivan Orlov", "phone", "MSK", "agent1@demo.test", "shopper@demo.test", "returned", 25),
    ("Chat shop: delivery slot for Sofia Romanova", "chat", "MSK", "agent4@demo.test", "shopper2@demo.test", "validated", 20),
    ("Branch visit: Yekaterinburg account opening", "office", "EKB", "agent6@demo.test", "shopper@demo.test", "paid", 35),
    ("Phone shop: Novosibirsk hotline (called off)", "phone", "NSK", "agent8@demo.test", "shopper2@demo.test", "cancelled", 25),
]


def _answers(definition, *, partial: bool = False, variant: int = 0) -> dict:
    answers: dict = {}
    for index, item in enumerate(definition.items()):
        if partial and index > 2:
            break
        if item.type == "yes_no":
            answers[item.id] = not (variant and index % 4 == 3 and not item.critical)
        elif item.type == "scale":
            answers[item.id] = max(0, item.max - (variant % 2))
        elif item.type == "stars":
            answers[item.id] = 4 - (variant % 2)
        elif item.type == "timer":
            answers[item.id] = 35 + 40 * variant
        elif item.type == "text":
            answers[item.id] = "Friendly, but I had to repeat my question twice." if variant else "Helpful and quick."
    return answers


@demo.step(61)
def missions(ctx: dict) -> str | None:
    from qa.evaluations import services as evaluations

    users, branches = ctx.get("users") or {}, ctx.get("branches") or {}
    lead = users.get("manager@demo.test")
    if lead is None or "shopper@demo.test" not in users:
        return None
    evaluations.load_starter_forms()
    db.session.flush()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    created = 0
    for number, (title, channel, code, agent_email, shopper_email, state, fee) in enumerate(DEMO_MISSIONS):
        if db.session.scalar(select(Mission.id).where(Mission.title == title)):
            continue
        version = evaluations.latest_published(FORMS[channel])
        if version is None:
            continue
        past = state in ("submitted", "returned", "validated", "paid", "cancelled")
        start = now - timedelta(days=12 - number) if past else now + timedelta(hours=2 + number)
        data = services.MissionInput(
            title=title, channel=channel, form_version_id=version.id, window_start=start, window_end=start + timedelta(days=5),
            brief=BRIEFS[channel], branch_id=branches[code].id if code in branches else None,
            agent_id=users[agent_email].id if agent_email in users else None, scenario_slug=None, fee=fee, currency="EUR",
        )
        slug = SCRIPTS[channel]
        if slug:
            from training.simulations import services as simulations

            if simulations.current_version(slug) is not None:
                data.scenario_slug = slug
        mission = services.create_mission(data, lead)
        created += 1
        if state == "draft":
            continue
        if state == "published":
            services.publish(mission, lead)
            continue
        shopper = users[shopper_email]
        if state == "cancelled":
            services.assign(mission, shopper, lead)
            services.cancel(mission, lead, "The branch was closed for renovation.")
            continue
        if number % 2 and services._aware(mission.window_end) > datetime.now(UTC):
            services.publish(mission, lead)
            services.claim(mission.id, shopper)
        else:
            services.assign(mission, shopper, lead)
        if state == "assigned":
            continue
        definition = services.definition_of(mission)
        services.save_work(mission, shopper, _answers(definition, partial=state == "in_progress", variant=number % 3))
        if state == "in_progress":
            continue
        services.submit(mission, shopper)
        if state == "submitted":
            continue
        if state == "returned":
            services.return_for_correction(mission, lead, "The waiting time looks too short for a Monday morning; "
                                                          "please check your timer and add a comment about the hold.")
            continue
        services.validate(mission, lead)
        if state == "paid":
            services.mark_paid(mission, lead)
    db.session.flush()
    return f"{created} mystery-shop missions in every state" if created else None
