"""Ticket reviews: draw samples of imported tickets, review each with a review form, release.

A review is a ``qa.evaluations`` evaluation of kind ``review`` about the ticket
(``subject_kind="ticket"``, ``subject_ref=str(ticket.id)``) and the ticket's agent. Reviews
need no separate validator: when the reviewer finishes, the evaluation is submitted and
released in one step (``release`` validates a submitted evaluation on the way), so the agent
sees it at once and it counts in scorecards; a later change goes through a dispute.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from qa.evaluations import services as evaluation_services
from qa.evaluations.models import EvaluationForm, FormVersion
from qa.listing import head_and_total
from qa.reviews import sampling
from qa.reviews.models import ReviewItem, ReviewSample
from qa.tickets.models import Ticket
from qa.tickets.reference import Period
from servicecraft import audit
from servicecraft.extensions import db
from servicecraft.i18n import organisation_timezone
from servicecraft.models import User, UserRole
from servicecraft.permissions import sees_everyone, signed_in

REVIEWER_ROLES = ("admin", "manager")
MAX_SEED = 2**31 - 1
MAX_PERIOD_DAYS = 366


class ReviewError(Exception):
    """A review action was refused; ``problems`` maps a field (or item id) to its message."""

    def __init__(self, message: str, problems: dict[str, str] | None = None):
        self.message = message
        self.problems = dict(problems or {})
        super().__init__(message)


# --- rules -----------------------------------------------------------------------------------

def can_view_sample(user, sample: ReviewSample | None = None) -> bool:
    """QA staff (admins, managers) see every sample and its progress."""
    return sees_everyone(user)


def can_review(user, item: ReviewItem) -> bool:
    """Only the assigned reviewer fills in a sample item's review."""
    return signed_in(user) and item.reviewer_id == user.id and user.has_role(*REVIEWER_ROLES)


def can_view_item(user, item: ReviewItem) -> bool:
    return can_review(user, item) or sees_everyone(user)


# --- look-ups --------------------------------------------------------------------------------

def review_forms() -> list[FormVersion]:
    """Return the latest published version of every review form."""
    forms = db.session.scalars(select(EvaluationForm).where(EvaluationForm.kind == "review").order_by(EvaluationForm.slug))
    return [v for v in (evaluation_services.latest_published(f) for f in forms) if v is not None]


def reviewers() -> list[User]:
    query = (select(User).where(User.is_active_account.is_(True))
             .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(REVIEWER_ROLES))))
             .order_by(User.name))
    return list(db.session.scalars(query))


def categories() -> list[str]:
    query = select(Ticket.category).where(Ticket.category.isnot(None)).distinct().order_by(Ticket.category)
    return [c for c in db.session.scalars(query) if c]


def _zone() -> str:
    return organisation_timezone()


def candidates(period_from: date, period_to: date) -> list[sampling.Candidate]:
    """Return the solved tickets of linked agents in the period, as the sampling rules see them."""
    period = Period.of(period_from, period_to, _zone())
    first, after = period.bounds_utc()
    query = (select(Ticket).where(Ticket.agent_id.isnot(None), Ticket.solved_at.isnot(None),
                                  Ticket.solved_at >= first, Ticket.solved_at < after)
             .order_by(Ticket.id))
    out = []
    for t in db.session.scalars(query):
        solved = t.solved_at.astimezone(period.tz).date()
        out.append(sampling.Candidate(t.id, t.agent_id, solved, t.csat, t.reopens, t.first_reply_minutes,
                                      t.resolution_minutes, t.category))
    return out


def _still_to_review(user):
    return ReviewItem.reviewer_id == user.id, ReviewItem.status.in_(("open", "in_progress"))


def _queue_query(user):
    """The reviewer's items still to review, oldest sample first, with what lists show (ticket, agent, sample)."""
    return (select(ReviewItem).join(ReviewItem.sample)
            .where(*_still_to_review(user))
            .options(contains_eager(ReviewItem.sample),
                     joinedload(ReviewItem.ticket).joinedload(Ticket.agent).lazyload(User.role_rows))
            .order_by(ReviewSample.created_at, ReviewItem.id))


