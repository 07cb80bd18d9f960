"""Onboarding use-cases: plan templates, plans of new hires, coaching check-ins, the mentor's view.

Every function that changes state takes the acting user, flushes and never commits; refused
input raises OnboardingError with a translated message (and, for forms, per-field problems).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from servicecraft import audit
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.permissions import can_view_user, sees_everyone, signed_in
from servicecraft.texts import pick
from training.onboarding import plans
from training.onboarding.models import (
    ActionItem,
    CheckIn,
    CheckInLink,
    CheckInNote,
    Plan,
    PlanItem,
    PlanTemplate,
    PlanTemplateItem,
)
from training.people import all_mentees

NOTE_KINDS = ("shared", "private")
OWNERS = ("newhire", "mentor")
LINK_KINDS = ("quiz", "roleplay", "evaluation")
CHECKIN_STATUSES = ("scheduled", "held", "cancelled")
MAX_NOTE = 20000
MAX_AGENDA = 4000


class OnboardingError(Exception):
    """Refused input: ``message`` says why; ``problems`` maps a field (or "") to a message."""

    def __init__(self, message: str, problems: dict[str, str] | None = None, lines: list[str] | None = None):
        self.message = message
        self.problems = problems or {}
        self.lines = lines or []
        super().__init__(message)


# --- rules: who may see and do what ------------------------------------------------------------

def is_mentor_of(viewer, person: User) -> bool:
    """Tell whether *viewer* is *person*'s current mentor."""
    return signed_in(viewer) and viewer.has_role("mentor") and person.mentor_id == viewer.id and viewer.id != person.id


def can_manage_templates(viewer) -> bool:
    """Admins and managers write plan templates."""
    return sees_everyone(viewer)


def can_view_plan(viewer, person: User) -> bool:
    """The new hire, their mentor, managers and admins see a plan."""
    return can_view_user(viewer, person)


def can_tick(viewer, item: PlanItem) -> bool:
    """The template says who ticks an item: the new hire, their mentor, or either."""
    person = item.plan.user
    if item.ticked_by == "newhire":
        return signed_in(viewer) and viewer.id == person.id
    if item.ticked_by == "mentor":
        return is_mentor_of(viewer, person)
    return signed_in(viewer) and (viewer.id == person.id or is_mentor_of(viewer, person))


def can_start_plan(viewer, person: User) -> bool:
    """Managers, admins and the mentor start a new hire's plan."""
    return sees_everyone(viewer) or is_mentor_of(viewer, person)


def can_view_checkin(viewer, checkin: CheckIn) -> bool:
    """The mentee, the mentor who holds it, the mentee's current mentor, managers and admins."""
    if not signed_in(viewer):
        return False
    return (viewer.id in (checkin.mentee_id, checkin.mentor_id) or is_mentor_of(viewer, checkin.mentee)
            or sees_everyone(viewer))


def can_run_checkin(viewer, checkin: CheckIn) -> bool:
    """The mentor who holds a check-in (or the mentee's current mentor) writes its notes and actions."""
    return signed_in(viewer) and (viewer.id == checkin.mentor_id or is_mentor_of(viewer, checkin.mentee))


def can_tick_action(viewer, action: ActionItem) -> bool:
    """The mentor ticks every action item; the new hire the ones they own."""
    checkin = action.checkin
    if can_run_checkin(viewer, checkin):
        return True
    return signed_in(viewer) and action.owner == "newhire" and viewer.id == checkin.mentee_id


# --- templates ---------------------------------------------------------------------------------

def _clean_texts(texts: dict[str, str] | None) -> dict[str, str]:
    return {lang: value.strip() for lang, value in (texts or {}).items() if value and value.strip()}


def spec_of(item: PlanTemplateItem | PlanItem) -> plans.ItemSpec:
    return plans.ItemSpec(item.key, item.title or {}, item.kind, item.link or "",
                          getattr(item, "due_offset_days", 0), item.ticked_by, tuple(item.depends_on or ()))


def templates() -> list[PlanTemplate]:
    return list(db.session.scalars(select(PlanTemplate).order_by(PlanTemplate.is_active.desc(), PlanTemplate.name)))


