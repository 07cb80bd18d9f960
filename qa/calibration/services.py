"""Calibration sessions: invite reviewers, collect blind sheets, reveal, record agreed answers.

Blind scoring: until the owner reveals a session, a reviewer sees only their own sheet and
nobody (the owner included) sees anyone else's answers; the owner sees only who has
submitted. A submitted sheet is final. Revealing needs two submitted sheets; afterwards the
session's people see every submitted sheet and the figures of ``qa.calibration.stats``.
The agreed (reference) answers are audited each time they are recorded or revised.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from qa.calibration import stats
from qa.calibration.models import CalibrationSession, CalibrationSheet
from qa.evaluations import services as evaluation_services
from qa.evaluations.formfile import FormDefinition
from qa.evaluations.models import FormVersion
from qa.evaluations.scoring import validate_answers
from qa.tickets.models import Ticket
from servicecraft import audit
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User
from servicecraft.permissions import is_admin, sees_everyone, signed_in

REVIEWER_ROLES = ("admin", "manager", "mentor")
REVEAL_AFTER = 2  # submitted sheets a session needs before its owner can reveal it
AUDIT_ENTITY = "calibration_session"


class SessionError(Exception):
    """A calibration action was refused; ``problems`` maps a field (or item id) to its message."""

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        self.message = message
        self.problems = dict(problems or {})
        super().__init__(message)


# --- rules -----------------------------------------------------------------------------------

def is_participant(user, session: CalibrationSession) -> bool:
    return signed_in(user) and any(sheet.reviewer_id == user.id for sheet in session.sheets)


def can_view_session(user, session: CalibrationSession) -> bool:
    """QA staff (admins, managers) see every session; mentors those they are invited to."""
    if not signed_in(user):
        return False
    return sees_everyone(user) or session.owner_id == user.id or is_participant(user, session)


def can_manage_session(user, session: CalibrationSession) -> bool:
    """The owner (or an admin) reveals the session and records the agreed answers."""
    return signed_in(user) and (session.owner_id == user.id or is_admin(user))


def can_view_sheet(user, sheet: CalibrationSheet) -> bool:
    """Your own sheet always; someone else's only once the session is revealed (and submitted)."""
    if not signed_in(user):
        return False
    if sheet.reviewer_id == user.id:
        return True
    session = sheet.session
    return session.status != "open" and sheet.status == "submitted" and can_view_session(user, session)


def sheet_of(user, session: CalibrationSession) -> CalibrationSheet | None:
    return next((s for s in session.sheets if s.reviewer_id == user.id), None)


def sessions_for(user) -> list[CalibrationSession]:
    """Return the sessions *user* may open, newest first."""
    query = select(CalibrationSession).order_by(CalibrationSession.created_at.desc(), CalibrationSession.id.desc())
    if not sees_everyone(user):
        invited = select(CalibrationSheet.session_id).where(CalibrationSheet.reviewer_id == user.id)
        query = query.where(or_(CalibrationSession.owner_id == user.id, CalibrationSession.id.in_(invited)))
    return list(db.session.scalars(query))


def possible_reviewers() -> list[User]:
    from servicecraft.models import UserRole

    query = (select(User).where(User.is_active_account.is_(True))
             .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(REVIEWER_ROLES))))
             .order_by(User.name))
    return list(db.session.scalars(query))


def published_forms() -> list[FormVersion]:
    """Return the latest published version of every form (any kind)."""
    from qa.evaluations.models import EvaluationForm

    versions = []
    for form in db.session.scalars(select(EvaluationForm).order_by(EvaluationForm.slug)):
        version = evaluation_services.latest_published(form)
        if version is not None:
            versions.append(version)
    return versions


def definition(session: CalibrationSession) -> FormDefinition:
    return evaluation_services.definition(session.form_version)


# --- use-cases -------------------------------------------------------------------------------

@dataclass
class SessionInput:
    title: str
    form_version_id: int | None
    reviewer_ids: list[int]
    ticket_id: int | None = None
    description: str = ""
    recording_ref: str = ""


def create_session(actor: User, data: SessionInput) -> CalibrationSession:
    """Open a session and invite its reviewers; raise SessionError naming each bad field."""
    problems: dict[str, str] = {}
    title = (data.title or "").strip()
    if not title:
        problems["title"] = _("Give the session a title.")
    version = db.session.get(FormVersion, data.form_version_id) if data.form_version_id else None
    if version is None or version.status != "published":
        problems["form_version_id"] = _("Choose a published form.")
    ticket = None
    if data.ticket_id:
        ticket = db.session.get(Ticket, data.ticket_id)
        if ticket is None:
            problems["ticket_id"] = _("There is no ticket with the number %(id)s.", id=data.ticket_id)
    description = (data.description or "").strip()
    recording_ref = (data.recording_ref or "").strip()
    if ticket is None and not description and not recording_ref and "ticket_id" not in problems:
        problems["description"] = _("Pick a ticket, or describe the interaction or give its recording.")
    reviewers = []
    for reviewer_id in dict.fromkeys(data.reviewer_ids or []):
        person = db.session.get(User, reviewer_id)
        if person is None or not person.is_active_account or not person.has_role(*REVIEWER_ROLES):
            problems["reviewer_ids"] = _("Only admins, managers and mentors can be invited.")
        else:
            reviewers.append(person)
    if len(reviewers) < 2 and "reviewer_ids" not in problems:
        problems["reviewer_ids"] = _("Invite at least two reviewers.")
    if problems:
        raise SessionError(_("The session was not created."), problems)
    session = CalibrationSession(title=title, form_version=version, ticket=ticket, description=description,
                                 recording_ref=recording_ref, owner_id=actor.id, status="open")
    session.sheets = [CalibrationSheet(reviewer_id=person.id, status="invited", answers={}) for person in reviewers]
    db.session.add(session)
    db.session.flush()
    audit.record(actor, AUDIT_ENTITY, session.id, "create",
                 after={"title": title, "form_version_id": version.id,
                        "reviewers": sorted(p.email for p in reviewers)})
    return session


