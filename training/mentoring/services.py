"""Use-cases of training.mentoring: assignments, workload, go-live sign-off, feedback, reports.

Every function takes the acting user where it changes state, flushes but never commits,
and raises :class:`MentoringError` (``lines``: one plain problem per line) on bad input.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload, lazyload

from servicecraft import audit
from servicecraft.extensions import db
from servicecraft.models import Branch, User, UserRole
from servicecraft.permissions import sees_everyone, signed_in
from training.memo import per_request
from training.mentoring import assign
from training.mentoring.models import FeedbackReceipt, FeedbackResponse, SignOff
from training.people import all_mentees

FEEDBACK_EVERY_DAYS = 30
# Comments are shown only once a mentor has this many answers, so no one is recognisable.
FEEDBACK_MIN_FOR_COMMENTS = 3
FEEDBACK_QUESTIONS = ("availability", "clarity", "usefulness")
MAX_COMMENT = 2000


class MentoringError(Exception):
    """A use-case refused its input; ``lines`` say why, one problem per line."""

    def __init__(self, lines: Iterable[str] | str, *, field: str | None = None):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        self.field = field
        super().__init__("\n".join(self.lines))

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


class OverCapacity(MentoringError):
    """The chosen mentor is full: assigning needs an explicit confirmation and a reason."""


class NotAllowed(MentoringError):
    """The acting person may not do this to that person (views answer 403)."""


# --- Access rules -----------------------------------------------------------------------------

def is_mentor_of(viewer, person: User) -> bool:
    return signed_in(viewer) and viewer.has_role("mentor") and person.mentor_id == viewer.id


def can_sign_off(viewer, person: User) -> bool:
    """The new hire's own mentor, managers and admins."""
    return signed_in(viewer) and viewer.id != person.id and (sees_everyone(viewer) or is_mentor_of(viewer, person))


def is_newhire(user) -> bool:
    return signed_in(user) and user.is_newhire


# --- Who is who ------------------------------------------------------------------------------

def _active_with_role(role_name: str):
    return (select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role_name, User.is_active_account.is_(True)))


def active_newhires() -> list[User]:
    """Active agents who are not live yet, by start date then e-mail.

    People holding the mentor role are left out: they mentor others and are not onboarding,
    even when an import left their ``live_since`` empty. Read once per request (the funnel and
    the list of people without a mentor share it), with the branch and mentor the lists show.
    """
    return list(per_request("mentoring.active_newhires", _read_active_newhires))


def _read_active_newhires() -> list[User]:
    query = (_active_with_role("agent").where(User.live_since.is_(None))
             .options(joinedload(User.branch), joinedload(User.mentor).lazyload(User.role_rows)))
    people = [u for u in db.session.scalars(query).unique() if not u.has_role("mentor")]
    return sorted(people, key=lambda u: (u.start_date is None, u.start_date or date.min, u.email))


def newhires_without_mentor() -> list[User]:
    return [u for u in active_newhires() if u.mentor_id is None]


def mentors() -> list[User]:
    """Active mentors by name, with their branch (the workload table shows it)."""
    return list(db.session.scalars(_active_with_role("mentor").options(joinedload(User.branch))
                                   .order_by(User.name, User.email)).unique())


def mentee_counts() -> dict[int, int]:
    """Mentor id -> how many active new hires they mentor (people already live do not count)."""
    rows = db.session.execute(
        select(User.mentor_id, func.count(User.id)).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "agent", User.live_since.is_(None), User.is_active_account.is_(True),
               User.mentor_id.isnot(None)).group_by(User.mentor_id))
    return {mentor_id: n for mentor_id, n in rows}


def mentees_of(mentor: User) -> list[User]:
    """*mentor*'s active mentees: new hires first, then people already live, each by name."""
    # A stable sort of the list by name keeps the database's name order within each group.
    return sorted((u for u in all_mentees(mentor) if u.is_active_account), key=lambda u: u.live_since is not None)


