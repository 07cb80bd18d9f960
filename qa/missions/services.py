"""Use-cases of qa.missions: prepare, hand out, do, check and pay mystery-shop missions.

Every function takes the acting person, changes state, flushes and never commits; bad input
or a step out of turn raises :class:`MissionError` with a translatable message (``problems``
maps a field name to its message when the problem belongs to one field). The answers, the
score, the release and disputes are the evaluation's: this module calls
``qa.evaluations.services`` for them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from qa.evaluations import services as evaluations
from qa.evaluations.models import EvaluationForm, FormVersion
from qa.listing import head_and_total
from qa.missions.models import CHANNELS, OPEN_FOR_SHOPPER, Mission, MissionEvent
from servicecraft import audit
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import Branch, User, UserRole
from servicecraft.permissions import is_manager, signed_in


class MissionError(Exception):
    """A mission step was refused; the message says why (``problems``: field -> message)."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None, *, status: int = 422):
        self.problems = dict(problems or {})
        self.status = status
        super().__init__(message)


class NotYours(MissionError):
    """The mission belongs to another shopper (views answer 403)."""

    def __init__(self):
        super().__init__(_("This mission is not yours."), status=403)


def _translate(error: Exception) -> MissionError:
    """Turn an evaluation's domain error into a MissionError naming the items."""
    problems = getattr(error, "problems", None)
    if isinstance(problems, Mapping):
        items = {str(k): str(v) for k, v in problems.items() if k}
        lines = error.messages() if hasattr(error, "messages") else [str(v) for v in problems.values()]
        return MissionError("; ".join(str(line) for line in lines), items)
    return MissionError(str(error))


EvaluationError = evaluations.EvaluationError


# --- rules ---------------------------------------------------------------------------------


def is_qa_lead(user) -> bool:
    """Managers and admins prepare, hand out and validate missions."""
    return is_manager(user)


def can_view_mission(viewer, mission: Mission) -> bool:
    """QA leads see every mission; a shopper only the missions given to them."""
    if not signed_in(viewer):
        return False
    if is_qa_lead(viewer):
        return True
    return viewer.has_role("shopper") and mission.shopper_id == viewer.id


def is_mission_shopper(viewer, mission: Mission) -> bool:
    return signed_in(viewer) and viewer.has_role("shopper") and mission.shopper_id == viewer.id


def visible_missions(viewer):
    """A query of the missions *viewer* may see."""
    query = select(Mission)
    if is_qa_lead(viewer):
        return query
    return query.where(Mission.shopper_id == viewer.id)


# --- helpers -------------------------------------------------------------------------------


def _event(mission: Mission, actor: User | None, action: str, note: str = "") -> MissionEvent:
    event = MissionEvent(mission=mission, actor_id=actor.id if actor else None, action=action, note=note or "")
    db.session.add(event)
    return event


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def mission_form_versions() -> list[FormVersion]:
    """The newest published version of every mystery-shop form, by form title."""
    newest = (select(FormVersion.form_id, func.max(FormVersion.number).label("number"))
              .where(FormVersion.status == "published").group_by(FormVersion.form_id).subquery())
    query = (select(FormVersion).join(newest, (FormVersion.form_id == newest.c.form_id) & (FormVersion.number == newest.c.number))
             .join(EvaluationForm, EvaluationForm.id == FormVersion.form_id)
             .where(EvaluationForm.kind == "mystery_shop").order_by(EvaluationForm.slug))
    return list(db.session.scalars(query))


def shoppers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "shopper", User.is_active_account.is_(True)).order_by(User.name)))


def definition_of(mission: Mission):
    """The FormDefinition the mission's shop is filled in on."""
    return evaluations.definition(mission.form_version)


def timer_item(definition):
    """The form's first timer item (the waiting time the big timer fills), or None."""
    return next((item for item in definition.items() if item.type == "timer"), None)


# --- preparing missions --------------------------------------------------------------------


@dataclass
class MissionInput:
    title: str
    channel: str
    form_version_id: int | None
    window_start: datetime | None
    window_end: datetime | None
    brief: str = ""
    branch_id: int | None = None
    agent_id: int | None = None
    scenario_slug: str | None = None
    fee: float | None = 0
    currency: str = "EUR"


