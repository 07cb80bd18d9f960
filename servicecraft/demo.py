"""The demo organisation: `servicecraft demo` and `make run` on an empty database.

Packages add their own steps with ``@step(order)``; each step receives the people created
so far and adds realistic data for its pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select

from servicecraft.auth.services import hash_password
from servicecraft.extensions import db
from servicecraft.models import Branch, Team, User

DEMO_PASSWORD = "demo-password"

_STEPS: list[tuple[int, str, Callable[[dict], str | None]]] = []


class DemoRefused(Exception):
    """The database holds real people; loading the demo there needs --force."""


def step(order: int):
    """Register a demo step; it gets the context dict and returns a one-line summary."""

    def decorate(func):
        if all(name != func.__qualname__ for _o, name, _f in _STEPS):
            _STEPS.append((order, func.__module__ + "." + func.__qualname__, func))
        return func

    return decorate


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


BRANCHES = [
    # code, name, region, central
    ("MSK", "Moscow — Central office", "Central", True),
    ("EKB", "Yekaterinburg", "Ural", False),
    ("NSK", "Novosibirsk", "Siberia", False),
]
TEAMS = [("Phone support", "MSK"), ("Chat and email", "MSK"), ("Branch service Ural", "EKB"), ("Branch service Siberia", "NSK")]

# email, name, roles, branch, team, language, start offset in days (negative = past), live, capacity
PEOPLE = [
    ("admin@demo.test", "Alex Admin", ["admin"], "MSK", None, "en", -900, True, 0),
    ("manager@demo.test", "Marina Volkova", ["manager"], "MSK", None, "ru", -1200, True, 0),
    ("manager2@demo.test", "Oleg Petrenko", ["manager"], "EKB", None, "en", -1000, True, 0),
    ("mentor@demo.test", "Mikhail Sokolov", ["mentor", "agent"], "MSK", "Phone support", "en", -1500, True, 4),
    ("mentor2@demo.test", "Elena Kuznetsova", ["mentor", "agent"], "EKB", "Branch service Ural", "ru", -1400, True, 3),
    ("mentor3@demo.test", "Kenji Watanabe", ["mentor", "agent"], "MSK", "Chat and email", "ja", -1100, True, 2),
    ("newhire@demo.test", "Анна Смирнова", ["agent"], "MSK", "Phone support", "ru", -12, False, 0),
    ("newhire2@demo.test", "Dmytro Bondarenko", ["agent"], "MSK", "Chat and email", "uk", -40, False, 0),
    ("newhire3@demo.test", "Yulia Morozova", ["agent"], "EKB", "Branch service Ural", "ru", -75, False, 0),
    ("newhire4@demo.test", "Sam Taylor", ["agent"], "NSK", "Branch service Siberia", "en", -3, False, 0),
    ("agent1@demo.test", "Ivan Orlov", ["agent"], "MSK", "Phone support", "ru", -700, True, 0),
    ("agent2@demo.test", "Olga Lebedeva", ["agent"], "MSK", "Phone support", "ru", -520, True, 0),
    ("agent3@demo.test", "Pavel Novikov", ["agent"], "MSK", "Chat and email", "en", -430, True, 0),
    ("agent4@demo.test", "Sofia Romanova", ["agent"], "MSK", "Chat and email", "ru", -380, True, 0),
    ("agent5@demo.test", "Artem Fedorov", ["agent"], "EKB", "Branch service Ural", "ru", -610, True, 0),
    ("agent6@demo.test", "Natalia Egorova", ["agent"], "EKB", "Branch service Ural", "ru", -290, True, 0),
    ("agent7@demo.test", "Hana Sato", ["agent"], "NSK", "Branch service Siberia", "ja", -350, True, 0),
    ("agent8@demo.test", "Denis Kozlov", ["agent"], "NSK", "Branch service Siberia", "ru", -800, True, 0),
    ("shopper@demo.test", "Vera Shopper", ["shopper"], None, None, "ru", -200, True, 0),
    ("shopper2@demo.test", "Tom Shopper", ["shopper"], None, None, "en", -150, True, 0),
]
MENTORING = {"newhire@demo.test": "mentor@demo.test", "newhire2@demo.test": "mentor3@demo.test", "newhire3@demo.test": "mentor2@demo.test"}


@step(0)
def people(ctx: dict) -> str:
    today = date.today()
    branches = {}
    for code, name, region, central in BRANCHES:
        branch = db.session.scalar(select(Branch).where(Branch.code == code)) or Branch(code=code)
        branch.name, branch.region, branch.is_central = name, region, central
        db.session.add(branch)
        branches[code] = branch
    db.session.flush()
    teams = {}
    for name, code in TEAMS:
        team = db.session.scalar(select(Team).where(Team.name == name)) or Team(name=name)
        team.branch_id = branches[code].id
        db.session.add(team)
        teams[name] = team
    db.session.flush()
    password_hash = hash_password(DEMO_PASSWORD)
    users = {}
    for email, name, roles, branch, team, language, offset, live, capacity in PEOPLE:
        user = db.session.scalar(select(User).where(User.email == email)) or User(email=email)
        user.name, user.language, user.is_demo, user.is_active_account = name, language, True, True
        user.password_hash = password_hash
        user.branch_id = branches[branch].id if branch else None
        user.team_id = teams[team].id if team else None
        user.start_date = today + timedelta(days=offset)
        user.live_since = user.start_date + timedelta(days=60) if live else None
        user.mentor_capacity = capacity
        user.timezone = "Asia/Tokyo" if language == "ja" else ("Asia/Yekaterinburg" if branch == "EKB" else "Europe/Moscow")
        user.set_roles(roles)
        db.session.add(user)
        users[email] = user
    db.session.flush()
    for newhire, mentor in MENTORING.items():
        users[newhire].mentor_id = users[mentor].id
    db.session.flush()
    ctx.update(users=users, branches=branches, teams=teams, today=today)
    return f"{len(users)} people in {len(branches)} branches and {len(teams)} teams"


def load(*, force: bool = False) -> str:
    """Create (or refresh) the demo organisation; return a summary."""
    real = db.session.scalar(select(func.count(User.id)).where(User.is_demo.is_(False)))
    if real and not force:
        raise DemoRefused(
            f"the database has {real} people who are not from the demo; run `servicecraft demo --force` to add the demo anyway"
        )
    ctx: dict = {}
    lines = []
    for _order, _name, func_ in sorted(_STEPS, key=lambda s: s[0]):
        summary = func_(ctx)
        if summary:
            lines.append(summary)
    db.session.commit()
    lines.append(f"sign in as admin@demo.test, manager@demo.test, mentor@demo.test, newhire@demo.test or shopper@demo.test with the password {DEMO_PASSWORD}")
    return "\n".join(lines)