def save_template(template: PlanTemplate | None, *, name: str, description: dict[str, str], role: str,
                  branch_id: int | None, is_active: bool, actor) -> PlanTemplate:
    """Create a template (*template* None) or change its settings."""
    name = (name or "").strip()
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = _("A name is required.")
    elif len(name) > 120:
        problems["name"] = _("A name has at most %(n)d characters.", n=120)
    else:
        other = db.session.scalar(select(PlanTemplate).where(PlanTemplate.name == name))
        if other is not None and other is not template:
            problems["name"] = _("Another template already has this name.")
    if role not in ("agent", "mentor"):
        problems["role"] = _("The role must be agent or mentor.")
    if problems:
        raise OnboardingError(_("The template is not saved."), problems)
    before = _template_snapshot(template) if template else None
    if template is None:
        template = PlanTemplate(created_by_id=actor.id if actor else None)
        db.session.add(template)
    template.name, template.description, template.role = name, _clean_texts(description), role
    template.branch_id, template.is_active = branch_id or None, bool(is_active)
    db.session.flush()
    after = _template_snapshot(template)
    if before is None:
        audit.record(actor, "plan_template", template.id, "created", after=after)
    else:
        b, a = audit.changes(before, after)
        if a:
            audit.record(actor, "plan_template", template.id, "updated", before=b, after=a)
    return template


def _template_snapshot(template: PlanTemplate) -> dict[str, Any]:
    return {"name": template.name, "role": template.role, "branch_id": template.branch_id,
            "active": template.is_active, "description": template.description}


@dataclass
class ItemInput:
    """What the item form says."""

    key: str
    title: dict[str, str]
    kind: str = "task"
    link: str = ""
    due_offset_days: int | None = 0
    ticked_by: str = "either"
    depends_on: list[str] = field(default_factory=list)


def save_item(template: PlanTemplate, item: PlanTemplateItem | None, data: ItemInput, actor) -> PlanTemplateItem:
    """Add or change an item; the whole template is checked first and nothing changes when it is invalid."""
    spec = plans.ItemSpec((data.key or "").strip(), _clean_texts(data.title), data.kind, (data.link or "").strip(),
                          data.due_offset_days if data.due_offset_days is not None else -1,
                          data.ticked_by, tuple(dict.fromkeys(d for d in data.depends_on if d)))
    others = [spec_of(i) for i in template.items if i is not item]
    if item is not None and item.key != spec.key:
        # Renaming a key would strand the items that depend on it.
        users = [i.key for i in template.items if item.key in (i.depends_on or []) and i is not item]
        if users:
            raise OnboardingError(_("The key cannot change while %(items)s depend on it.", items=", ".join(users)),
                                  {"key": _("The key cannot change while %(items)s depend on it.", items=", ".join(users))})
    problems = plans.validate([spec, *others])  # a cycle is then told from the edited item
    if problems:
        raise OnboardingError(_("The item is not saved: %(problems)s", problems=" ".join(problems)), lines=problems)
    before = _item_snapshot(item) if item else None
    if item is None:
        item = PlanTemplateItem(position=len(template.items) + 1)
        template.items.append(item)
    item.key, item.title, item.kind, item.link = spec.key, dict(spec.title), spec.kind, spec.link
    item.due_offset_days, item.ticked_by, item.depends_on = spec.due_offset_days, spec.ticked_by, list(spec.depends_on)
    template.updated_at = utcnow()
    db.session.flush()
    after = _item_snapshot(item)
    if before is None:
        audit.record(actor, "plan_template", template.id, "item-added", after=after)
    else:
        b, a = audit.changes(before, after)
        if a:
            audit.record(actor, "plan_template", template.id, "item-changed", before=b, after=a)
    return item


def _item_snapshot(item: PlanTemplateItem) -> dict[str, Any]:
    return {"key": item.key, "title": item.title, "kind": item.kind, "link": item.link,
            "due_offset_days": item.due_offset_days, "ticked_by": item.ticked_by, "depends_on": item.depends_on}


def delete_item(item: PlanTemplateItem, actor) -> None:
    """Remove an item no other item depends on (plans already made keep their copy)."""
    template = item.template
    users = [i.key for i in template.items if item.key in (i.depends_on or []) and i is not item]
    if users:
        raise OnboardingError(_("%(key)s cannot be removed: %(items)s depend on it.", key=item.key, items=", ".join(users)))
    audit.record(actor, "plan_template", template.id, "item-removed", before=_item_snapshot(item))
    template.items.remove(item)
    db.session.flush()