def queue(user, *, limit: int | None = None) -> list[ReviewItem]:
    """Return the reviewer's items still to review, oldest sample first (only the first *limit* if given)."""
    return list(db.session.scalars(_queue_query(user).limit(limit)))


def queue_count(user) -> int:
    """Return how many items the reviewer has still to review."""
    return db.session.scalar(select(func.count(ReviewItem.id)).where(*_still_to_review(user))) or 0


def queue_head(user, limit: int) -> tuple[list[ReviewItem], int]:
    """Return the first *limit* items of the reviewer's queue and the queue's length (one query)."""
    return head_and_total(_queue_query(user), limit)


def samples() -> list[ReviewSample]:
    return list(db.session.scalars(select(ReviewSample).order_by(ReviewSample.created_at.desc(), ReviewSample.id.desc())))


def progress(sample: ReviewSample) -> dict:
    total = len(sample.items)
    done = sample.count("done")
    skipped = sample.count("skipped")
    return {"total": total, "done": done, "skipped": skipped, "in_progress": sample.count("in_progress"),
            "open": sample.count("open"), "pct": round(100 * (done + skipped) / total) if total else 0}


# --- use-cases -------------------------------------------------------------------------------

@dataclass
class SampleInput:
    name: str
    rule: str
    period_from: date | None
    period_to: date | None
    form_version_id: int | None
    reviewer_ids: list[int] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    seed: int | None = None


def create_sample(actor: User, data: SampleInput) -> ReviewSample:
    """Draw a sample and assign its tickets to the reviewers in turn; raise ReviewError naming each bad field."""
    problems: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        problems["name"] = _("Give the sample a name.")
    params: dict = {}
    try:
        params = sampling.check_params(data.rule, data.params)
    except sampling.SamplingError as error:
        problems.update(error.problems)
    if data.period_from is None:
        problems["period_from"] = _("Give the first day of the period.")
    if data.period_to is None:
        problems["period_to"] = _("Give the last day of the period.")
    if data.period_from and data.period_to:
        if data.period_to < data.period_from:
            problems["period_to"] = _("The period ends before it starts.")
        elif (data.period_to - data.period_from).days >= MAX_PERIOD_DAYS:
            problems["period_to"] = _("A sample covers at most %(days)s days.", days=MAX_PERIOD_DAYS)
    version = db.session.get(FormVersion, data.form_version_id) if data.form_version_id else None
    if version is None or version.status != "published" or version.form.kind != "review":
        problems["form_version_id"] = _("Choose a published review form.")
    people = []
    for reviewer_id in dict.fromkeys(data.reviewer_ids or []):
        person = db.session.get(User, reviewer_id)
        if person is None or not person.is_active_account or not person.has_role(*REVIEWER_ROLES):
            problems["reviewer_ids"] = _("Reviewers are managers or admins.")
        else:
            people.append(person)
    if not people and "reviewer_ids" not in problems:
        problems["reviewer_ids"] = _("Choose at least one reviewer.")
    seed = data.seed
    if seed is not None and not 0 <= seed <= MAX_SEED:
        problems["seed"] = _("The seed is a whole number from 0 to %(max)s.", max=MAX_SEED)
    if problems:
        raise ReviewError(_("The sample was not drawn."), problems)
    if seed is None:
        seed = random.SystemRandom().randint(0, MAX_SEED)
    ids = sampling.draw(data.rule, params, seed, candidates(data.period_from, data.period_to))
    if not ids:
        raise ReviewError(_("No ticket of the period matches this rule."), {"rule": _("No ticket matches.")})
    sample = ReviewSample(name=name, rule=data.rule, params=params, period_from=data.period_from,
                          period_to=data.period_to, seed=seed, form_version=version, created_by_id=actor.id)
    people.sort(key=lambda p: p.id)
    sample.items = [ReviewItem(ticket_id=ticket_id, reviewer_id=people[n % len(people)].id, status="open")
                    for n, ticket_id in enumerate(ids)]
    db.session.add(sample)
    db.session.flush()
    audit.record(actor, "review_sample", sample.id, "create",
                 after={"name": name, "rule": data.rule, "params": params, "seed": seed,
                        "period": [data.period_from, data.period_to], "tickets": len(ids),
                        "reviewers": [p.email for p in people]})
    return sample


