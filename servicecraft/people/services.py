"""Creating, editing, importing and deactivating people, teams and branches."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from servicecraft import audit, events
from servicecraft.auth.services import hash_password
from servicecraft.extensions import db
from servicecraft.models import ROLES, Branch, Team, User

LANGUAGES = ("en", "ru", "uk", "ja")
MAX_NAME = 120
IMPORT_COLUMNS = ("email", "name", "roles", "team", "branch", "language", "mentor_capacity", "start_date")
REQUIRED_COLUMNS = ("email", "name", "roles")


class PeopleError(Exception):
    """Refused input; ``problems`` maps a field (or ``row N``) to a message."""

    def __init__(self, problems: dict[str, str] | list[str]):
        self.problems = problems
        text = "; ".join(problems.values() if isinstance(problems, dict) else problems)
        super().__init__(text)


def normalise_email(raw: str) -> str:
    """Return the canonical lower-case e-mail or raise ValueError with a message."""
    raw = (raw or "").strip()
    if len(raw) > 254:
        raise ValueError(_("An email address has at most 254 characters."))
    try:
        # Deliverability checks need the network; the syntax is what we can judge here.
        return validate_email(raw, check_deliverability=False, test_environment=True).normalized.lower()
    except EmailNotValidError:
        raise ValueError(_("This is not a valid email address.")) from None


def user_snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "roles": sorted(user.roles),
        "language": user.language,
        "timezone": user.timezone,
        "active": user.is_active_account,
        "team": user.team.name if user.team else None,
        "branch": user.branch.code if user.branch else None,
        "start_date": user.start_date,
        "mentor_capacity": user.mentor_capacity,
    }


@dataclass
class PersonInput:
    """What a form, the CLI or an import row says about a person."""

    email: str
    name: str
    roles: list[str]
    language: str = "en"
    timezone: str = "UTC"
    team_id: int | None = None
    branch_id: int | None = None
    start_date: date | None = None
    mentor_capacity: int = 0
    is_active: bool = True
    password: str | None = None


def check_person(data: PersonInput, *, existing: User | None = None) -> dict[str, str]:
    """Return the problems with *data*, field by field (empty when valid)."""
    problems: dict[str, str] = {}
    try:
        data.email = normalise_email(data.email)
    except ValueError as error:
        problems["email"] = str(error)
    else:
        other = db.session.scalar(select(User).where(User.email == data.email))
        if other is not None and other is not existing:
            problems["email"] = _("Someone already has this email address.")
    data.name = (data.name or "").strip()
    if not data.name:
        problems["name"] = _("A name is required.")
    elif len(data.name) > MAX_NAME:
        problems["name"] = _("A name has at most %(n)d characters.", n=MAX_NAME)
    unknown = [r for r in data.roles if r not in ROLES]
    if unknown:
        problems["roles"] = _("Unknown role: %(roles)s. Roles are %(known)s.", roles=", ".join(unknown), known=", ".join(ROLES))
    elif not data.roles:
        problems["roles"] = _("Give at least one role.")
    if data.language not in LANGUAGES:
        problems["language"] = _("Language must be one of %(known)s.", known=", ".join(LANGUAGES))
    if data.mentor_capacity is None or not 0 <= data.mentor_capacity <= 100:
        problems["mentor_capacity"] = _("Mentor capacity is a whole number from 0 to 100.")
    if data.password is not None:
        from servicecraft.auth.services import check_password_strength

        if problem := check_password_strength(data.password):
            problems["password"] = problem
    return problems


def create_user(data: PersonInput, *, actor: User | None) -> tuple[User, str | None]:
    """Create a person; return them and the generated password when none was given."""
    problems = check_person(data)
    if problems:
        raise PeopleError(problems)
    generated = None
    password = data.password
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    user = User(
        email=data.email,
        name=data.name,
        language=data.language,
        timezone=data.timezone,
        team_id=data.team_id,
        branch_id=data.branch_id,
        start_date=data.start_date,
        mentor_capacity=data.mentor_capacity,
        is_active_account=data.is_active,
        password_hash=hash_password(password),
    )
    user.set_roles(data.roles)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user", user.id, "created", after=user_snapshot(user))
    events.person_saved.send(user, user=user, actor=actor)
    return user, generated


def update_user(user: User, data: PersonInput, *, actor: User, reason: str = "") -> User:
    problems = check_person(data, existing=user)
    if problems:
        raise PeopleError(problems)
    before = user_snapshot(user)
    was_active = user.is_active_account
    user.email, user.name, user.language, user.timezone = data.email, data.name, data.language, data.timezone
    user.team_id, user.branch_id, user.start_date = data.team_id, data.branch_id, data.start_date
    user.mentor_capacity = data.mentor_capacity
    user.set_roles(data.roles)
    user.is_active_account = data.is_active
    if was_active and not data.is_active:
        user.session_version += 1  # signs the person out everywhere
    db.session.flush()
    old, new = audit.changes(before, user_snapshot(user))
    if new:
        audit.record(actor, "user", user.id, "updated", before=old, after=new, reason=reason)
        events.person_saved.send(user, user=user, actor=actor)
    return user


def set_active(user: User, active: bool, *, actor: User, reason: str = "") -> None:
    """Deactivate or reactivate a person (people are never deleted)."""
    if user.is_active_account == active:
        return
    if not active and actor is not None and actor.id == user.id:
        raise PeopleError({"active": _("You cannot deactivate yourself.")})
    user.is_active_account = active
    if not active:
        user.session_version += 1
    audit.record(actor, "user", user.id, "reactivated" if active else "deactivated", reason=reason)


# --- teams and branches ----------------------------------------------------------------------


def check_branch(code: str, name: str, *, existing: Branch | None = None) -> dict[str, str]:
    problems = {}
    code = (code or "").strip()
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        problems["code"] = _("A branch code is 1 to 32 letters, digits, '-' or '_'.")
    else:
        other = db.session.scalar(select(Branch).where(func.lower(Branch.code) == code.lower()))
        if other is not None and other is not existing:
            problems["code"] = _("Another branch has this code.")
    if not (name or "").strip() or len(name) > 120:
        problems["name"] = _("A branch name is 1 to 120 characters.")
    return problems


def save_branch(branch: Branch | None, *, code, name, region, is_central, actor) -> Branch:
    problems = check_branch(code, name, existing=branch)
    if problems:
        raise PeopleError(problems)
    created = branch is None
    branch = branch or Branch()
    before = {"code": branch.code, "name": branch.name, "region": branch.region, "central": branch.is_central}
    branch.code, branch.name = code.strip(), name.strip()
    branch.region, branch.is_central = (region or "").strip()[:120], bool(is_central)
    db.session.add(branch)
    db.session.flush()
    after = {"code": branch.code, "name": branch.name, "region": branch.region, "central": branch.is_central}
    audit.record(actor, "branch", branch.id, "created" if created else "updated", before=None if created else before, after=after)
    return branch


def save_team(team: Team | None, *, name, branch_id, actor) -> Team:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise PeopleError({"name": _("A team name is 1 to 120 characters.")})
    other = db.session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
    if other is not None and other is not team:
        raise PeopleError({"name": _("Another team has this name.")})
    created = team is None
    team = team or Team()
    before = {"name": team.name, "branch_id": team.branch_id}
    team.name, team.branch_id = name, branch_id
    db.session.add(team)
    db.session.flush()
    audit.record(actor, "team", team.id, "created" if created else "updated",
                 before=None if created else before, after={"name": team.name, "branch_id": team.branch_id})
    return team


# --- CSV import --------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    new_branches: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "errors": self.errors,
            "new_teams": self.new_teams,
            "new_branches": self.new_branches,
        }


def import_users(text: str, *, actor: User | None) -> ImportResult:
    """Upsert people by e-mail from CSV text; all rows or none. Errors read `row N, column C: reason`."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in IMPORT_COLUMNS]
    if missing:
        result.errors.append(_("row 1: missing column(s) %(cols)s", cols=", ".join(missing)))
    if unknown:
        result.errors.append(_("row 1: unknown column(s) %(cols)s", cols=", ".join(unknown)))
    if result.errors:
        return result
    reader.fieldnames = header
    rows: list[tuple[PersonInput, dict[str, str]]] = []
    seen: dict[str, int] = {}
    try:
        raw_rows = list(reader)
    except csv.Error as error:
        result.errors.append(_("row %(row)d: %(reason)s", row=reader.line_num, reason=str(error)))
        return result
    for number, raw in enumerate(raw_rows, start=2):
        if None in raw:
            result.errors.append(_("row %(row)d: more cells than columns", row=number))
            continue
        cell = {k: (v or "").strip() for k, v in raw.items()}
        row_errors: list[str] = []
        roles = [r.strip() for r in cell.get("roles", "").split(";") if r.strip()]
        capacity = 0
        if cell.get("mentor_capacity"):
            try:
                capacity = int(cell["mentor_capacity"])
            except ValueError:
                row_errors.append(_("row %(row)d, column %(col)s: not a whole number", row=number, col="mentor_capacity"))
        start = None
        if cell.get("start_date"):
            try:
                start = date.fromisoformat(cell["start_date"])
            except ValueError:
                row_errors.append(_("row %(row)d, column %(col)s: not a date (YYYY-MM-DD)", row=number, col="start_date"))
        person = PersonInput(
            email=cell.get("email", ""), name=cell.get("name", ""), roles=roles,
            language=cell.get("language") or "en", start_date=start, mentor_capacity=capacity,
        )
        try:
            email = normalise_email(person.email)
        except ValueError:
            email = person.email.lower()
        existing = db.session.scalar(select(User).where(User.email == email))
        for column, message in check_person(person, existing=existing).items():
            row_errors.append(_("row %(row)d, column %(col)s: %(reason)s", row=number, col=column, reason=message))
        if email in seen:
            row_errors.append(_("row %(row)d, column email: repeats row %(other)d", row=number, other=seen[email]))
        seen[email] = number
        if len(cell.get("team", "")) > 120:
            row_errors.append(_("row %(row)d, column team: at most 120 characters", row=number))
        if cell.get("branch") and check_branch(cell["branch"], cell["branch"]).get("code") and not _branch_by_code(cell["branch"]):
            row_errors.append(_("row %(row)d, column branch: a branch code is letters, digits, '-' or '_'", row=number))
        result.errors.extend(row_errors)
        rows.append((person, cell))
    if result.errors:
        return result
    for person, cell in rows:
        team_name, branch_code = cell.get("team", ""), cell.get("branch", "")
        if branch_code:
            branch = _branch_by_code(branch_code)
            if branch is None:
                branch = save_branch(None, code=branch_code, name=branch_code, region="", is_central=False, actor=actor)
                result.new_branches.append(branch.code)
            person.branch_id = branch.id
        if team_name:
            team = db.session.scalar(select(Team).where(func.lower(Team.name) == team_name.lower()))
            if team is None:
                team = save_team(None, name=team_name, branch_id=person.branch_id, actor=actor)
                result.new_teams.append(team.name)
            person.team_id = team.id
        existing = db.session.scalar(select(User).where(User.email == person.email))
        if existing is None:
            create_user(person, actor=actor)
            result.created.append(person.email)
        else:
            person.timezone = existing.timezone
            person.is_active = existing.is_active_account
            if not team_name:
                person.team_id = existing.team_id
            if not branch_code:
                person.branch_id = existing.branch_id
            # Columns left empty keep what the person already has.
            if not cell.get("language"):
                person.language = existing.language
            if not cell.get("mentor_capacity"):
                person.mentor_capacity = existing.mentor_capacity
            if not cell.get("start_date"):
                person.start_date = existing.start_date
            update_user(existing, person, actor=actor, reason="CSV import")
            result.updated.append(person.email)
    return result


def _branch_by_code(code: str) -> Branch | None:
    return db.session.scalar(select(Branch).where(func.lower(Branch.code) == code.strip().lower()))