def save_sheet(session: CalibrationSession, actor: User, answers: dict, *, comment: str = "",
               submit: bool = False) -> CalibrationSheet:
    """Save the actor's own sheet as a draft or submit it (final); check answers on submit."""
    sheet = sheet_of(actor, session)
    if sheet is None:
        raise SessionError(_("You are not invited to score this session."))
    if session.status != "open":
        raise SessionError(_("The session is revealed: sheets can no longer change."))
    if sheet.status == "submitted":
        raise SessionError(_("Your sheet is already submitted and cannot change."))
    form = definition(session)
    known = {item.id for item in form.items()}
    answers = {k: v for k, v in answers.items() if k in known}
    if submit:
        problems = validate_answers(form, answers)
        if problems:
            raise SessionError(_("Your sheet is not complete."), {p.item_id: p.message for p in problems})
    sheet.answers = dict(answers)
    sheet.comment = (comment or "").strip()
    if submit:
        sheet.status = "submitted"
        sheet.submitted_at = utcnow()
        audit.record(actor, AUDIT_ENTITY, session.id, "submit_sheet", after={"reviewer": actor.email})
    else:
        sheet.status = "draft"
    db.session.flush()
    return sheet


def submitted_sheets(session: CalibrationSession) -> list[CalibrationSheet]:
    return [s for s in session.sheets if s.status == "submitted"]


def reveal(session: CalibrationSession, actor: User) -> None:
    """Show every submitted sheet to the session's people; sheets not submitted stay out."""
    if not can_manage_session(actor, session):
        raise SessionError(_("Only the session's owner can reveal it."))
    if session.status != "open":
        raise SessionError(_("The session is already revealed."))
    count = len(submitted_sheets(session))
    if count < REVEAL_AFTER:
        raise SessionError(_("At least two reviewers must submit before the answers can be revealed."))
    session.status = "revealed"
    session.revealed_at = utcnow()
    audit.record(actor, AUDIT_ENTITY, session.id, "reveal", before={"status": "open"},
                 after={"status": "revealed", "submitted": count, "invited": len(session.sheets)})
    db.session.flush()


def report(session: CalibrationSession) -> stats.CalibrationReport | None:
    """Return the figures over the submitted sheets (keyed by sheet id), None before the reveal."""
    if session.status == "open":
        return None
    sheets = {str(s.id): s.answers for s in submitted_sheets(session)}
    return stats.calibration_report(definition(session), sheets, session.reference_answers)


def record_agreed(session: CalibrationSession, actor: User, answers: dict, *, notes: str = "",
                  reason: str = "") -> None:
    """Record (or revise, with a reason) the agreed reference answers; audited."""
    if not can_manage_session(actor, session):
        raise SessionError(_("Only the session's owner can record the agreed answers."))
    if session.status == "open":
        raise SessionError(_("Reveal the answers before recording the agreed ones."))
    form = definition(session)
    problems = {p.item_id: p.message for p in validate_answers(form, answers)}
    reason = (reason or "").strip()
    if session.reference_answers is not None and not reason:
        problems["reason"] = _("Say why the agreed answers change.")
    if problems:
        raise SessionError(_("The agreed answers were not recorded."), problems)
    before = {"reference_answers": session.reference_answers, "notes": session.agreed_notes}
    session.reference_answers = dict(answers)
    session.agreed_notes = (notes or "").strip()
    session.status = "agreed"
    session.agreed_at = utcnow()
    audit.record(actor, AUDIT_ENTITY, session.id, "agree" if before["reference_answers"] is None else "revise_agreed",
                 before=before, after={"reference_answers": session.reference_answers, "notes": session.agreed_notes},
                 reason=reason)
    db.session.flush()


def history(session: CalibrationSession) -> list[AuditEntry]:
    query = (select(AuditEntry).where(AuditEntry.entity == AUDIT_ENTITY, AuditEntry.entity_id == str(session.id))
             .order_by(AuditEntry.created_at, AuditEntry.id))
    return list(db.session.scalars(query))


# --- dashboard -------------------------------------------------------------------------------

def waiting_for_owner(user) -> list[CalibrationSession]:
    """Sessions the owner should act on: ready to reveal, or revealed and not yet agreed (one query)."""
    submitted = (select(func.count(CalibrationSheet.id))
                 .where(CalibrationSheet.session_id == CalibrationSession.id, CalibrationSheet.status == "submitted")
                 .scalar_subquery())
    ready = or_(CalibrationSession.status == "revealed",
                and_(CalibrationSession.status == "open", submitted >= REVEAL_AFTER))
    query = (select(CalibrationSession).where(CalibrationSession.owner_id == user.id, ready)
             .order_by(CalibrationSession.created_at, CalibrationSession.id))
    return list(db.session.scalars(query))


def waiting_for_reviewer(user) -> list[CalibrationSheet]:
    """The user's sheets still to score in open sessions, their sessions loaded (one query)."""
    query = (select(CalibrationSheet).join(CalibrationSheet.session)
             .where(CalibrationSheet.reviewer_id == user.id, CalibrationSheet.status != "submitted",
                    CalibrationSession.status == "open")
             .options(contains_eager(CalibrationSheet.session))
             .order_by(CalibrationSheet.id))
    return list(db.session.scalars(query))
