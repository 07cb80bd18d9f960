"""Navigation links, dashboard panels and demo steps of training.mentoring (registered on import)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from servicecraft import demo
from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.templating import nav_item
from training.mentoring import services
from training.mentoring.models import FeedbackResponse, SignOff

nav_item("training.mentoring.index", _l("Mentoring"), roles=("admin", "manager"), order=45)


@panel("mentoring-funnel", roles=("admin", "manager"), template="training/mentoring/panel_funnel.html", order=15)
def funnel_panel(user) -> dict:
    from training.mentoring.views import funnel_chart

    counts = services.funnel()
    return {"counts": counts, "chart": funnel_chart(counts)}


@panel("mentoring-unassigned", roles=("admin", "manager"), template="training/mentoring/panel_unassigned.html", order=16)
def unassigned_panel(user) -> dict | None:
    people = services.newhires_without_mentor()
    return {"people": people} if people else None


@panel("mentoring-feedback", roles=("agent",), template="training/mentoring/panel_feedback.html", order=40, newhire=True)
def feedback_panel(user) -> dict | None:
    if not services.feedback_due(user):
        return None
    # The panel names the mentor: their roles stay unread (the onboarding panel has usually read the mentor already).
    return {"mentor": db.session.get(User, user.mentor_id, options=[lazyload(User.role_rows)])}


@panel("mentoring-signoff", roles=("mentor",), template="training/mentoring/panel_signoff.html", order=17)
def signoff_panel(user) -> dict | None:
    """A mentor's new hires and what each still needs before going live."""
    mentees = [m for m in services.mentees_of(user) if m.is_newhire]
    if not mentees:
        return None
    missing = services.sign_off_missing_counts(mentees)  # the panel shows how many, not which
    return {"rows": [{"person": m, "missing": missing[m.id]} for m in mentees]}


# --- demo ------------------------------------------------------------------------------------------

# Live agents: (e-mail, days from start to go-live, mentor at the time).
DEMO_SIGNOFFS = [
    ("agent1@demo.test", 41, "mentor@demo.test"), ("agent2@demo.test", 55, "mentor@demo.test"),
    ("agent3@demo.test", 48, "mentor3@demo.test"), ("agent4@demo.test", 63, "mentor3@demo.test"),
    ("agent5@demo.test", 72, "mentor2@demo.test"), ("agent6@demo.test", 58, "mentor2@demo.test"),
    ("agent7@demo.test", 66, "mentor@demo.test"), ("agent8@demo.test", 84, "mentor2@demo.test"),
]
# Anonymous answers: (mentor, months ago, availability, clarity, usefulness, comment).
DEMO_FEEDBACK = [
    ("mentor@demo.test", 1, 5, 4, 5, "Always found time for my questions, even on busy days."),
    ("mentor@demo.test", 2, 4, 4, 4, "The shadowing sessions were the most useful part."),
    ("mentor@demo.test", 3, 3, 5, 4, ""),
    ("mentor@demo.test", 4, 4, 3, 4, "I would have liked more feedback on my written answers."),
    ("mentor2@demo.test", 1, 5, 5, 5, "Very patient."),
    ("mentor2@demo.test", 2, 4, 5, 4, ""),
]
DEMO_REQUIRED_SCENARIOS = ("late-delivery", "elderly-customer")
EXTRA_NEWHIRE = ("newhire5@demo.test", "Leila Aliyeva", "MSK", "Phone support", "en", -30, "mentor@demo.test")


def _month(today: date, months_ago: int) -> str:
    year, month = today.year, today.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}"