def _check(data: MissionInput) -> dict[str, Any]:
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    title = (data.title or "").strip()
    if not title:
        problems["title"] = _("Give the mission a title.")
    elif len(title) > 200:
        problems["title"] = _("The title may be at most 200 characters long.")
    values["title"] = title
    if data.channel not in CHANNELS:
        problems["channel"] = _("Choose a channel: %(channels)s.", channels=", ".join(CHANNELS))
    values["channel"] = data.channel
    version = db.session.get(FormVersion, data.form_version_id) if data.form_version_id else None
    if version is None or version.status != "published" or version.form.kind != "mystery_shop":
        problems["form_version_id"] = _("Choose a published mystery-shop form.")
    values["form_version_id"] = version.id if version else None
    branch = db.session.get(Branch, data.branch_id) if data.branch_id else None
    agent = db.session.get(User, data.agent_id) if data.agent_id else None
    if data.branch_id and branch is None:
        problems["branch_id"] = _("This branch does not exist.")
    if data.agent_id and (agent is None or not agent.has_role("agent")):
        problems["agent_id"] = _("Choose an agent.")
    if not data.branch_id and not data.agent_id:
        problems["branch_id"] = _("Choose the branch or the agent to be shopped (or both).")
    values["branch_id"], values["agent_id"] = (branch.id if branch else None), (agent.id if agent else None)
    start, end = _aware(data.window_start), _aware(data.window_end)
    if start is None:
        problems["window_start"] = _("Give the start of the time window.")
    if end is None:
        problems["window_end"] = _("Give the end of the time window.")
    if start and end and end <= start:
        problems["window_end"] = _("The time window must end after it starts.")
    values["window_start"], values["window_end"] = start, end
    slug = (data.scenario_slug or "").strip() or None
    if slug:
        from training.simulations import services as simulations

        if simulations.current_version(slug) is None:
            problems["scenario_slug"] = _("There is no role-play scenario %(slug)s.", slug=slug)
    values["scenario_slug"] = slug
    fee = data.fee if data.fee is not None else 0
    if not isinstance(fee, (int, float)) or not math.isfinite(float(fee)) or fee < 0 or fee > 1_000_000:
        problems["fee"] = _("The fee must be an amount from 0 to 1,000,000.")
        fee = 0
    values["fee_cents"] = int(round(float(fee) * 100))
    currency = (data.currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        problems["currency"] = _("The currency must be a three-letter code such as EUR or RUB.")
    values["currency"] = currency
    values["brief"] = (data.brief or "").strip()
    if len(values["brief"]) > 20000:
        problems["brief"] = _("The brief may be at most 20,000 characters long.")
    if problems:
        raise MissionError(_("The mission was not saved: check the marked fields."), problems)
    return values


def create_mission(data: MissionInput, actor: User) -> Mission:
    """Create a mission as a draft."""
    values = _check(data)
    mission = Mission(status="draft", created_by_id=actor.id, **values)
    db.session.add(mission)
    db.session.flush()
    _event(mission, actor, "created")
    audit.record(actor, "qa_mission", mission.id, "create", after=values)
    db.session.flush()
    return mission


EDITABLE = ("draft", "published", "assigned")


def update_mission(mission: Mission, data: MissionInput, actor: User) -> Mission:
    """Change a mission that nobody has started yet."""
    if mission.status not in EDITABLE:
        raise MissionError(_("A mission can be edited only before the shopper starts it."), status=409)
    values = _check(data)
    before = {key: getattr(mission, key) for key in values}
    for key, value in values.items():
        setattr(mission, key, value)
    old, new = audit.changes(before, values)
    if new:
        _event(mission, actor, "edited")
        audit.record(actor, "qa_mission", mission.id, "edit", before=old, after=new)
    db.session.flush()
    return mission


def publish(mission: Mission, actor: User) -> Mission:
    """Put a draft mission on the job board."""
    if mission.status != "draft":
        raise MissionError(_("Only a draft mission can be published on the job board."), status=409)
    mission.status = "published"
    _event(mission, actor, "published")
    audit.record(actor, "qa_mission", mission.id, "publish")
    db.session.flush()
    return mission


def assign(mission: Mission, shopper: User | None, actor: User) -> Mission:
    """Give a draft or published mission (or one nobody started) to a shopper."""
    if shopper is None or not shopper.has_role("shopper") or not shopper.is_active_account:
        raise MissionError(_("Choose a mystery shopper."), {"shopper_id": _("Choose a mystery shopper.")})
    if mission.status not in ("draft", "published", "assigned"):
        raise MissionError(_("This mission has already been started and cannot be given to someone else."), status=409)
    before = mission.shopper_id
    mission.status, mission.shopper_id, mission.assigned_at = "assigned", shopper.id, utcnow()
    _event(mission, actor, "assigned", shopper.name)
    audit.record(actor, "qa_mission", mission.id, "assign", before={"shopper_id": before}, after={"shopper_id": shopper.id})
    db.session.flush()
    return mission


def cancel(mission: Mission, actor: User, reason: str = "") -> Mission:
    """Call a mission off (a validated one stays: it has been released)."""
    if mission.status in ("validated", "cancelled"):
        raise MissionError(_("A validated or cancelled mission cannot be cancelled."), status=409)
    before = mission.status
    mission.status = "cancelled"
    _event(mission, actor, "cancelled", reason)
    audit.record(actor, "qa_mission", mission.id, "cancel", before={"status": before}, after={"status": "cancelled"}, reason=reason)
    db.session.flush()
    return mission


# --- shoppers ------------------------------------------------------------------------------


def _on_the_board():
    return (Mission.status == "published", Mission.shopper_id.is_(None), Mission.window_end > utcnow())


def job_board() -> list[Mission]:
    """Published missions nobody has claimed yet whose window is still open."""
    return list(db.session.scalars(select(Mission).where(*_on_the_board()).order_by(Mission.window_start, Mission.id)))


def job_board_count() -> int:
    """Return how many missions the job board shows."""
    return db.session.scalar(select(func.count(Mission.id)).where(*_on_the_board())) or 0


def claim(mission_id: int, shopper: User) -> Mission:
    """Take a mission from the job board; of two shoppers racing, only the first gets it."""
    if not shopper.has_role("shopper"):
        raise MissionError(_("Only mystery shoppers can claim missions."), status=403)
    mission = db.session.get(Mission, mission_id)
    if mission is None:
        raise MissionError(_("This mission does not exist."), status=404)
    if mission.window_end and _aware(mission.window_end) <= utcnow():
        raise MissionError(_("The time window of this mission is over."), status=409)
    now = utcnow()
    # One conditional UPDATE: the database lets exactly one claim through.
    result = db.session.execute(
        update(Mission)
        .where(Mission.id == mission_id, Mission.status == "published", Mission.shopper_id.is_(None))
        .values(status="assigned", shopper_id=shopper.id, assigned_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise MissionError(_("Sorry, another shopper has just claimed this mission."), status=409)
    db.session.refresh(mission)
    _event(mission, shopper, "claimed")
    db.session.flush()
    return mission


def _own(mission: Mission, shopper: User) -> None:
    if not is_mission_shopper(shopper, mission):
        raise NotYours()


def start(mission: Mission, shopper: User) -> Mission:
    """Begin the shop: the evaluation is created on the mission's form version."""
    _own(mission, shopper)
    if mission.evaluation_id is not None:
        return mission
    if mission.status != "assigned":
        raise MissionError(_("This mission cannot be started now."), status=409)
    evaluation = evaluations.start_evaluation(
        mission.form_version, kind="mystery_shop", author=shopper, agent=mission.agent,
        branch=mission.branch, happened_at=utcnow(), subject_kind="mission", subject_ref=str(mission.id),
    )
    db.session.flush()
    mission.evaluation_id = evaluation.id
    mission.status = "in_progress"
    _event(mission, shopper, "started")
    db.session.flush()
    return mission


def parse_answers(definition, form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Read the answers of a posted mission form: ``answer-<item id>`` fields.

    Returns (answers, problems) where problems maps an item id to what is wrong; empty fields
    are simply not answered yet (a draft may be incomplete; submitting checks the rest).
    """
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for item in definition.items():
        if item.is_evidence:
            continue
        raw = (form.get(f"answer-{item.id}") or "").strip()
        if not raw:
            answers[item.id] = None  # cleared (or not answered yet)
            continue
        if item.is_scored and raw.lower() == "na":
            if item.na:
                answers[item.id] = "na"
            else:
                problems[item.id] = _("This question cannot be answered N/A.")
            continue
        if item.type == "yes_no":
            if raw in ("yes", "no"):
                answers[item.id] = raw == "yes"
            else:
                problems[item.id] = _("Answer yes or no.")
        elif item.type in ("scale", "stars"):
            low, high = (0, item.max) if item.type == "scale" else (1, 5)
            try:
                value = int(raw)
            except ValueError:
                value = None
            if value is None or not low <= value <= high:
                problems[item.id] = _("Choose a whole number from %(low)d to %(high)d.", low=low, high=high)
            else:
                answers[item.id] = value
        elif item.type == "timer":
            try:
                seconds = float(raw.replace(",", "."))
            except ValueError:
                seconds = None
            if seconds is None or not math.isfinite(seconds) or seconds < 0 or seconds > 86400:
                problems[item.id] = _("Give the waiting time as a number of seconds, 0 or more.")
            else:
                answers[item.id] = int(seconds) if seconds.is_integer() else round(seconds, 1)
        else:
            if len(raw) > 10000:
                problems[item.id] = _("The text may be at most 10,000 characters long.")
            else:
                answers[item.id] = raw
    return answers, problems


def _parse_instant(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return _aware(value)


@dataclass
class Upload:
    item_id: str
    stream: BinaryIO
    filename: str


def save_work(mission: Mission, shopper: User, answers: Mapping[str, Any], *, uploads: list[Upload] = (),
              timer_started_at: str | None = None, timer_stopped_at: str | None = None) -> Mission:
    """Save the shopper's draft answers, the timer and new evidence files."""
    _own(mission, shopper)
    if mission.status == "assigned":
        start(mission, shopper)
    if mission.status not in ("in_progress", "returned"):
        if mission.status in ("submitted", "validated"):
            raise MissionError(_("This shop has already been submitted; it can no longer be changed."), status=409)
        raise MissionError(_("This mission cannot be worked on now."), status=409)
    evaluation = mission.evaluation
    definition = definition_of(mission)
    merged = dict(answers)
    try:
        evaluations.save_draft(evaluation, merged, shopper)
        for upload in uploads:
            evaluations.attach_evidence(evaluation, upload.item_id, upload.stream, upload.filename, shopper)
    except EvaluationError as error:
        raise _translate(error) from None
    timer = timer_item(definition)
    if timer is not None and isinstance(merged.get(timer.id), (int, float)):
        mission.wait_seconds = int(round(merged[timer.id]))
        started, stopped = _parse_instant(timer_started_at), _parse_instant(timer_stopped_at)
        if started:
            mission.timer_started_at = started
        if stopped:
            mission.timer_stopped_at = stopped
    db.session.flush()
    return mission


def remove_evidence(mission: Mission, shopper: User, evidence_id: int) -> None:
    """Take a file off a shop that is still being worked on."""
    _own(mission, shopper)
    evidence = next((e for e in (mission.evaluation.evidence if mission.evaluation else []) if e.id == evidence_id), None)
    if evidence is None:
        raise MissionError(_("This file is not part of the mission."), status=404)
    try:
        evaluations.remove_evidence(evidence, shopper)
    except EvaluationError as error:
        raise _translate(error) from None
    _event(mission, shopper, "evidence_removed", evidence.original_name)
    db.session.flush()


def submit(mission: Mission, shopper: User) -> Mission:
    """Hand the shop in for validation (every required answer must be there)."""
    _own(mission, shopper)
    if mission.status in ("submitted", "validated"):
        raise MissionError(_("This shop has already been submitted."), status=409)
    if mission.status not in ("in_progress", "returned") or mission.evaluation is None:
        raise MissionError(_("Start the mission and fill in the form before submitting."), status=409)
    resubmit = mission.status == "returned"
    reason = _("Corrected by the shopper") if resubmit else _("Submitted by the shopper")
    try:
        evaluations.submit(mission.evaluation, shopper, reason=reason)
    except EvaluationError as error:
        raise _translate(error) from None
    mission.status, mission.submitted_at = "submitted", utcnow()
    _event(mission, shopper, "resubmitted" if resubmit else "submitted")
    db.session.flush()
    return mission


def missions_of(shopper: User) -> dict[str, list[Mission]]:
    """A shopper's missions grouped: to do (assigned, in progress), returned, submitted, history."""
    rows = db.session.scalars(select(Mission).where(Mission.shopper_id == shopper.id)
                              .order_by(Mission.window_end, Mission.id)).all()
    groups: dict[str, list[Mission]] = {"todo": [], "returned": [], "submitted": [], "history": []}
    for mission in rows:
        if mission.status in ("assigned", "in_progress"):
            groups["todo"].append(mission)
        elif mission.status == "returned":
            groups["returned"].append(mission)
        elif mission.status == "submitted":
            groups["submitted"].append(mission)
        else:
            groups["history"].append(mission)
    groups["history"].sort(key=lambda m: _aware(m.validated_at or m.created_at), reverse=True)
    return groups


def fee_totals(missions: list[Mission]) -> dict[str, dict[str, float]]:
    """Fees by status (due, paid) and currency: {"due": {"EUR": 40.0}, "paid": {...}}."""
    totals: dict[str, dict[str, float]] = {"due": defaultdict(float), "paid": defaultdict(float)}
    for mission in missions:
        if mission.fee_status in totals:
            totals[mission.fee_status][mission.currency] += mission.fee_cents / 100
    return {key: dict(value) for key, value in totals.items()}


# --- validators ----------------------------------------------------------------------------


def _validation_query():
    return select(Mission).where(Mission.status == "submitted").order_by(Mission.submitted_at, Mission.id)


def validation_queue() -> list[Mission]:
    """Submitted shops waiting for a validator, oldest first."""
    return list(db.session.scalars(_validation_query()))


def validation_queue_head(limit: int) -> tuple[list[Mission], int]:
    """Return the first *limit* shops of the validation queue (their shoppers loaded) and the queue's length."""
    return head_and_total(_validation_query().options(joinedload(Mission.shopper).lazyload(User.role_rows)), limit)


def _lead(actor: User) -> None:
    if not is_qa_lead(actor):
        raise MissionError(_("Only QA leads (managers and admins) can do this."), status=403)


def return_for_correction(mission: Mission, actor: User, comment: str) -> Mission:
    """Send a submitted shop back to the shopper with the validator's comments."""
    _lead(actor)
    comment = (comment or "").strip()
    if not comment:
        raise MissionError(_("Say what the shopper should correct."), {"comment": _("Say what the shopper should correct.")})
    if mission.status != "submitted":
        raise MissionError(_("Only a submitted shop can be returned for correction."), status=409)
    try:
        evaluations.return_for_correction(mission.evaluation, actor, comment)
    except EvaluationError as error:
        raise _translate(error) from None
    mission.status = "returned"
    _event(mission, actor, "returned", comment)
    audit.record(actor, "qa_mission", mission.id, "return", before={"status": "submitted"}, after={"status": "returned"}, reason=comment)
    db.session.flush()
    return mission


def validate(mission: Mission, actor: User) -> Mission:
    """Accept a submitted shop: it is released to the branch and agent and its fee is due."""
    _lead(actor)
    if mission.status != "submitted":
        raise MissionError(_("Only a submitted shop can be validated."), status=409)
    try:
        evaluations.validate(mission.evaluation, actor)
        evaluations.release(mission.evaluation, actor)
    except EvaluationError as error:
        raise _translate(error) from None
    mission.status, mission.validated_at = "validated", utcnow()
    mission.fee_status = "due"
    _event(mission, actor, "validated")
    audit.record(actor, "qa_mission", mission.id, "validate", before={"status": "submitted"},
                 after={"status": "validated", "fee_status": "due"})
    db.session.flush()
    return mission


def mark_paid(mission: Mission, actor: User) -> Mission:
    """Record that the shopper's fee for a validated shop has been paid."""
    _lead(actor)
    if mission.fee_status != "due":
        raise MissionError(_("Only a fee that is due can be marked as paid."), status=409)
    mission.fee_status, mission.fee_paid_at, mission.fee_paid_by_id = "paid", utcnow(), actor.id
    _event(mission, actor, "fee_paid")
    audit.record(actor, "qa_mission", mission.id, "fee_paid", before={"fee_status": "due"}, after={"fee_status": "paid"})
    db.session.flush()
    return mission


def search(viewer: User, *, status: str | None = None, shopper_id: int | None = None,
           fee_status: str | None = None, q: str = "") -> list[Mission]:
    """Missions a QA lead filters on the index page."""
    query = visible_missions(viewer)
    if status:
        query = query.where(Mission.status == status)
    if shopper_id:
        query = query.where(Mission.shopper_id == shopper_id)
    if fee_status:
        query = query.where(Mission.fee_status == fee_status)
    if q:
        query = query.where(or_(func.lower(Mission.title).like(f"%{q.lower()}%")))
    return list(db.session.scalars(query.order_by(Mission.window_start.desc(), Mission.id.desc()).limit(500)))


def is_overdue(mission: Mission) -> bool:
    return mission.status in OPEN_FOR_SHOPPER and _aware(mission.window_end) < utcnow()


# --- the role-play script ------------------------------------------------------------------


def script_of(mission: Mission, language: str | None) -> dict | None:
    """The role-play scenario the shopper acts out: its title, summary and persona."""
    if not mission.scenario_slug:
        return None
    from training.simulations import services as simulations

    version = simulations.current_version(mission.scenario_slug)
    if version is None:
        return None
    scenario = simulations.scenario_of(version)
    return {
        "title": simulations.text(scenario, scenario.title, language),
        "summary": simulations.text(scenario, scenario.summary, language),
        "persona": simulations.text(scenario, scenario.persona.name, language),
        "description": simulations.text(scenario, scenario.persona.description, language),
        "mood": scenario.persona.mood,
    }


def scenario_choices(language: str | None) -> list[tuple[str, str]]:
    from servicecraft.texts import pick
    from training.simulations import services as simulations

    return [(v.slug, pick(v.title, language, v.languages) if isinstance(v.title, dict) else str(v.title))
            for v in simulations.current_versions()]