def workload() -> list[dict[str, Any]]:
    """Each active mentor with their current mentees (new hires) against their capacity.

    Three queries however many mentors: the mentors, their new hires (by name) and the mentors'
    roles. A mentor's load is the number of those new hires, as mentee_counts() counts it.
    """
    people = mentors()
    mentees: dict[int, list[User]] = defaultdict(list)
    if people:
        # The table shows the mentees' names only: their roles stay unread.
        for user in db.session.scalars(
                _active_with_role("agent").options(lazyload(User.role_rows))
                .where(User.live_since.is_(None), User.mentor_id.in_([m.id for m in people])).order_by(User.name, User.id)):
            mentees[user.mentor_id].append(user)
    rows = []
    for mentor in people:
        load = len(mentees[mentor.id])
        rows.append({"mentor": mentor, "load": load, "capacity": mentor.mentor_capacity or 0,
                     "free": max(0, (mentor.mentor_capacity or 0) - load),
                     "over": load > (mentor.mentor_capacity or 0),
                     "mentees": mentees[mentor.id]})
    return rows


# --- Assignment -------------------------------------------------------------------------------

def assign_mentor(newhire: User, mentor: User, actor: User | None, reason: str = "",
                  allow_over_capacity: bool = False) -> User:
    """Make *mentor* the mentor of *newhire*; a reassignment or going over capacity needs a reason."""
    reason = (reason or "").strip()
    if newhire.id == mentor.id:
        raise MentoringError(_("Mentor: nobody can mentor themselves."), field="mentor_id")
    if not newhire.is_active_account:
        raise MentoringError(_("%(name)s's account is deactivated.", name=newhire.name))
    if not newhire.has_role("agent"):
        raise MentoringError(_("%(name)s is not an agent: only agents get a mentor.", name=newhire.name))
    if not newhire.is_newhire:
        raise MentoringError(_("%(name)s is already live: mentors are for new hires.", name=newhire.name))
    if newhire.has_role("mentor"):
        raise MentoringError(_("%(name)s is a mentor: mentors do not get a mentor.", name=newhire.name))
    if not mentor.has_role("mentor"):
        raise MentoringError(_("Mentor: %(name)s does not hold the mentor role.", name=mentor.name), field="mentor_id")
    if not mentor.is_active_account:
        raise MentoringError(_("Mentor: %(name)s's account is deactivated.", name=mentor.name), field="mentor_id")
    if newhire.mentor_id == mentor.id:
        raise MentoringError(_("Mentor: %(mentor)s already mentors %(name)s.", mentor=mentor.name, name=newhire.name),
                             field="mentor_id")
    previous = db.session.get(User, newhire.mentor_id) if newhire.mentor_id else None
    if previous is not None and not reason:
        raise MentoringError(_("Reason: say why %(name)s moves from %(old)s to another mentor.",
                               name=newhire.name, old=previous.name), field="reason")
    load = mentee_counts().get(mentor.id, 0)
    capacity = mentor.mentor_capacity or 0
    if load >= capacity:
        if not allow_over_capacity:
            raise OverCapacity(_("%(mentor)s already has %(load)d mentees for a capacity of %(capacity)d: "
                                 "confirm that you want to go over capacity and give a reason.",
                                 mentor=mentor.name, load=load, capacity=capacity), field="confirm_over_capacity")
        if not reason:
            raise OverCapacity(_("Reason: say why %(mentor)s takes more mentees than their capacity.", mentor=mentor.name),
                               field="reason")
    newhire.mentor_id = mentor.id
    db.session.flush()
    after: dict[str, Any] = {"mentor": mentor.email}
    if load >= capacity:
        after["over_capacity"] = f"{load + 1}/{capacity}"
    audit.record(actor, "user", newhire.id, "reassign_mentor" if previous else "assign_mentor",
                 before={"mentor": previous.email if previous else None}, after=after, reason=reason)
    return newhire


def _branch_codes() -> dict[int, str]:
    return {b.id: b.code for b in db.session.scalars(select(Branch))}


def auto_plan() -> tuple[assign.Plan, dict[str, User]]:
    """Compute (without changing anything) what automatic assignment would do now."""
    codes = _branch_codes()
    counts = mentee_counts()
    people = {}
    hires = []
    for user in newhires_without_mentor():
        people[user.email] = user
        hires.append(assign.NewHire(user.email, codes.get(user.branch_id), user.language, user.start_date))
    pool = []
    for mentor in mentors():
        people[mentor.email] = mentor
        pool.append(assign.Mentor(mentor.email, codes.get(mentor.branch_id), mentor.language,
                                  mentor.mentor_capacity or 0, counts.get(mentor.id, 0)))
    return assign.plan(hires, pool), people