def _finish_courses(person: User, admin, grader, today: date) -> None:
    """Read every lesson of the person's courses and pass their quizzes (essays graded by the mentor)."""
    from training.courses import services as courses
    from training.courses.models import LessonView
    from training.quizzes.features import DEMO_ESSAY, demo_attempt
    from training.quizzes.models import Quiz

    when = datetime.combine(today - timedelta(days=10), datetime.min.time(), tzinfo=UTC)
    for enrolment in courses.enrolments_of(person.id):
        if enrolment.completed_at is not None:
            continue
        seen = set(db.session.scalars(select(LessonView.lesson_id).where(LessonView.user_id == person.id)))
        for lesson in enrolment.course.lessons:
            if lesson.id not in seen:
                db.session.add(LessonView(lesson_id=lesson.id, user_id=person.id))
        db.session.flush()
        for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == enrolment.course_id)):
            demo_attempt(person, quiz, right=True, when=when, essay=DEMO_ESSAY["en"], grader=grader, essay_percent=95)
        courses.refresh_completion(person, enrolment.course, actor=admin)


@demo.step(50)
def demo_mentoring(ctx: dict) -> str:
    """Mentors with mentees at every stage, sign-offs of the live agents, feedback on mentoring."""
    from servicecraft.auth.services import hash_password
    from training.simulations import services as simulations

    users = ctx.get("users", {})
    today = ctx.get("today") or date.today()
    admin = users.get("admin@demo.test")
    if not simulations.requirements():
        for slug in DEMO_REQUIRED_SCENARIOS:
            if simulations.current_version(slug) is not None:
                simulations.add_requirement(admin, "scenario", slug)
    # A new hire who has read every course but not yet passed the role-plays.
    email, name, branch, team, language, offset, mentor = EXTRA_NEWHIRE
    person = db.session.scalar(select(User).where(User.email == email))
    if person is None and mentor in users:
        person = User(email=email, name=name, password_hash=hash_password(demo.DEMO_PASSWORD), is_demo=True,
                      language=language, timezone="Europe/Moscow", start_date=today + timedelta(days=offset))
        person.set_roles(["agent"])
        branches, teams = ctx.get("branches", {}), ctx.get("teams", {})
        person.branch_id = branches[branch].id if branch in branches else None
        person.team_id = teams[team].id if team in teams else None
        person.mentor_id = users[mentor].id
        db.session.add(person)
        db.session.flush()
        from training.courses import services as courses

        courses.apply_enrolment_rules(actor=admin, user=person)
    if person is not None:
        users[email] = person
        if person.live_since is None:
            _finish_courses(person, admin, users.get(mentor), today)
    made = 0
    for agent_email, days, mentor_email in DEMO_SIGNOFFS:
        agent, mentor_user = users.get(agent_email), users.get(mentor_email)
        if agent is None or agent.start_date is None:
            continue
        agent.live_since = agent.start_date + timedelta(days=days)
        record = db.session.scalar(select(SignOff).where(SignOff.newhire_id == agent.id))
        if record is None:
            record = SignOff(newhire_id=agent.id, track={})
            db.session.add(record)
            made += 1
        record.signed_by_id = mentor_user.id if mentor_user else None
        record.mentor_id = mentor_user.id if mentor_user else None
        record.branch_id = agent.branch_id
        record.start_date = agent.start_date
        record.live_since = agent.live_since
        record.signed_at = datetime(agent.live_since.year, agent.live_since.month, agent.live_since.day, 15, 0, tzinfo=UTC)
        record.is_override, record.override_reason = False, ""
    db.session.flush()
    answers = 0
    for mentor_email in {row[0] for row in DEMO_FEEDBACK}:
        mentor_user = users.get(mentor_email)
        if mentor_user is None:
            continue
        have = db.session.scalar(select(func.count(FeedbackResponse.id)).where(FeedbackResponse.mentor_id == mentor_user.id))
        if have:
            continue
        for _m, months, availability, clarity, usefulness, comment in (r for r in DEMO_FEEDBACK if r[0] == mentor_email):
            db.session.add(FeedbackResponse(mentor_id=mentor_user.id, period=_month(today, months), availability=availability,
                                            clarity=clarity, usefulness=usefulness, comment=comment))
            answers += 1
    db.session.flush()
    counts = services.funnel()
    return (f"mentoring: {made} sign-offs, {answers} feedback answers; funnel "
            + ", ".join(f"{stage} {counts[stage]}" for stage in services.FUNNEL_STAGES))
