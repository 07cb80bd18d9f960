"""Use-cases of training.library: load, publish, acknowledge, link, and who has read what.

Services flush but never commit: the caller (a view, a demo step, the CLI) commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, defer

from servicecraft import audit
from servicecraft.extensions import db
from servicecraft.markup import headings, render_markdown
from servicecraft.models import Branch, Team, User, UserRole
from servicecraft.permissions import signed_in
from training.courses.models import text_in
from training.library.models import Protocol, ProtocolAcknowledgement, ProtocolVersion

# The people who must read every protocol: those who talk to customers.
READER_ROLES = ("agent", "mentor")
MAX_DOCUMENT_LENGTH = 200_000
MAX_NOTE_LENGTH = 2_000


class LibraryError(Exception):
    """A library operation was refused; ``problems`` maps field names to messages."""

    def __init__(self, problems: Mapping[str, str] | str):
        self.problems = dict(problems) if not isinstance(problems, str) else {"": problems}
        super().__init__("; ".join(self.problems.values()))


# --- reading ------------------------------------------------------------------------------------


def get_protocol(slug: str) -> Protocol | None:
    return db.session.scalar(select(Protocol).where(Protocol.slug == slug))


def all_protocols() -> list[Protocol]:
    return list(db.session.scalars(select(Protocol).order_by(Protocol.slug)))


def version_of(protocol: Protocol, number: int | None = None) -> ProtocolVersion | None:
    """Return version *number* of the protocol (default: the current one), or None."""
    wanted = number or protocol.current_version
    return next((v for v in protocol.versions if v.number == wanted), None)


def current_version(protocol: Protocol) -> ProtocolVersion | None:
    return version_of(protocol)


def language_shown(body: Mapping[str, str], language: str) -> str:
    """The language a reader of *language* gets: theirs, else English, else the first one written."""
    if language in body and body[language]:
        return language
    if body.get("en"):
        return "en"
    return next((lang for lang, text in body.items() if text), language)


def _canonical_language(body: Mapping[str, str]) -> str:
    return "en" if body.get("en") else next(iter(body), "en")


def document_title(markdown: str) -> str | None:
    """Return the document's leading '# Title' line, if it has one."""
    found = headings(markdown.split("\n", 1)[0] if markdown else "")
    return found[0][1] if found and found[0][0] == 1 else None


def document_body(markdown: str) -> str:
    """Return the Markdown without its leading '# Title' (the page shows the title as its own heading)."""
    text = (markdown or "").lstrip("\n")
    if document_title(text) is not None:
        return text.split("\n", 1)[1] if "\n" in text else ""
    return text


def sections(markdown: str) -> list[tuple[str, str]]:
    """Return (title, anchor) for each '## ' section, as the rendered page carries them."""
    found: list[tuple[str, str]] = []
    in_fence = False
    for line in (markdown or "").split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for level, title, anchor in headings(line):
            if level == 2:
                found.append((title, anchor))
    return found


def local_anchor(version: ProtocolVersion, anchor: str, language: str) -> str | None:
    """Turn an anchor (canonical, or any language's) into the one the *language* page carries.

    Every language lists the same sections in the same order, so sections match by position,
    as in :meth:`training.curriculum.loader.ProtocolSpec.local_anchor`.
    """
    body = version.body or {}
    shown = sections(body.get(language_shown(body, language), ""))
    languages = [_canonical_language(body)] + [lang for lang in body if lang != _canonical_language(body)]
    for lang in languages:
        for index, (_title, candidate) in enumerate(sections(body.get(lang, ""))):
            if candidate == anchor:
                return shown[index][1] if index < len(shown) else None
    return None


def protocol_link(slug: str, anchor: str | None, language: str) -> str:
    """Return the URL of a protocol page, with the anchor its *language* version carries.

    Lessons call it for ``protocol:<slug>#<anchor>`` links. An unknown protocol or section
    still gives a working link (the page itself, or the anchor as written).
    """
    url = url_for("training.library.show", slug=slug)
    if not anchor:
        return url
    protocol = get_protocol(slug)
    version = current_version(protocol) if protocol is not None else None
    local = local_anchor(version, anchor, language) if version is not None else None
    return f"{url}#{local or anchor}"


