"""Who may open each route of training.onboarding (merged into tests/training/access.py)."""

from tests.servicecraft.access import PUBLIC, SIGNED_IN  # noqa: F401

MANAGERS = frozenset({"admin", "manager"})
MENTORS = frozenset({"mentor"})
STAFF = frozenset({"admin", "manager", "mentor"})

EXPECTED: dict = {
    "training.onboarding.templates": MANAGERS,
    "training.onboarding.new_template": MANAGERS,
    "training.onboarding.template": MANAGERS,
    "training.onboarding.new_item": MANAGERS,
    "training.onboarding.edit_item": MANAGERS,
    "training.onboarding.delete_item": MANAGERS,
    "training.onboarding.mine": SIGNED_IN,
    # The sample mentee is a new hire whose mentor is the matrix "mentor".
    "training.onboarding.person": STAFF,
    "training.onboarding.start_plan": STAFF,
    "training.onboarding.new_checkin": MENTORS,
    "training.onboarding.checkin": STAFF,
    # POST: the role rule answers first, then the CSRF check (400); test_onboarding checks ownership (403).
    "training.onboarding.tick": SIGNED_IN,
    "training.onboarding.untick": SIGNED_IN,
    "training.onboarding.checkin_notes": MENTORS,
    "training.onboarding.checkin_status": MENTORS,
    "training.onboarding.checkin_action": MENTORS,
    "training.onboarding.checkin_link": MENTORS,
    "training.onboarding.action_toggle": SIGNED_IN,
    "training.onboarding.mentor_dashboard": MENTORS,
}


def sample_values(app, users) -> dict:
    """A mentee of the matrix mentor, with a plan from a one-item template and a check-in."""
    from datetime import UTC, date, datetime

    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.onboarding import services
    from training.onboarding.models import PlanTemplate, PlanTemplateItem

    with app.app_context():
        mentor = db.session.get(User, users["mentor"].id)
        mentee = User(email="mentee@matrix.test", name="Matrix mentee", start_date=date(2026, 1, 5), mentor_id=mentor.id)
        mentee.set_roles(["agent"])
        db.session.add(mentee)
        template = PlanTemplate(name="Matrix plan", role="agent", is_active=False)
        template.items.append(PlanTemplateItem(key="first", title={"en": "First"}, kind="task", due_offset_days=3))
        db.session.add(template)
        db.session.flush()
        plan = services.instantiate_plan(mentee, template, None)
        checkin = services.schedule_checkin(mentor, mentee, datetime(2026, 1, 8, 9, 0, tzinfo=UTC), "Agenda")
        action = services.add_action(checkin, mentor, owner="newhire", title="Read the protocol", due_date=None)
        db.session.commit()
        return {"template_id": template.id, "template_item_id": template.items[0].id, "mentee_id": mentee.id,
                "item_id": plan.items[0].id, "checkin_id": checkin.id, "action_id": action.id}