def check_template(template: PlanTemplate) -> list[str]:
    return plans.validate([spec_of(i) for i in template.items])


def template_for(person: User) -> PlanTemplate | None:
    """Return the active template for *person*: their branch's first, else one for every branch."""
    found = db.session.scalars(select(PlanTemplate).where(PlanTemplate.is_active.is_(True)).order_by(PlanTemplate.id)).all()
    matching = [t for t in found if person.has_role(t.role) and t.items]
    for t in matching:
        if t.branch_id is not None and t.branch_id == person.branch_id:
            return t
    for t in matching:
        if t.branch_id is None:
            return t
    return None


def load_starter_template(actor=None) -> PlanTemplate:
    """Create the shipped 30/60/90-day template once (an existing one is left as it is)."""
    template = db.session.scalar(select(PlanTemplate).where(PlanTemplate.name == plans.STARTER_NAME))
    if template is not None:
        return template
    template = PlanTemplate(name=plans.STARTER_NAME, description=dict(plans.STARTER_DESCRIPTION), role="agent",
                            branch_id=None, is_active=True, created_by_id=actor.id if actor else None)
    for n, spec in enumerate(plans.STARTER_ITEMS, start=1):
        template.items.append(PlanTemplateItem(key=spec.key, position=n, title=dict(spec.title), kind=spec.kind,
                                               link=spec.link, due_offset_days=spec.due_offset_days,
                                               ticked_by=spec.ticked_by, depends_on=list(spec.depends_on)))
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "plan_template", template.id, "created", after={"name": template.name, "items": len(template.items)})
    return template


# --- plans -------------------------------------------------------------------------------------

def plan_of(person: User, *, with_items: bool = False) -> Plan | None:
    """The person's onboarding plan; *with_items* reads its items in the same query."""
    query = select(Plan).where(Plan.user_id == person.id)
    if with_items:
        return db.session.scalars(query.options(joinedload(Plan.items))).unique().first()
    return db.session.scalar(query)


def instantiate_plan(newhire: User, template: PlanTemplate, actor, *, today: date | None = None) -> Plan:
    """Give a new hire a plan copied from *template*, due dates counted from their start date."""
    if not newhire.is_newhire:
        raise OnboardingError(_("%(name)s is not a new hire: only agents still onboarding get a plan.", name=newhire.name))
    if plan_of(newhire) is not None:
        raise OnboardingError(_("%(name)s already has an onboarding plan.", name=newhire.name))
    specs = [spec_of(i) for i in template.items]
    if not specs:
        raise OnboardingError(_("The template %(name)s has no items yet.", name=template.name))
    problems = plans.validate(specs)
    if problems:
        raise OnboardingError(_("The template %(name)s is not valid: %(problems)s", name=template.name, problems=" ".join(problems)))
    start = newhire.start_date or today or date.today()
    due = plans.due_dates(specs, start)
    plan = Plan(user_id=newhire.id, template_id=template.id, name=template.name, start_date=start,
                created_by_id=actor.id if actor else None)
    for n, spec in enumerate(plans.order(specs), start=1):
        plan.items.append(PlanItem(key=spec.key, position=n, title=dict(spec.title), kind=spec.kind, link=spec.link,
                                   due_date=due[spec.key], ticked_by=spec.ticked_by, depends_on=list(spec.depends_on)))
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "onboarding_plan", plan.id, "created",
                 after={"user": newhire.email, "template": template.name, "start_date": start, "items": len(specs)})
    return plan


def auto_instantiate(person: User, actor=None) -> Plan | None:
    """Give a new hire without a plan the template that matches them; return the plan or None."""
    if not person.is_active_account or not person.is_newhire or person.id is None:
        return None
    if plan_of(person) is not None:
        return None
    template = template_for(person)
    if template is None or check_template(template):
        return None
    return instantiate_plan(person, template, actor)


def _item_by_key(plan: Plan) -> dict[str, PlanItem]:
    return {i.key: i for i in plan.items}


