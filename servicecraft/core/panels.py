"""Dashboard panels of the foundation: onboarding status, people by branch and team, admin overview."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.models import ApiToken, AuditEntry, Branch, Team, User, UserRole


@panel("onboarding-status", roles=("agent",), template="core/panels/onboarding.html", order=10, newhire=True)
def onboarding_status(user):
    days = (date.today() - user.start_date).days if user.start_date else None
    # The panel shows the mentor's name and e-mail: their roles stay unread.
    mentor = db.session.get(User, user.mentor_id, options=[lazyload(User.role_rows)]) if user.mentor_id else None
    return {"mentor": mentor, "start_date": user.start_date, "days": days}


@panel("my-mentees", roles=("mentor",), template="core/panels/mentees.html", order=20)
def my_mentees(user):
    # The list only tags who is still onboarding: ask whether each mentee is an agent instead of reading their roles.
    is_agent = select(UserRole.id).where(UserRole.user_id == User.id, UserRole.role == "agent").exists()
    rows = db.session.execute(
        select(User, is_agent).options(lazyload(User.role_rows))
        .where(User.mentor_id == user.id, User.is_active_account.is_(True)).order_by(User.start_date, User.name, User.id)
    ).all()
    return {"mentees": [mentee for mentee, _agent in rows], "capacity": user.mentor_capacity,
            "newhire_ids": {mentee.id for mentee, agent in rows if agent and mentee.live_since is None}}


@panel("people-overview", roles=("manager", "admin"), template="core/panels/people.html", order=50)
def people_overview(user):
    active = User.is_active_account.is_(True)
    by_branch = db.session.execute(
        select(Branch, func.count(User.id))
        .outerjoin(User, (User.branch_id == Branch.id) & active)
        .group_by(Branch.id)
        .order_by(Branch.is_central.desc(), Branch.code)
    ).all()
    by_team = db.session.execute(
        select(Team, func.count(User.id)).outerjoin(User, (User.team_id == Team.id) & active).group_by(Team.id).order_by(Team.name)
    ).all()
    by_role = dict(
        db.session.execute(
            select(UserRole.role, func.count(UserRole.id)).join(User, User.id == UserRole.user_id).where(active).group_by(UserRole.role)
        ).all()
    )
    # The table shows each new hire's branch and mentor: read them with the new hires (roles are not shown).
    newhires = db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .options(lazyload(User.role_rows), joinedload(User.branch), joinedload(User.mentor).lazyload(User.role_rows))
        .where(UserRole.role == "agent", User.live_since.is_(None), active).order_by(User.start_date.desc(), User.name).limit(20)
    ).all()
    return {"by_branch": by_branch, "by_team": by_team, "by_role": by_role, "newhires": newhires}


@panel("admin-overview", roles=("admin",), template="core/panels/admin.html", order=60)
def admin_overview(user):
    return {
        "people": db.session.scalar(select(func.count(User.id)).where(User.is_active_account.is_(True))),
        "inactive": db.session.scalar(select(func.count(User.id)).where(User.is_active_account.is_(False))),
        "tokens": db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None))),
        "recent": db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(8)).all(),
    }