def _rewrite_protocol_links(language: str):
    def rewrite(target: str) -> str:
        if not target.startswith("protocol:"):
            return target
        slug, _sep, anchor = target[len("protocol:"):].partition("#")
        return protocol_link(slug, anchor or None, language)

    return rewrite


def render_version(version: ProtocolVersion, language: str) -> tuple[str, str, list[tuple[str, str]]]:
    """Return (language shown, sanitised HTML, sections) of a version for a reader of *language*."""
    body = version.body or {}
    shown = language_shown(body, language)
    markdown = body.get(shown, "")
    html = render_markdown(document_body(markdown), link_rewriter=_rewrite_protocol_links(language))
    return shown, html, sections(markdown)


def title_of(protocol: Protocol, language: str) -> str:
    return text_in(protocol.title, language) or protocol.slug


# --- loading the shipped protocols --------------------------------------------------------------


def load_starter_protocols(actor: User | None = None) -> list[Protocol]:
    """Create every shipped protocol and each of its versions; running it again adds only what is new."""
    from training.curriculum.loader import load_protocols

    loaded: list[Protocol] = []
    for spec in load_protocols():
        protocol = get_protocol(spec.slug)
        created = protocol is None
        if protocol is None:
            protocol = Protocol(slug=spec.slug, title=dict(spec.title), current_version=spec.version)
            db.session.add(protocol)
            db.session.flush()
        known = {v.number for v in protocol.versions}
        for number in spec.versions:
            if number in known:
                continue
            version = ProtocolVersion(
                protocol_id=protocol.id, number=number, body=dict(spec.documents[number]),
                change_note="" if number == 1 else _("Shipped with Servicecraft (version %(n)d).", n=number),
                published_by_id=actor.id if actor is not None else None,
            )
            protocol.versions.append(version)
            db.session.flush()
            audit.record(actor, "protocol", protocol.id, "load_version", after={"slug": spec.slug, "version": number})
        # A version a manager published in the app stays current over an older shipped one.
        protocol.current_version = spec.version if created else max(protocol.current_version, spec.version)
        db.session.flush()
        loaded.append(protocol)
    return loaded


# --- publishing ---------------------------------------------------------------------------------