def tick_item(item: PlanItem, actor) -> PlanItem:
    """Mark an item done; refused for someone the template does not name, or before its dependencies."""
    if not can_tick(actor, item):
        raise OnboardingError(_("You may not tick this item: %(who)s ticks it.", who=ticker_label(item.ticked_by)))
    if item.is_done:
        return item
    by_key = _item_by_key(item.plan)
    waiting = plans.blocking(item.depends_on or [], [k for k, i in by_key.items() if i.is_done])
    if waiting:
        names = ", ".join(pick(by_key[k].title, actor.language, ("en",)) if k in by_key else k for k in waiting)
        raise OnboardingError(_("This item waits for %(items)s to be done first.", items=names))
    item.done_at, item.done_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "onboarding_plan", item.plan_id, "item-ticked", after={"item": item.key, "done": True})
    return item


def untick_item(item: PlanItem, actor, reason: str = "") -> PlanItem:
    """Mark a done item as not done again (audited); refused while a done item depends on it."""
    if not can_tick(actor, item):
        raise OnboardingError(_("You may not untick this item: %(who)s ticks it.", who=ticker_label(item.ticked_by)))
    if not item.is_done:
        return item
    after_it = [i for i in item.plan.items if item.key in (i.depends_on or []) and i.is_done]
    if after_it:
        names = ", ".join(pick(i.title, actor.language, ("en",)) for i in after_it)
        raise OnboardingError(_("This item cannot be unticked while %(items)s, which depend on it, are done.", items=names))
    before = {"item": item.key, "done": True, "done_at": item.done_at, "done_by_id": item.done_by_id}
    item.done_at, item.done_by_id = None, None
    db.session.flush()
    audit.record(actor, "onboarding_plan", item.plan_id, "item-unticked", before=before,
                 after={"item": item.key, "done": False}, reason=reason)
    return item


def kind_label(kind: str) -> str:
    labels = {"task": _("Task"), "course": _("Course"), "roleplay": _("Role-play"), "golive": _("Go-live track"),
              "supervised": _("Supervised tickets"), "shadowing": _("Shadowing"), "meeting": _("Meeting")}
    return labels.get(kind, kind)


def ticker_label(who: str) -> str:
    labels = {"newhire": _("the new hire"), "mentor": _("the mentor"), "either": _("the new hire or the mentor")}
    return labels.get(who, who)


@dataclass
class ItemRow:
    """One plan item as a page shows it."""

    item: PlanItem
    title: str
    status: str | None  # overdue, due_soon, on_track, None when done
    waiting_for: list[str]
    may_tick: bool
    live: dict[str, Any] | None = None

    @property
    def is_overdue(self) -> bool:
        return self.status == "overdue"


def _live_status(item: PlanItem, person: User, cache: dict) -> dict[str, Any] | None:
    """What the training records say about a course, role-play or go-live item."""
    if item.kind == "course" and item.link:
        from training.courses.services import has_completed

        done = has_completed(person, item.link)
        return {"done": done, "text": _("Course completed") if done else _("Course not completed yet")}
    if item.kind == "roleplay" and item.link:
        if "best" not in cache:
            from training.simulations.services import best_scores

            cache["best"] = best_scores(person)
        row = cache["best"].get(item.link)
        if not row:
            return {"done": False, "text": _("Not tried yet")}
        if row["passed"]:
            return {"done": True, "text": _("Passed (best %(score)s%%)", score=round(row["best"] or 0))}
        return {"done": False, "text": _("%(n)s attempts, not passed yet", n=row["attempts"])}
    if item.kind == "golive":
        if "golive" not in cache:
            from training.simulations.services import golive_progress

            cache["golive"] = golive_progress(person)
        track = cache["golive"]
        if not track["total"]:
            return {"done": False, "text": _("No go-live requirements are set yet")}
        return {"done": track["complete"], "text": _("%(met)s of %(total)s go-live requirements met",
                                                       met=track["met"], total=track["total"])}
    return None