def auto_assign(actor: User | None, dry_run: bool = False) -> dict[str, Any]:
    """Give every new hire without a mentor one (interfaces.md); people already assigned never move.

    Returns ``{"assigned": [{"newhire", "mentor"}], "unassigned": [emails]}``.
    """
    result, people = auto_plan()
    if not dry_run:
        for newhire_email, mentor_email in result.assigned:
            newhire, mentor = people[newhire_email], people[mentor_email]
            newhire.mentor_id = mentor.id
            audit.record(actor, "user", newhire.id, "assign_mentor", before={"mentor": None},
                         after={"mentor": mentor.email}, reason="automatic assignment")
        db.session.flush()
    return result.as_json()


# --- Go-live sign-off ---------------------------------------------------------------------------

def _progress(newhire: User) -> dict[str, Any]:
    return _progress_many([newhire])[newhire.id]


def _progress_many(people: list[User], *, with_titles: bool = True) -> dict[int, dict[str, Any]]:
    from training.simulations.services import golive_progress_many

    return golive_progress_many(people, with_titles=with_titles)


def blockers_from(progress: dict[str, Any]) -> list[str]:
    """What is still missing from a go-live track, one line each."""
    if not progress["total"]:
        return [_("No go-live track is defined yet: an admin sets the required role-plays and courses.")]
    lines = [_("Pass the role-play %(title)s.", title=s["title"]) for s in progress["scenarios"] if not s["passed"]]
    lines += [_("Complete the course %(slug)s.", slug=c["slug"]) for c in progress["courses"] if not c["done"]]
    return lines


def sign_off_blockers(newhire: User) -> list[str]:
    """Why *newhire* cannot be signed off yet (empty when the go-live track is passed)."""
    return sign_off_blockers_many([newhire])[newhire.id]


def sign_off_blockers_many(people: Iterable[User]) -> dict[int, list[str]]:
    """sign_off_blockers() of each person, by id, reading the go-live track once for all of them."""
    people = list(people)
    progress = _progress_many([p for p in people if p.is_newhire])
    return {p.id: blockers_from(progress[p.id]) if p.is_newhire else [_("%(name)s is already live.", name=p.name)]
            for p in people}


def sign_off_missing_counts(people: Iterable[User]) -> dict[int, int]:
    """How many lines sign_off_blockers() lists for each person, by id (the role-plays' titles stay unread)."""
    people = list(people)
    progress = _progress_many([p for p in people if p.is_newhire], with_titles=False)
    return {p.id: len(blockers_from(progress[p.id])) if p.is_newhire else 1 for p in people}


def sign_off(newhire: User, actor: User, override_reason: str | None = None, today: date | None = None) -> SignOff:
    """Sign *newhire* off to go live: their mentor once the track is passed, a manager also with a written reason."""
    if not can_sign_off(actor, newhire):
        raise NotAllowed(_("Only %(name)s's mentor, a manager or an admin can sign them off.", name=newhire.name))
    if not newhire.is_newhire:
        raise MentoringError(_("%(name)s is already live.", name=newhire.name))
    progress = _progress(newhire)
    missing = blockers_from(progress)
    reason = (override_reason or "").strip()
    if missing:
        if not sees_everyone(actor):
            raise MentoringError([_("%(name)s cannot go live yet:", name=newhire.name), *missing])
        if not reason:
            raise MentoringError([_("Reason: the go-live track is not passed; a manager may sign off anyway "
                                    "with a written reason. Missing:"), *missing], field="override_reason")
    today = today or date.today()
    record = SignOff(newhire_id=newhire.id, signed_by_id=actor.id, mentor_id=newhire.mentor_id,
                     branch_id=newhire.branch_id, start_date=newhire.start_date, live_since=today,
                     signed_at=datetime.now(UTC), is_override=bool(missing), override_reason=reason,
                     track=audit._plain(progress))
    db.session.add(record)
    newhire.live_since = today
    db.session.flush()
    audit.record(actor, "user", newhire.id, "sign_off_override" if missing else "sign_off",
                 before={"live_since": None}, after={"live_since": today, "signoff": record.id, "missing": missing},
                 reason=reason)
    return record