def publish_version(protocol: Protocol, actor: User, bodies: Mapping[str, str], change_note: str) -> ProtocolVersion:
    """Publish the next version (Markdown per language); everyone then has to read it again."""
    problems: dict[str, str] = {}
    current = current_version(protocol)
    required = [lang for lang, text in (current.body if current else {}).items() if text]
    cleaned = {lang: (text or "").replace("\r\n", "\n").strip() + "\n" for lang, text in bodies.items() if (text or "").strip()}
    supported = tuple(current_app.config.get("LANGUAGES", ("en",)))
    for lang in bodies:
        if lang not in supported:
            problems[f"body_{lang}"] = _("'%(lang)s' is not a language Servicecraft speaks.", lang=lang)
    for lang in required:
        if lang not in cleaned:
            problems[f"body_{lang}"] = _("Write the text in this language: the current version has it.")
    if not cleaned and not required:
        problems["body"] = _("Write the text of the protocol.")
    for lang, text in cleaned.items():
        if len(text) > MAX_DOCUMENT_LENGTH:
            problems[f"body_{lang}"] = _("The text is too long: keep it under %(n)d characters.", n=MAX_DOCUMENT_LENGTH)
        elif not sections(text):
            problems[f"body_{lang}"] = _("The text has no sections: start each one with a line such as '## Heading'.")
    counted = {lang: len(sections(text)) for lang, text in cleaned.items() if f"body_{lang}" not in problems}
    if counted:
        canonical = _canonical_language(cleaned)
        expected = counted.get(canonical)
        for lang, count in counted.items():
            if expected is not None and count != expected:
                problems[f"body_{lang}"] = _(
                    "This text has %(count)d sections but the %(first)s one has %(expected)d: every language must list the same sections in the same order.",
                    count=count, first=canonical, expected=expected,
                )
        for lang, text in cleaned.items():
            anchors = [anchor for _t, anchor in sections(text)]
            if len(set(anchors)) != len(anchors) and f"body_{lang}" not in problems:
                problems[f"body_{lang}"] = _("Two sections have the same heading: give each section its own heading.")
    note = (change_note or "").strip()
    if not note:
        problems["change_note"] = _("Say what changed, so readers know what to look for.")
    elif len(note) > MAX_NOTE_LENGTH:
        problems["change_note"] = _("The note is too long: keep it under %(n)d characters.", n=MAX_NOTE_LENGTH)
    if not problems and current is not None and all(cleaned.get(lang, "") == (current.body.get(lang) or "").replace("\r\n", "\n").strip() + "\n" for lang in set(cleaned) | set(required)):
        problems["body"] = _("Nothing changed: the text is the same as version %(n)d.", n=current.number)
    if problems:
        raise LibraryError(problems)
    number = max((v.number for v in protocol.versions), default=0) + 1
    version = ProtocolVersion(
        protocol_id=protocol.id, number=number, body=cleaned, change_note=note,
        published_by_id=actor.id, published_at=datetime.now(timezone.utc),
    )
    protocol.versions.append(version)
    before = protocol.current_version
    protocol.current_version = number
    db.session.flush()
    audit.record(
        actor, "protocol", protocol.id, "publish_version",
        before={"current_version": before}, after={"current_version": number, "languages": sorted(cleaned)}, reason=note,
    )
    return version


# --- acknowledging ------------------------------------------------------------------------------


def must_read(user) -> bool:
    """Agents and mentors confirm they have read each protocol version."""
    return signed_in(user) and user.has_role(*READER_ROLES) and user.is_active_account


def acknowledgement_of(user, version: ProtocolVersion) -> ProtocolAcknowledgement | None:
    return db.session.scalar(
        select(ProtocolAcknowledgement).where(ProtocolAcknowledgement.version_id == version.id, ProtocolAcknowledgement.user_id == user.id)
    )


def acknowledge(user: User, version: ProtocolVersion) -> tuple[ProtocolAcknowledgement, bool]:
    """Record that *user* read *version*; return it and whether it is new (a repeat changes nothing)."""
    if not must_read(user):
        raise LibraryError(_("Only agents and mentors confirm reading protocols."))
    if version.number != version.protocol.current_version:
        raise LibraryError(_("A newer version has been published since; read that one and confirm it."))
    existing = acknowledgement_of(user, version)
    if existing is not None:
        return existing, False
    ack = ProtocolAcknowledgement(version_id=version.id, user_id=user.id, acknowledged_at=datetime.now(timezone.utc))
    db.session.add(ack)
    db.session.flush()
    return ack, True


def pending_acknowledgements(user) -> list[ProtocolVersion]:
    """Return the current protocol versions *user* must read and has not confirmed yet."""
    if not must_read(user):
        return []
    read = select(ProtocolAcknowledgement.version_id).where(ProtocolAcknowledgement.user_id == user.id)
    # The join reads each protocol anyway: fill version.protocol from it; the text is read only when shown.
    return list(db.session.scalars(
        select(ProtocolVersion).join(Protocol, Protocol.id == ProtocolVersion.protocol_id)
        .options(contains_eager(ProtocolVersion.protocol), defer(ProtocolVersion.body))
        .where(ProtocolVersion.number == Protocol.current_version, ProtocolVersion.id.notin_(read))
        .order_by(Protocol.slug)
    ))


def acknowledged_version_ids(user) -> set[int]:
    return set(db.session.scalars(select(ProtocolAcknowledgement.version_id).where(ProtocolAcknowledgement.user_id == user.id)))


def _readers_filter():
    return User.is_active_account.is_(True), User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(READER_ROLES)))