def plan_rows(plan: Plan, viewer, today: date | None = None, *, live: bool = True) -> list[ItemRow]:
    """Return the plan's items with due status, what each waits for, and who may tick it."""
    today = today or date.today()
    language = getattr(viewer, "language", None) or "en"
    by_key = _item_by_key(plan)
    done = [k for k, i in by_key.items() if i.is_done]
    cache: dict = {}
    rows = []
    for item in plan.items:
        waiting = [pick(by_key[k].title, language, ("en",)) if k in by_key else k
                   for k in plans.blocking(item.depends_on or [], done)]
        rows.append(ItemRow(item, pick(item.title, language, ("en", "ru")),
                            plans.due_status(item.due_date, item.is_done, today), waiting,
                            can_tick(viewer, item), _live_status(item, plan.user, cache) if live else None))
    return rows


@dataclass
class PlanSummary:
    done: int
    total: int
    overdue: int
    next_rows: list[ItemRow]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def plan_summary(plan: Plan | None, viewer, today: date | None = None, *, live: bool = False) -> PlanSummary | None:
    if plan is None:
        return None
    rows = plan_rows(plan, viewer, today, live=live)
    open_rows = [r for r in rows if not r.item.is_done]
    return PlanSummary(len(rows) - len(open_rows), len(rows), sum(1 for r in open_rows if r.is_overdue), open_rows[:3])


def overdue_items_of_mentees(mentor: User, today: date | None = None) -> list[PlanItem]:
    """Return open plan items past their due date for the mentor's mentees, oldest first."""
    today = today or date.today()
    # The joins read each item's plan and person: fill item.plan.user from them for the pages.
    return list(db.session.scalars(
        select(PlanItem).join(Plan).join(User, Plan.user_id == User.id)
        .options(contains_eager(PlanItem.plan).contains_eager(Plan.user).lazyload(User.role_rows))
        .where(User.mentor_id == mentor.id, User.is_active_account.is_(True), PlanItem.done_at.is_(None),
               PlanItem.due_date < today)
        .order_by(PlanItem.due_date, PlanItem.id)))


# --- check-ins ---------------------------------------------------------------------------------

def schedule_checkin(mentor: User, mentee: User, scheduled_at: datetime | None, agenda: str) -> CheckIn:
    """A mentor schedules a check-in with one of their mentees."""
    if not is_mentor_of(mentor, mentee):
        raise OnboardingError(_("Only %(name)s's mentor schedules check-ins with them.", name=mentee.name))
    problems = {}
    if scheduled_at is None:
        problems["scheduled_at"] = _("Give the date and time of the check-in.")
    elif scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must be aware")
    agenda = (agenda or "").strip()
    if len(agenda) > MAX_AGENDA:
        problems["agenda"] = _("The agenda has at most %(n)d characters.", n=MAX_AGENDA)
    if problems:
        raise OnboardingError(_("The check-in is not scheduled."), problems)
    checkin = CheckIn(mentor_id=mentor.id, mentee_id=mentee.id, scheduled_at=scheduled_at, agenda=agenda)
    db.session.add(checkin)
    db.session.flush()
    audit.record(mentor, "checkin", checkin.id, "scheduled", after={"mentee": mentee.email, "at": scheduled_at})
    return checkin


def set_checkin_status(checkin: CheckIn, actor, status: str) -> CheckIn:
    """Mark a check-in held, cancelled, or scheduled again."""
    if not can_run_checkin(actor, checkin):
        raise OnboardingError(_("Only the mentor changes this check-in."))
    if status not in CHECKIN_STATUSES:
        raise OnboardingError(_("Unknown status."))
    if status == checkin.status:
        return checkin
    before = {"status": checkin.status}
    checkin.status = status
    checkin.held_at = utcnow() if status == "held" else None
    db.session.flush()
    audit.record(actor, "checkin", checkin.id, "status", before=before, after={"status": status})
    return checkin


def _notes(checkin: CheckIn, kind: str, author_id: int | None = None) -> list[CheckInNote]:
    return [n for n in checkin.notes if n.kind == kind and (author_id is None or n.author_id == author_id)]


def note_history(checkin: CheckIn, kind: str, viewer) -> list[CheckInNote]:
    """Return every version of the shared notes, or of the viewer's own private notes, newest first.

    Private notes are only ever returned to the mentor who wrote them.
    """
    if kind == "shared":
        if not can_view_checkin(viewer, checkin):
            return []
        return sorted(_notes(checkin, "shared"), key=lambda n: n.version, reverse=True)
    if kind == "private":
        if not signed_in(viewer) or not viewer.has_role("mentor"):
            return []
        return sorted(_notes(checkin, "private", viewer.id), key=lambda n: n.version, reverse=True)
    return []


