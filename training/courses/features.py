"""Navigation links, dashboard panels and demo steps of training.courses (registered on import)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from servicecraft import demo, events
from servicecraft.charts import bar_chart
from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.templating import nav_item
from training.courses import services
from training.courses.models import Course, Enrolment, LessonView
from training.people import all_mentees


@events.person_saved.connect
def enrol_by_rules(sender, *, user, actor=None, **_extra):
    """A person created or changed (new team, branch or role) is enrolled by the automatic rules."""
    if user.is_active_account:
        services.apply_enrolment_rules(actor=actor, user=user)


nav_item("training.courses.mine", _l("Training"), roles=("agent",), order=20)
nav_item("training.courses.index", _l("Courses"), roles=("admin", "manager"), order=30)
nav_item("training.courses.progress", _l("Training progress"), roles=("admin", "manager", "mentor"), order=31)


@panel("my-training", roles=("agent",), template="training/courses/panels/my_training.html", order=12)
def my_training(user):
    """The learner's open courses: what to do next and what is overdue."""
    items = services.my_training(user)
    if not items:
        return None
    open_items = [i for i in items if not i.progress.is_completed]
    return {
        "open_items": open_items[:5],
        "overdue": [i for i in open_items if i.is_overdue],
        "completed": len(items) - len(open_items),
        "total": len(items),
    }


@panel("mentees-training", roles=("mentor",), template="training/courses/panels/mentees_training.html", order=22)
def mentees_training(user):
    """Mentees' overdue training, for their mentor."""
    # Anyone assigned to them, deactivated or not (as before), from the list the dashboard reads once.
    if not all_mentees(user):
        return None
    today = date.today()
    overdue = services.overdue_enrolments(User.mentor_id == user.id, today)
    return {"overdue": overdue, "today": today}


@panel("training-overdue", roles=("manager", "admin"), template="training/courses/panels/overdue_training.html", order=52)
def overdue_training(user):
    """Overdue training by branch and by team, with a chart."""
    today = date.today()
    by_branch, by_team, total = services.overdue_overview(today)
    chart = bar_chart(by_branch, title=_("Overdue training by branch"), unit="") if by_branch else None
    return {"by_branch": by_branch, "by_team": by_team, "total": total, "chart": chart}


# --- demo ------------------------------------------------------------------------------------------


def _view(user: User, lessons) -> None:
    for lesson in lessons:
        exists = db.session.scalar(select(LessonView.id).where(LessonView.user_id == user.id, LessonView.lesson_id == lesson.id))
        if not exists:
            db.session.add(LessonView(lesson_id=lesson.id, user_id=user.id))
    db.session.flush()


@demo.step(20)
def starter_training(ctx: dict) -> str:
    """Load the starter courses and put the demo people at different stages of them."""
    users = ctx["users"]
    today = ctx.get("today") or date.today()
    admin = users.get("admin@demo.test")
    loaded = services.load_starter_courses(actor=admin)
    enrolled = services.apply_enrolment_rules(actor=admin)
    onboarding = db.session.scalars(
        select(Course).where(Course.is_onboarding.is_(True), Course.status == "published").order_by(Course.position)
    ).all()
    optional = db.session.scalars(
        select(Course).where(Course.is_onboarding.is_(False), Course.status == "published").order_by(Course.position, Course.slug)
    ).all()
    if onboarding:
        first = onboarding[0]
        anna = users["newhire@demo.test"]
        _view(anna, first.lessons[: max(1, len(first.lessons) // 2)])
        yulia = users["newhire3@demo.test"]
        for course in onboarding[:2]:
            _view(yulia, course.lessons)
        dmytro = users["newhire2@demo.test"]
        late = services.enrolment_for(dmytro.id, first.id)
        if late is not None and late.completed_at is None and (late.due_date is None or late.due_date >= today):
            late.due_date = today - timedelta(days=5)
        _view(dmytro, first.lessons[:1])
    if optional:
        course = optional[0]
        agents = [u for email, u in sorted(users.items()) if email.startswith("agent")]
        already = set(db.session.scalars(select(Enrolment.user_id).where(Enrolment.course_id == course.id)))
        for n, agent in enumerate(agents):
            if agent.id not in already:
                # Some are late, some on track: the manager's dashboard shows the difference.
                due = today - timedelta(days=3) if n % 3 == 0 else today + timedelta(days=10 + n)
                db.session.add(Enrolment(course_id=course.id, user_id=agent.id, due_date=due,
                                         enrolled_by_id=admin.id if admin else None))
        db.session.flush()
        for n, agent in enumerate(agents):
            _view(agent, course.lessons[: n % (len(course.lessons) + 1)])
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.completed_at.is_(None))).all():
        services.refresh_completion(enrolment.user, enrolment.course, actor=admin)
    db.session.flush()
    return f"{len(loaded)} starter courses loaded, {enrolled} enrolled by rules"
