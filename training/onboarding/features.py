"""Navigation links, dashboard panels and demo steps of training.onboarding (registered on import)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from servicecraft import demo, events
from servicecraft.dashboard import panel
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.templating import nav_item
from training.onboarding import services
from training.onboarding.models import CheckIn


@events.person_saved.connect
def plan_for_new_hires(sender, *, user, actor=None, **_extra):
    """A new hire created or changed to match a template gets a plan (once; existing plans stay)."""
    services.auto_instantiate(user, actor)


nav_item("training.onboarding.mentor_dashboard", _l("My mentees"), roles=("mentor",), order=15)
nav_item("training.onboarding.mine", _l("My onboarding plan"), roles=("agent",), order=16, newhire=True)
nav_item("training.onboarding.templates", _l("Onboarding plans"), roles=("admin", "manager"), order=33)


@panel("onboarding-next", roles=("agent",), template="training/onboarding/panel_next.html", order=11, newhire=True)
def next_in_plan(user):
    """A new hire's next plan items, overdue ones first, and their open action items."""
    plan = services.plan_of(user, with_items=True)
    if plan is None:
        return None
    rows = services.plan_rows(plan, user, live=False)
    open_rows = [r for r in rows if not r.item.is_done]
    open_rows.sort(key=lambda r: (not r.is_overdue, bool(r.waiting_for), r.item.due_date))
    return {"rows": open_rows[:4], "done": len(rows) - len(open_rows), "total": len(rows),
            "overdue": sum(1 for r in open_rows if r.is_overdue),
            "actions": services.open_actions(user, owner="newhire")[:3]}


@panel("onboarding-checkins", roles=("mentor",), template="training/onboarding/panel_checkins.html", order=21)
def checkins_panel(user):
    """Check-ins due or overdue, and the overdue plan items of the mentor's mentees."""
    if not services.has_mentees(user):
        return None
    today = date.today()
    due, upcoming = services.checkins_ahead(user, today, days=7)
    return {"due": due, "upcoming": upcoming[:3],
            "overdue_items": services.overdue_items_of_mentees(user, today)[:6], "today": today}


# --- demo ---------------------------------------------------------------------------------------

# How far each demo new hire is: the first N plan items ticked.
DEMO_TICKS = {"newhire@demo.test": 3, "newhire2@demo.test": 5, "newhire3@demo.test": 7, "newhire4@demo.test": 0}


def _tick_first(plan, count: int, users: dict) -> int:
    person = plan.user
    mentor = person.mentor
    ticked = 0
    for item in plan.items[:count]:
        if item.is_done:
            continue
        actor = person if item.ticked_by in ("newhire", "either") or mentor is None else mentor
        item.done_at = datetime.combine(min(item.due_date, date.today()), time(15, 0), tzinfo=UTC)
        item.done_by_id = actor.id
        ticked += 1
    db.session.flush()
    return ticked


@demo.step(55)
def onboarding_plans(ctx: dict) -> str:
    """The starter template, a plan for every demo new hire, and check-ins between Anna and her mentor."""
    users = ctx.get("users", {})
    admin = users.get("admin@demo.test")
    template = services.load_starter_template(actor=admin)
    made = 0
    for email, count in DEMO_TICKS.items():
        person = users.get(email)
        if person is None or not person.is_newhire:
            continue
        plan = services.plan_of(person)
        if plan is None:
            plan = services.instantiate_plan(person, template, admin)
            made += 1
            _tick_first(plan, count, users)
    anna, mentor = users.get("newhire@demo.test"), users.get("mentor@demo.test")
    checkins = 0
    if anna is not None and mentor is not None and anna.mentor_id == mentor.id:
        exists = db.session.scalar(select(CheckIn.id).where(CheckIn.mentee_id == anna.id).limit(1))
        if not exists:
            checkins = _demo_checkins(anna, mentor, ctx.get("today") or date.today())
    db.session.flush()
    return f"onboarding: starter template, {made} plans, {checkins} check-ins"


def _demo_checkins(anna, mentor, today: date) -> int:
    first = services.schedule_checkin(mentor, anna, datetime.combine(today - timedelta(days=7), time(9, 0), tzinfo=UTC),
                                      "First week: how are the courses going? Shadowing plan.")
    services.save_note(first, mentor, "shared",
                       "Anna finished half of the first course. We agreed she shadows two calls a day this week.")
    services.save_note(first, mentor, "shared",
                       "Anna finished half of the first course. We agreed she shadows two calls a day this week "
                       "and writes down questions about refunds.")
    services.save_note(first, mentor, "private",
                       "Confident on the phone, a little hesitant with refunds. Pair her with Olga on Thursday.")
    services.add_action(first, mentor, owner="newhire", title="Finish the course “The three A's”",
                        due_date=today + timedelta(days=2))
    shadow = services.add_action(first, mentor, owner="newhire", title="Shadow two calls a day with the phone team",
                                 due_date=today - timedelta(days=2))
    shadow.done_at, shadow.done_by_id = utcnow() - timedelta(days=3), anna.id
    services.add_action(first, mentor, owner="mentor", title="Send Anna the refund policy cheat sheet",
                        due_date=today - timedelta(days=1))
    services.set_checkin_status(first, mentor, "held")
    first.held_at = datetime.combine(today - timedelta(days=7), time(9, 45), tzinfo=UTC)
    for kind, ref_id, _label in services.linkable(anna, "en")[:1]:
        services.add_link(first, mentor, kind, ref_id)
    services.schedule_checkin(mentor, anna, datetime.combine(today, time(14, 0), tzinfo=UTC),
                              "Go over the double-charge role-play; plan the go-live track.")
    services.schedule_checkin(mentor, anna, datetime.combine(today + timedelta(days=7), time(10, 0), tzinfo=UTC),
                              "Weekly check-in.")
    return 3