def current_note(checkin: CheckIn, kind: str, viewer) -> CheckInNote | None:
    history = note_history(checkin, kind, viewer)
    return history[0] if history else None


def save_note(checkin: CheckIn, author: User, kind: str, body: str) -> CheckInNote | None:
    """Save a new version of the shared or the author's private notes (the old ones stay, audited).

    Returns None when the text did not change.
    """
    if kind not in NOTE_KINDS:
        raise OnboardingError(_("Unknown kind of notes."))
    if not can_run_checkin(author, checkin):
        raise OnboardingError(_("Only the mentor writes notes on this check-in."))
    body = (body or "").strip()
    if len(body) > MAX_NOTE:
        raise OnboardingError(_("Notes have at most %(n)d characters.", n=MAX_NOTE),
                              {"body": _("Notes have at most %(n)d characters.", n=MAX_NOTE)})
    if kind == "shared":
        history = sorted(_notes(checkin, "shared"), key=lambda n: n.version)
    else:
        history = sorted(_notes(checkin, "private", author.id), key=lambda n: n.version)
    latest = history[-1] if history else None
    if latest is not None and latest.body == body:
        return None
    if latest is None and not body:
        raise OnboardingError(_("Write the notes first."), {"body": _("Write the notes first.")})
    # Versions count per check-in and kind, across authors, so the unique key never clashes.
    number = 1 + max((n.version for n in checkin.notes if n.kind == kind and n.author_id == author.id), default=0)
    note = CheckInNote(kind=kind, author_id=author.id, version=number, body=body)
    checkin.notes.append(note)
    db.session.flush()
    # Private notes are for their author alone: the audit log (read by admins) keeps no text of them.
    if kind == "shared":
        audit.record(author, "checkin", checkin.id, "shared-notes-edited" if latest else "shared-notes-written",
                     before={"version": latest.version, "body": latest.body} if latest else None,
                     after={"version": note.version, "body": body})
    else:
        audit.record(author, "checkin", checkin.id, "private-notes-edited" if latest else "private-notes-written",
                     before={"version": latest.version} if latest else None, after={"version": note.version})
    return note


def add_action(checkin: CheckIn, actor, *, owner: str, title: str, due_date: date | None) -> ActionItem:
    if not can_run_checkin(actor, checkin):
        raise OnboardingError(_("Only the mentor adds action items to this check-in."))
    problems = {}
    title = (title or "").strip()
    if not title:
        problems["title"] = _("Say what is to be done.")
    elif len(title) > 300:
        problems["title"] = _("An action item has at most %(n)d characters.", n=300)
    if owner not in OWNERS:
        problems["owner"] = _("The owner is the new hire or the mentor.")
    if problems:
        raise OnboardingError(_("The action item is not added."), problems)
    action = ActionItem(owner=owner, title=title, due_date=due_date, created_by_id=actor.id)
    checkin.actions.append(action)
    db.session.flush()
    audit.record(actor, "checkin", checkin.id, "action-added", after={"action": action.id, "title": title,
                                                                       "owner": owner, "due_date": due_date})
    return action


def toggle_action(action: ActionItem, actor) -> ActionItem:
    """Tick an action item done, or open it again (both audited)."""
    if not can_tick_action(actor, action):
        raise OnboardingError(_("You may not tick this action item."))
    before = {"done": action.is_done}
    if action.is_done:
        action.done_at, action.done_by_id = None, None
    else:
        action.done_at, action.done_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(actor, "checkin", action.checkin_id, "action-done" if action.is_done else "action-reopened",
                 before={"action": action.id, **before}, after={"action": action.id, "done": action.is_done})
    return action