def signoffs_of(user: User) -> list[SignOff]:
    """A person's sign-off records, newest first, with who signed (the stored track stays unread)."""
    return list(db.session.scalars(
        select(SignOff).options(joinedload(SignOff.signed_by).lazyload(User.role_rows), defer(SignOff.track))
        .where(SignOff.newhire_id == user.id).order_by(SignOff.id.desc())))


# --- Feedback on mentoring ------------------------------------------------------------------------

def last_feedback_at(newhire: User) -> datetime | None:
    return db.session.scalar(select(func.max(FeedbackReceipt.submitted_at)).where(FeedbackReceipt.newhire_id == newhire.id))


def feedback_due(newhire: User, now: datetime | None = None) -> bool:
    """A new hire with a mentor is asked every 30 days."""
    if not newhire.is_newhire or newhire.mentor_id is None:
        return False
    last = last_feedback_at(newhire)
    now = now or datetime.now(UTC)
    return last is None or now - last >= timedelta(days=FEEDBACK_EVERY_DAYS)


def next_feedback_on(newhire: User) -> date | None:
    last = last_feedback_at(newhire)
    return (last + timedelta(days=FEEDBACK_EVERY_DAYS)).date() if last else None


def submit_feedback(newhire: User, ratings: dict[str, int], comment: str = "",
                    now: datetime | None = None) -> FeedbackResponse:
    """Store a new hire's anonymous rating of their current mentor (at most once per 30 days)."""
    if not newhire.is_newhire:
        raise MentoringError(_("Only new hires rate their mentoring."))
    if newhire.mentor_id is None:
        raise MentoringError(_("You have no mentor yet, so there is nothing to rate."))
    now = now or datetime.now(UTC)
    if not feedback_due(newhire, now):
        raise MentoringError(_("You already rated your mentoring recently; you can do it again from %(day)s.",
                               day=next_feedback_on(newhire).isoformat()))
    problems = []
    values = {}
    labels = question_labels()
    for key in FEEDBACK_QUESTIONS:
        value = ratings.get(key)
        if not isinstance(value, int) or not 1 <= value <= 5:
            problems.append(_("%(question)s: choose a rating from 1 to 5.", question=labels[key]))
        values[key] = value
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        problems.append(_("Comment: at most %(n)d characters.", n=MAX_COMMENT))
    if problems:
        raise MentoringError(problems)
    response = FeedbackResponse(mentor_id=newhire.mentor_id, period=now.strftime("%Y-%m"), comment=comment, **values)
    db.session.add(response)
    db.session.add(FeedbackReceipt(newhire_id=newhire.id, submitted_at=now))
    db.session.flush()
    return response


def question_labels() -> dict[str, str]:
    return {"availability": _("Availability: my mentor had time for me"),
            "clarity": _("Clarity: explanations were clear"),
            "usefulness": _("Usefulness: the mentoring helped me do the job")}


def feedback_summary(rng: random.Random | None = None) -> list[dict[str, Any]]:
    """Per mentor: number of answers, average per question, and comments (never attributed).

    Comments appear only from FEEDBACK_MIN_FOR_COMMENTS answers on, shuffled, with the month only.
    """
    rng = rng or random.Random()
    by_mentor: dict[int, list[FeedbackResponse]] = defaultdict(list)
    for response in db.session.scalars(select(FeedbackResponse)):
        by_mentor[response.mentor_id].append(response)
    rows = []
    for mentor_id, responses in by_mentor.items():
        mentor = db.session.get(User, mentor_id)
        averages = {key: round(statistics.fmean(getattr(r, key) for r in responses), 2) for key in FEEDBACK_QUESTIONS}
        comments = []
        if len(responses) >= FEEDBACK_MIN_FOR_COMMENTS:
            comments = [{"month": r.period, "text": r.comment} for r in responses if r.comment]
            rng.shuffle(comments)
        rows.append({"mentor": mentor, "count": len(responses), "averages": averages,
                     "overall": round(statistics.fmean(averages.values()), 2), "comments": comments,
                     "comments_hidden": len(responses) < FEEDBACK_MIN_FOR_COMMENTS})
    rows.sort(key=lambda r: (r["mentor"].name if r["mentor"] else "", r["mentor"].email if r["mentor"] else ""))
    return rows