def reassign(item: ReviewItem, actor: User, reviewer: User | None) -> None:
    """Give an item not yet started to another reviewer."""
    if item.status != "open":
        raise ReviewError(_("Only a review not yet started can go to another reviewer."))
    if reviewer is None or not reviewer.is_active_account or not reviewer.has_role(*REVIEWER_ROLES):
        raise ReviewError(_("Reviewers are managers or admins."), {"reviewer_id": _("Reviewers are managers or admins.")})
    before = item.reviewer_id
    item.reviewer_id = reviewer.id
    db.session.flush()
    audit.record(actor, "review_item", item.id, "reassign", before={"reviewer_id": before}, after={"reviewer_id": reviewer.id})


def start_review(item: ReviewItem, actor: User):
    """Return the item's evaluation, opening a draft on the sample's form the first time."""
    if not can_review(actor, item):
        raise ReviewError(_("This ticket is assigned to another reviewer."))
    if item.evaluation is not None:
        return item.evaluation
    if item.status == "skipped":
        raise ReviewError(_("This ticket was skipped."))
    ticket = item.ticket
    evaluation = evaluation_services.start_evaluation(
        item.sample.form_version, kind="review", author=actor, agent=ticket.agent,
        happened_at=ticket.solved_at or ticket.created_at, subject_kind="ticket", subject_ref=str(ticket.id),
    )
    item.evaluation = evaluation
    item.status = "in_progress"
    db.session.flush()
    return evaluation


def _error(error: evaluation_services.EvaluationError, message: str) -> ReviewError:
    return ReviewError(message, error.problems)


def save_review(item: ReviewItem, actor: User, answers: dict) -> None:
    """Keep the answers given so far (a draft the reviewer comes back to)."""
    evaluation = start_review(item, actor)
    try:
        evaluation_services.save_draft(evaluation, answers, actor)
    except evaluation_services.EvaluationError as error:
        raise _error(error, _("The review was not saved.")) from None


def finish_review(item: ReviewItem, actor: User, answers: dict, *, comment: str = "") -> None:
    """Submit the review and release it to the agent in one step (reviews need no validator)."""
    evaluation = start_review(item, actor)
    try:
        evaluation_services.save_draft(evaluation, answers, actor)
        if comment.strip():
            evaluation_services.add_comment(evaluation, actor, comment, visibility="agent")
        evaluation_services.submit(evaluation, actor, reason="ticket review")
        evaluation_services.release(evaluation, actor)
    except evaluation_services.EvaluationError as error:
        raise _error(error, _("The review was not released.")) from None
    item.status = "done"
    db.session.flush()


def comment(item: ReviewItem, actor: User, body: str, *, item_id: str | None = None,
            visibility: str = "agent") -> None:
    """Add a comment to the item's review (for the agent, or internal to QA staff)."""
    if not (can_review(actor, item) or sees_everyone(actor)):
        raise ReviewError(_("This ticket is assigned to another reviewer."))
    evaluation = item.evaluation or start_review(item, actor)
    try:
        evaluation_services.add_comment(evaluation, actor, body, item_id=item_id, visibility=visibility)
    except evaluation_services.EvaluationError as error:
        raise _error(error, _("The comment was not added.")) from None


def skip(item: ReviewItem, actor: User, reason: str) -> None:
    """Set a ticket aside (e.g. spam, wrongly assigned) with a reason; audited."""
    if not can_review(actor, item):
        raise ReviewError(_("This ticket is assigned to another reviewer."))
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("The ticket was not skipped."), {"reason": _("Say why this ticket is skipped.")})
    if item.status == "done":
        raise ReviewError(_("This review is already released."))
    if item.evaluation is not None and item.evaluation.status == "draft":
        evaluation_services.void(item.evaluation, actor, reason)
    before = item.status
    item.status, item.note = "skipped", reason
    db.session.flush()
    audit.record(actor, "review_item", item.id, "skip", before={"status": before}, after={"status": "skipped"}, reason=reason)


def ticket_link(ticket: Ticket) -> str | None:
    """Return a link to the ticket in its help desk when the source payload carries one."""
    raw = ticket.raw or {}
    for key in ("url", "html_url", "link", "web_url"):
        value = raw.get(key) if isinstance(raw, dict) else None
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value
    return None