def linkable(mentee: User, language: str) -> list[tuple[str, int, str]]:
    """Return (kind, id, label) for the mentee's quiz and role-play attempts a check-in may discuss."""
    from training.quizzes.models import QuizAttempt
    from training.quizzes.services import quiz_title
    from training.simulations.models import Attempt

    found: list[tuple[str, int, str]] = []
    for attempt in db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == mentee.id,
                                                                QuizAttempt.status != "in_progress")
                                      .order_by(QuizAttempt.started_at.desc()).limit(30)):
        score = f" · {round(attempt.percent)}%" if attempt.percent is not None else ""
        found.append(("quiz", attempt.id, _("Quiz: %(title)s, attempt %(n)s", title=quiz_title(attempt.quiz, language),
                                              n=attempt.number) + score))
    for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == mentee.id)
                                      .order_by(Attempt.started_at.desc()).limit(30)):
        score = f" · {round(attempt.final_score)}%" if attempt.final_score is not None else ""
        found.append(("roleplay", attempt.id, _("Role-play: %(title)s, %(date)s",
                                                  title=pick(attempt.version.title, language, attempt.version.languages),
                                                  date=attempt.started_at.date().isoformat()) + score))
    return found


def add_link(checkin: CheckIn, actor, kind: str, ref_id: int, language: str = "en") -> CheckInLink:
    """Record that an attempt of the mentee was discussed (it must be theirs)."""
    if not can_run_checkin(actor, checkin):
        raise OnboardingError(_("Only the mentor links what was discussed."))
    options = {(k, i): label for k, i, label in linkable(checkin.mentee, language)}
    if kind not in LINK_KINDS or (kind, ref_id) not in options:
        raise OnboardingError(_("Choose one of %(name)s's own quiz or role-play attempts.", name=checkin.mentee.name),
                              {"target": _("Choose one of %(name)s's own quiz or role-play attempts.", name=checkin.mentee.name)})
    existing = next((link for link in checkin.links if link.kind == kind and link.ref_id == ref_id), None)
    if existing is not None:
        return existing
    link = CheckInLink(kind=kind, ref_id=ref_id, label=options[(kind, ref_id)][:200])
    checkin.links.append(link)
    db.session.flush()
    audit.record(actor, "checkin", checkin.id, "link-added", after={"kind": kind, "id": ref_id})
    return link


def checkins_of(mentee: User) -> list[CheckIn]:
    return list(db.session.scalars(select(CheckIn).where(CheckIn.mentee_id == mentee.id)
                                   .order_by(CheckIn.scheduled_at.desc())))


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=UTC)


# Lists of check-ins show the mentee's name: read the mentee with them (roles only if asked for).
_WITH_MENTEE = joinedload(CheckIn.mentee).lazyload(User.role_rows)


def checkins_due(mentor: User, today: date | None = None) -> list[CheckIn]:
    """Return the mentor's check-ins still scheduled for today or earlier (overdue first)."""
    today = today or date.today()
    return list(db.session.scalars(select(CheckIn).options(_WITH_MENTEE).where(
        CheckIn.mentor_id == mentor.id, CheckIn.status == "scheduled", CheckIn.scheduled_at < end_of(today))
        .order_by(CheckIn.scheduled_at, CheckIn.id)))


def upcoming_checkins(mentor: User, today: date | None = None, days: int = 14) -> list[CheckIn]:
    today = today or date.today()
    return list(db.session.scalars(select(CheckIn).options(_WITH_MENTEE).where(
        CheckIn.mentor_id == mentor.id, CheckIn.status == "scheduled", CheckIn.scheduled_at >= end_of(today),
        CheckIn.scheduled_at < end_of(today + timedelta(days=days))).order_by(CheckIn.scheduled_at, CheckIn.id)))


def checkins_ahead(mentor: User, today: date | None = None, days: int = 14) -> tuple[list[CheckIn], list[CheckIn]]:
    """checkins_due() and upcoming_checkins() together, in one query."""
    today = today or date.today()
    found = list(db.session.scalars(select(CheckIn).options(_WITH_MENTEE).where(
        CheckIn.mentor_id == mentor.id, CheckIn.status == "scheduled",
        CheckIn.scheduled_at < end_of(today + timedelta(days=days))).order_by(CheckIn.scheduled_at, CheckIn.id)))
    due_before = end_of(today)
    return [c for c in found if c.scheduled_at < due_before], [c for c in found if c.scheduled_at >= due_before]


def is_checkin_overdue(checkin: CheckIn, today: date | None = None) -> bool:
    today = today or date.today()
    return checkin.status == "scheduled" and checkin.scheduled_at < datetime.combine(today, time(0, 0), tzinfo=UTC)