def readers(*, branch_id: int | None = None, team_id: int | None = None) -> list[User]:
    """The active people who must read protocols, optionally of one branch or team."""
    query = select(User).where(*_readers_filter()).order_by(User.name)
    if branch_id:
        query = query.where(User.branch_id == branch_id)
    if team_id:
        query = query.where(User.team_id == team_id)
    return list(db.session.scalars(query))


@dataclass
class GroupCount:
    label: str
    read: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.read / self.total, 1) if self.total else None


@dataclass
class Coverage:
    """Who has read the current version of one protocol, and who has not."""

    protocol: Protocol
    version: ProtocolVersion
    read: list[tuple[User, ProtocolAcknowledgement]] = field(default_factory=list)
    missing: list[tuple[User, int | None]] = field(default_factory=list)  # person, last version they read
    by_branch: list[GroupCount] = field(default_factory=list)
    by_team: list[GroupCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.read) + len(self.missing)

    @property
    def percent(self) -> float | None:
        return round(100 * len(self.read) / self.total, 1) if self.total else None


def coverage(protocol: Protocol, *, branch_id: int | None = None, team_id: int | None = None) -> Coverage:
    """Count who has confirmed the current version, by branch and by team, and list who has not."""
    version = current_version(protocol)
    result = Coverage(protocol, version)
    people = readers(branch_id=branch_id, team_id=team_id)
    acks = {
        ack.user_id: ack for ack in db.session.scalars(
            select(ProtocolAcknowledgement).where(ProtocolAcknowledgement.version_id == version.id)
        )
    }
    # The latest older version each person read, to tell "never read it" from "read the old one".
    older: dict[int, int] = {}
    for user_id, number in db.session.execute(
        select(ProtocolAcknowledgement.user_id, ProtocolVersion.number)
        .join(ProtocolVersion, ProtocolVersion.id == ProtocolAcknowledgement.version_id)
        .where(ProtocolVersion.protocol_id == protocol.id, ProtocolVersion.number < version.number)
    ):
        older[user_id] = max(number, older.get(user_id, 0))
    branches = {b.id: b for b in db.session.scalars(select(Branch))}
    teams = {t.id: t for t in db.session.scalars(select(Team))}
    by_branch: dict[int | None, GroupCount] = {}
    by_team: dict[int | None, GroupCount] = {}
    no_branch, no_team = _("No branch"), _("No team")
    for person in people:
        ack = acks.get(person.id)
        if ack is not None:
            result.read.append((person, ack))
        else:
            result.missing.append((person, older.get(person.id)))
        branch = branches.get(person.branch_id)
        team = teams.get(person.team_id)
        for groups, key, label in ((by_branch, person.branch_id, branch.name if branch else no_branch),
                                   (by_team, person.team_id, team.name if team else no_team)):
            group = groups.setdefault(key, GroupCount(label))
            group.total += 1
            group.read += ack is not None
    result.by_branch = sorted(by_branch.values(), key=lambda g: g.label)
    result.by_team = sorted(by_team.values(), key=lambda g: g.label)
    return result


def coverage_overview() -> list[tuple[Protocol, int, int]]:
    """(protocol, people who read its current version, people who must) for every protocol, in one query.

    Protocols without their current version stored are left out.
    """
    reader_ids = select(User.id).where(*_readers_filter())
    total = select(func.count()).select_from(reader_ids.subquery()).scalar_subquery()
    rows = db.session.execute(
        select(Protocol, func.count(ProtocolAcknowledgement.id), total)
        .join(ProtocolVersion, (ProtocolVersion.protocol_id == Protocol.id)
              & (ProtocolVersion.number == Protocol.current_version))
        .outerjoin(ProtocolAcknowledgement, (ProtocolAcknowledgement.version_id == ProtocolVersion.id)
                   & ProtocolAcknowledgement.user_id.in_(reader_ids))
        .group_by(Protocol.id)
        .order_by(Protocol.slug)
    ).all()
    return [(protocol, read, people) for protocol, read, people in rows]