# --- Manager views ------------------------------------------------------------------------------

FUNNEL_STAGES = ("no_mentor", "mentor_assigned", "courses_done", "track_passed", "live")


def stage_labels() -> dict[str, str]:
    return {"no_mentor": _("No mentor yet"), "mentor_assigned": _("Mentor assigned"),
            "courses_done": _("Courses done"), "track_passed": _("Go-live track passed"),
            "live": _("Signed off, live")}


def _with_open_courses(user_ids: list[int]) -> set[int]:
    """Which of these people still have an enrolment to complete."""
    from training.courses.services import with_open_enrolments

    return with_open_enrolments(user_ids)


def stage_of(user: User) -> str:
    """Where one person stands in onboarding (the furthest stage reached)."""
    return stages_of([user])[user.id]


def stages_of(people: Iterable[User]) -> dict[int, str]:
    """stage_of() of each person, by id, with a few queries however many people there are."""
    people = list(people)
    assigned = [u for u in people if u.is_newhire and u.mentor_id is not None]
    progress = _progress_many(assigned, with_titles=False)  # only "complete" counts here
    pending = [u.id for u in assigned if not progress[u.id]["complete"]]
    open_courses = _with_open_courses(pending) if pending else set()
    stages = {}
    for user in people:
        if not user.is_newhire:
            stages[user.id] = "live"
        elif user.mentor_id is None:
            stages[user.id] = "no_mentor"
        elif progress[user.id]["complete"]:
            stages[user.id] = "track_passed"
        elif user.id not in open_courses:
            stages[user.id] = "courses_done"
        else:
            stages[user.id] = "mentor_assigned"
    return stages


def funnel() -> dict[str, int]:
    """How many people are at each stage: active new hires by stage, and everyone signed off."""
    counts = dict.fromkeys(FUNNEL_STAGES, 0)
    for stage in stages_of(active_newhires()).values():
        counts[stage] += 1
    counts["live"] = db.session.scalar(select(func.count(func.distinct(SignOff.newhire_id)))) or 0
    return counts


def _median_rows(groups: dict[Any, list[int]]) -> list[dict[str, Any]]:
    return [{"key": key, "median": statistics.median(days), "count": len(days), "fastest": min(days),
             "slowest": max(days)} for key, days in groups.items() if days]


def time_to_golive() -> dict[str, list[dict[str, Any]]]:
    """Median days from start date to go-live, per branch and per mentor (from sign-off records)."""
    by_branch: dict[Any, list[int]] = defaultdict(list)
    by_mentor: dict[Any, list[int]] = defaultdict(list)
    for record in db.session.scalars(select(SignOff).options(defer(SignOff.track))):
        days = record.days_to_live
        if days is None or days < 0:
            continue
        by_branch[record.branch_id].append(days)
        by_mentor[record.mentor_id].append(days)
    branches = {b.id: b for b in db.session.scalars(select(Branch))}
    branch_rows = _median_rows(by_branch)
    for row in branch_rows:
        branch = branches.get(row["key"])
        row["label"] = f"{branch.code} · {branch.name}" if branch else _("No branch")
    mentor_rows = _median_rows(by_mentor)
    mentor_ids = [row["key"] for row in mentor_rows if row["key"]]
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(mentor_ids))).all()) if mentor_ids else {}
    for row in mentor_rows:
        name = names.get(row["key"]) if row["key"] else None
        row["label"] = name if name is not None else _("No mentor")
    return {"branches": sorted(branch_rows, key=lambda r: r["label"]),
            "mentors": sorted(mentor_rows, key=lambda r: r["label"])}


def over_capacity() -> list[dict[str, Any]]:
    return [row for row in workload() if row["over"]]