def last_contact(mentee: User) -> datetime | None:
    """Return when the mentee last had a check-in that was held."""
    return db.session.scalar(select(func.max(CheckIn.held_at)).where(CheckIn.mentee_id == mentee.id,
                                                                     CheckIn.status == "held"))


def open_actions(mentee: User, *, owner: str | None = None) -> list[ActionItem]:
    query = (select(ActionItem).join(CheckIn).where(CheckIn.mentee_id == mentee.id, ActionItem.done_at.is_(None))
             .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id))
    if owner:
        query = query.where(ActionItem.owner == owner)
    return list(db.session.scalars(query))


def all_actions(mentee: User) -> list[ActionItem]:
    return list(db.session.scalars(select(ActionItem).join(CheckIn).where(CheckIn.mentee_id == mentee.id)
                                   .order_by(ActionItem.done_at.isnot(None), ActionItem.due_date.is_(None),
                                             ActionItem.due_date, ActionItem.id)))


# --- the mentor's dashboard ----------------------------------------------------------------------

def has_mentees(mentor: User) -> bool:
    """Tell whether mentees_of(*mentor*) would list anyone (from the mentees the dashboard reads once)."""
    return bool(mentees_of(mentor))


def mentees_of(mentor: User) -> list[User]:
    """*mentor*'s active mentees by name."""
    return [u for u in all_mentees(mentor) if u.is_active_account and u.id != mentor.id]


@dataclass
class MenteeSummary:
    person: User
    courses_done: int
    courses_total: int
    courses_overdue: int
    quizzes_passed: int
    quizzes_total: int
    roleplays_passed: int
    roleplays_tried: int
    golive: dict[str, Any]
    plan: PlanSummary | None
    last_contact: datetime | None
    next_checkin: CheckIn | None
    overdue_actions: int
    open_actions: int


def mentee_summary(person: User, viewer, today: date | None = None) -> MenteeSummary:
    """Gather a mentee's progress across courses, quizzes, role-plays, plan and check-ins."""
    from training.courses.services import enrolments_of, progress_of
    from training.simulations.services import best_scores, golive_progress

    today = today or date.today()
    progress = [progress_of(e, today=today) for e in enrolments_of(person.id)]
    best = best_scores(person)
    actions = open_actions(person)
    next_checkin = db.session.scalar(select(CheckIn).where(CheckIn.mentee_id == person.id, CheckIn.status == "scheduled")
                                     .order_by(CheckIn.scheduled_at).limit(1))
    return MenteeSummary(
        person=person,
        courses_done=sum(1 for p in progress if p.progress.is_completed),
        courses_total=len(progress),
        courses_overdue=sum(1 for p in progress if p.is_overdue),
        quizzes_passed=sum(p.progress.quizzes_passed for p in progress),
        quizzes_total=sum(p.progress.quizzes_total for p in progress),
        roleplays_passed=sum(1 for row in best.values() if row["passed"]),
        roleplays_tried=len(best),
        golive=golive_progress(person),
        plan=plan_summary(plan_of(person), viewer, today),
        last_contact=last_contact(person),
        next_checkin=next_checkin,
        overdue_actions=sum(1 for a in actions if a.due_date and a.due_date < today),
        open_actions=len(actions),
    )


def mentor_dashboard(mentor: User, today: date | None = None) -> dict[str, Any]:
    """Everything a mentor's page shows: mentees, what waits for them, what is overdue."""
    from training.quizzes.services import grading_queue as essay_queue
    from training.simulations.services import grading_queue as roleplay_queue

    today = today or date.today()
    mentees = mentees_of(mentor)
    mentee_ids = {m.id for m in mentees}
    essays = [r for r in essay_queue(mentor) if r.attempt.user_id in mentee_ids]
    roleplays = [a for a in roleplay_queue(mentor) if a.user_id in mentee_ids]
    overdue_actions = [a for m in mentees for a in open_actions(m, owner="mentor") if a.due_date and a.due_date < today]
    return {
        "summaries": [mentee_summary(m, mentor, today) for m in mentees],
        "essays": essays,
        "roleplays": roleplays,
        "checkins_due": checkins_due(mentor, today),
        "upcoming": upcoming_checkins(mentor, today),
        "overdue_items": overdue_items_of_mentees(mentor, today),
        "overdue_actions": overdue_actions,
        "today": today,
    }
