"""Use-cases of training.courses: authoring, enrolment, lesson views, completion, progress.

Every function takes the acting person where one acts, flushes but never commits, and
raises :class:`CourseError` with a translatable message when input is refused.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import BinaryIO

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, func, inspect, select
from sqlalchemy.orm import contains_eager, defer, joinedload, selectinload
from werkzeug.routing import BuildError

from servicecraft import audit, storage
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.markup import render_markdown
from servicecraft.models import Branch, Team, User, UserRole
from servicecraft.permissions import sees_everyone, signed_in
from training.courses import progress as progress_rules
from training.courses.models import (
    COURSE_STATUSES,
    RULE_KINDS,
    Course,
    CourseFile,
    CourseModule,
    Enrolment,
    EnrolmentRule,
    Lesson,
    LessonView,
    text_in,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ENROL_KINDS = ("person", "team", "branch", "role")


class CourseError(Exception):
    """Refused input; ``problems`` maps a field name (or "") to a message."""

    def __init__(self, problems: dict[str, str] | str):
        self.problems = problems if isinstance(problems, dict) else {"": problems}
        super().__init__("; ".join(str(m) for m in self.problems.values()))


# --- who may see what ------------------------------------------------------------------------


def is_staff(user) -> bool:
    """Admins and managers author courses and see every course and person."""
    return sees_everyone(user)


def enrolment_for(user_id: int, course_id: int) -> Enrolment | None:
    """Return the person's enrolment on that course version, or None."""
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id))


def is_enrolled(user, course: Course) -> bool:
    """Tell whether *user* is enrolled on *course* (this version)."""
    return signed_in(user) and enrolment_for(user.id, course.id) is not None


def _mentor_of_enrolled(user, course: Course) -> bool:
    if not (signed_in(user) and user.has_role("mentor")):
        return False
    return db.session.scalar(
        select(func.count(Enrolment.id)).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == course.id, User.mentor_id == user.id)
    ) > 0


def can_view_course(user, course: Course) -> bool:
    """Staff see every course; others a published course they (or their mentee) are enrolled on.

    A learner already enrolled keeps access to a version archived after they started it.
    """
    if not signed_in(user) or course is None:
        return False
    if is_staff(user):
        return True
    if course.status == "draft":
        return False
    involved = is_enrolled(user, course) or _mentor_of_enrolled(user, course)
    if course.status == "published":
        return involved
    return course.status == "archived" and is_enrolled(user, course)


def can_view_progress_of(viewer, person: User) -> bool:
    """Staff see everyone's training; mentors their mentees'; everyone their own."""
    if not signed_in(viewer) or person is None:
        return False
    if viewer.id == person.id or is_staff(viewer):
        return True
    return viewer.has_role("mentor") and person.mentor_id == viewer.id


def _completed_slugs(user_id: int) -> set[str]:
    return completed_slugs_many([user_id])[user_id]


def completed_slugs_many(user_ids: Iterable[int]) -> dict[int, set[str]]:
    """Person id -> slugs of the courses they completed (any version), in one query."""
    ids = list(dict.fromkeys(user_ids))
    found: dict[int, set[str]] = {user_id: set() for user_id in ids}
    if not ids:
        return found
    for user_id, slug in db.session.execute(
        select(Enrolment.user_id, Course.slug).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id.in_(ids), Enrolment.completed_at.isnot(None))
    ):
        found[user_id].add(slug)
    return found


def with_open_enrolments(user_ids: Iterable[int]) -> set[int]:
    """Return which of these people have at least one enrolment not completed yet."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.user_id.in_(ids), Enrolment.completed_at.is_(None)).distinct()
    ))


def has_completed(user, slug: str) -> bool:
    """Tell whether *user* completed any version of the course *slug* (go-live requirements ask)."""
    return slug in _completed_slugs(user.id)


def missing_prerequisites(user, course: Course, *, completed: set[str] | None = None) -> list[Course]:
    """Return the prerequisite courses *user* has not completed (any version counts).

    *completed*: the slugs *user* completed, when the caller already has them.
    """
    if not course.prerequisites:
        return []
    done = _completed_slugs(user.id) if completed is None else completed
    return [p for p in course.prerequisites if p.slug not in done]


def prerequisites_met(user, course: Course) -> bool:
    """Tell whether *user* completed every prerequisite of *course* (any version of each)."""
    return not missing_prerequisites(user, course)


# --- reading ----------------------------------------------------------------------------------


def latest_published(slug: str) -> Course | None:
    """Return the newest published version of the course *slug*."""
    return db.session.scalar(
        select(Course).where(Course.slug == slug, Course.status == "published").order_by(Course.version.desc()).limit(1)
    )


def latest_versions() -> list[Course]:
    """Return the newest version of every course slug, by onboarding position then title."""
    newest = select(Course.slug, func.max(Course.version).label("version")).group_by(Course.slug).subquery()
    courses = db.session.scalars(
        select(Course).join(newest, and_(Course.slug == newest.c.slug, Course.version == newest.c.version))
    ).all()
    return sorted(courses, key=lambda c: (not c.is_onboarding, c.position or 10**6, c.slug))


def course_languages(course: Course) -> list[str]:
    return list(course.languages or []) or ["en"]


def _protocol_href(slug: str, anchor: str, language: str) -> str:
    try:
        from training.library.services import protocol_link

        return protocol_link(slug, anchor, language)
    except Exception:  # the library may not know this protocol yet: link to its page anyway
        try:
            url = url_for("training.library.show", slug=slug)
        except BuildError:
            url = f"/training/protocols/{slug}"
        return url + ("#" + anchor if anchor else "")


def render_lesson(course: Course, text: str, language: str) -> Markup:
    """Render lesson Markdown safely; ``protocol:`` and ``file:`` links point at our pages."""

    def rewrite(target: str) -> str:
        if target.startswith("protocol:"):
            slug, _sep, anchor = target[len("protocol:"):].partition("#")
            return _protocol_href(slug, anchor, language)
        if target.startswith("file:"):
            return url_for("training.courses.file", course_id=course.id, file_name=target[len("file:"):])
        return target

    html = render_markdown(text or "", link_rewriter=rewrite)
    if "<h1" in html:
        # The page's title is its only <h1>: move the lesson's own headings one level down.
        html = re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html)
    return Markup(html)


def file_snippet(course_file: CourseFile) -> str:
    """Return the Markdown that embeds an uploaded image in a lesson."""
    alt = re.sub(r"[\[\]]", "", (course_file.original_name or "image").rsplit(".", 1)[0]) or "image"
    return f"![{alt}](file:{file_name(course_file)})"


def file_name(course_file: CourseFile) -> str:
    return course_file.storage_key.rsplit("/", 1)[-1]


def find_file(course: Course, name: str) -> CourseFile | None:
    if not re.fullmatch(r"[0-9a-f]{32}\.[a-z]{3,4}", name or ""):
        return None
    return db.session.scalar(select(CourseFile).where(CourseFile.course_id == course.id, CourseFile.storage_key.endswith("/" + name)))


# --- authoring --------------------------------------------------------------------------------


@dataclass
class CourseInput:
    slug: str
    languages: list[str]
    title: dict[str, str]
    summary: dict[str, str]
    is_onboarding: bool = False
    position: int | None = None
    requires_all_lessons: bool = True
    prerequisite_ids: list[int] = field(default_factory=list)


def _only_drafts(course: Course) -> None:
    if course.status != "draft":
        raise CourseError(_("Only a draft can be changed. Copy this course to a new version to change it."))


def _clean_texts(texts: dict[str, str], languages: list[str]) -> dict[str, str]:
    return {lang: (texts.get(lang) or "").strip() for lang in languages if (texts.get(lang) or "").strip()}


def _check_course_input(data: CourseInput, course: Course | None) -> dict[str, str]:
    from servicecraft.i18n import LANGUAGE_NAMES

    problems: dict[str, str] = {}
    if course is None and not SLUG_RE.match(data.slug or ""):
        problems["slug"] = _("Use lower-case letters, digits and single hyphens, such as complaint-handling.")
    elif course is None and db.session.scalar(select(Course.id).where(Course.slug == data.slug).limit(1)):
        problems["slug"] = _("A course with this short name already exists; copy it to a new version instead.")
    languages = [lang for lang in data.languages if lang in LANGUAGE_NAMES]
    if not languages:
        problems["languages"] = _("Choose at least one language.")
    for lang in languages:
        if not (data.title.get(lang) or "").strip():
            problems[f"title_{lang}"] = _("Give the title in %(language)s.", language=LANGUAGE_NAMES[lang])
    if data.position is not None and data.position < 1:
        problems["position"] = _("The position must be 1 or more.")
    if course is not None and course.id in data.prerequisite_ids:
        problems["prerequisites"] = _("A course cannot be its own prerequisite.")
    return problems


def _prerequisite_courses(ids: list[int], own_slug: str) -> list[Course]:
    if not ids:
        return []
    found = db.session.scalars(select(Course).where(Course.id.in_(ids))).all()
    if len(found) != len(set(ids)) or any(c.slug == own_slug for c in found):
        raise CourseError({"prerequisites": _("Choose prerequisites among the other courses.")})
    return list(found)


def create_course(data: CourseInput, actor) -> Course:
    """Create a draft course (version 1)."""
    problems = _check_course_input(data, None)
    if problems:
        raise CourseError(problems)
    languages = [lang for lang in data.languages if lang]
    course = Course(
        slug=data.slug, version=1, status="draft", languages=languages,
        title=_clean_texts(data.title, languages), summary=_clean_texts(data.summary, languages),
        is_onboarding=data.is_onboarding, position=data.position, requires_all_lessons=data.requires_all_lessons,
        created_by_id=actor.id if actor else None,
    )
    course.prerequisites = _prerequisite_courses(data.prerequisite_ids, data.slug)
    db.session.add(course)
    db.session.flush()
    audit.record(actor, "course", course.id, "create", after={"slug": course.slug, "version": 1})
    return course


def update_course(course: Course, data: CourseInput, actor) -> Course:
    """Change a draft's settings and texts."""
    _only_drafts(course)
    problems = _check_course_input(data, course)
    if problems:
        raise CourseError(problems)
    before = {"languages": course.languages, "title": course.title, "summary": course.summary,
              "is_onboarding": course.is_onboarding, "position": course.position,
              "requires_all_lessons": course.requires_all_lessons,
              "prerequisites": sorted(p.id for p in course.prerequisites)}
    languages = list(data.languages)
    course.languages = languages
    course.title = _clean_texts(data.title, languages)
    course.summary = _clean_texts(data.summary, languages)
    course.is_onboarding = data.is_onboarding
    course.position = data.position
    course.requires_all_lessons = data.requires_all_lessons
    course.prerequisites = _prerequisite_courses(data.prerequisite_ids, course.slug)
    db.session.flush()
    after = {"languages": course.languages, "title": course.title, "summary": course.summary,
             "is_onboarding": course.is_onboarding, "position": course.position,
             "requires_all_lessons": course.requires_all_lessons,
             "prerequisites": sorted(p.id for p in course.prerequisites)}
    old, new = audit.changes(before, after)
    if new:
        audit.record(actor, "course", course.id, "update", before=old, after=new)
    return course


def publishing_problems(course: Course) -> list[str]:
    """Return what stops *course* from being published (empty when it can be)."""
    from servicecraft.i18n import LANGUAGE_NAMES

    problems = []
    languages = course_languages(course)
    if not course.lessons:
        problems.append(_("The course has no lessons yet."))
    for lang in languages:
        name = LANGUAGE_NAMES.get(lang, lang)
        if not (course.title or {}).get(lang):
            problems.append(_("The course has no title in %(language)s.", language=name))
        for lesson in course.lessons:
            label = text_in(lesson.title, lang) or lesson.slug
            if not (lesson.title or {}).get(lang):
                problems.append(_("Lesson “%(lesson)s” has no title in %(language)s.", lesson=label, language=name))
            if not (lesson.body or {}).get(lang, "").strip():
                problems.append(_("Lesson “%(lesson)s” has no text in %(language)s.", lesson=label, language=name))
    return problems


def set_status(course: Course, status: str, actor) -> Course:
    """Publish, archive or (for a course nobody has started) return a course to draft.

    Publishing a version archives the older published versions of the same course:
    people enrolled on them keep access and finish where they started.
    """
    if status not in COURSE_STATUSES:
        raise CourseError({"status": _("Choose draft, published or archived.")})
    if status == course.status:
        return course
    before = course.status
    if status == "published":
        problems = publishing_problems(course)
        if problems:
            raise CourseError({"": " ".join(problems)})
        course.published_at = utcnow()
        for older in db.session.scalars(
            select(Course).where(Course.slug == course.slug, Course.id != course.id, Course.status == "published",
                                 Course.version < course.version)
        ):
            older.status = "archived"
            audit.record(actor, "course", older.id, "archive", before={"status": "published"}, after={"status": "archived"},
                         reason=f"version {course.version} published")
    if status == "draft":
        enrolled = db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id))
        if enrolled:
            raise CourseError({"status": _("People are enrolled on this version, so it cannot go back to draft. Copy it to a new version instead.")})
    course.status = status
    db.session.flush()
    audit.record(actor, "course", course.id, status if status != "published" else "publish",
                 before={"status": before}, after={"status": status})
    return course


def copy_course(course: Course, actor) -> Course:
    """Copy a course to its next version as a draft: modules, lessons, files and prerequisites."""
    top = db.session.scalar(select(func.max(Course.version)).where(Course.slug == course.slug)) or course.version
    copy = Course(
        slug=course.slug, version=top + 1, status="draft", languages=list(course.languages or []),
        title=dict(course.title or {}), summary=dict(course.summary or {}), is_onboarding=course.is_onboarding,
        position=course.position, requires_all_lessons=course.requires_all_lessons, copied_from_id=course.id,
        created_by_id=actor.id if actor else None,
    )
    copy.prerequisites = list(course.prerequisites)
    for module in course.modules:
        new_module = CourseModule(position=module.position, title=dict(module.title or {}))
        for lesson in module.lessons:
            new_module.lessons.append(Lesson(slug=lesson.slug, position=lesson.position,
                                             title=dict(lesson.title or {}), body=dict(lesson.body or {})))
        copy.modules.append(new_module)
    db.session.add(copy)
    db.session.flush()
    for original in db.session.scalars(select(CourseFile).where(CourseFile.course_id == course.id)):
        # The stored file is shared: files are never deleted, so both versions keep it.
        db.session.add(CourseFile(course_id=copy.id, storage_key=original.storage_key, original_name=original.original_name,
                                  content_type=original.content_type, size=original.size, uploaded_by_id=original.uploaded_by_id))
    try:
        from training.quizzes.services import copy_course_quizzes
    except (ImportError, AttributeError):
        copy_course_quizzes = None
    if copy_course_quizzes is not None:
        copy_course_quizzes(course, copy, actor=actor)
    db.session.flush()
    audit.record(actor, "course", copy.id, "copy", after={"from_id": course.id, "slug": copy.slug, "version": copy.version})
    return copy


def _texts_for(course: Course, texts: dict[str, str]) -> dict[str, str]:
    return _clean_texts(texts, course_languages(course))


def add_module(course: Course, title: dict[str, str], actor) -> CourseModule:
    _only_drafts(course)
    title = _texts_for(course, title)
    if not title:
        raise CourseError({f"title_{course_languages(course)[0]}": _("Give the module a title.")})
    module = CourseModule(course_id=course.id, title=title,
                          position=max([m.position for m in course.modules], default=0) + 1)
    course.modules.append(module)
    db.session.flush()
    audit.record(actor, "course", course.id, "add_module", after={"module_id": module.id, "title": title})
    return module


def update_module(module: CourseModule, title: dict[str, str], actor) -> CourseModule:
    _only_drafts(module.course)
    title = _texts_for(module.course, title)
    if not title:
        raise CourseError({f"title_{course_languages(module.course)[0]}": _("Give the module a title.")})
    before = module.title
    module.title = title
    db.session.flush()
    audit.record(actor, "course", module.course_id, "update_module", before={"title": before}, after={"title": title})
    return module


def delete_module(module: CourseModule, actor) -> None:
    course = module.course
    _only_drafts(course)
    course.modules.remove(module)
    db.session.flush()
    audit.record(actor, "course", course.id, "delete_module", before={"module_id": module.id, "title": module.title})


def _move(items: list, item, direction: str) -> None:
    """Swap *item* with its neighbour and renumber positions 1..n."""
    ordered = sorted(items, key=lambda i: (i.position, i.id))
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position


def move_module(module: CourseModule, direction: str, actor) -> None:
    _only_drafts(module.course)
    _move(module.course.modules, module, direction)
    db.session.flush()
    db.session.expire(module.course, ["modules"])


def _check_lesson(module: CourseModule, slug: str, title: dict[str, str], lesson: Lesson | None) -> dict[str, str]:
    problems = {}
    if not SLUG_RE.match(slug or ""):
        problems["slug"] = _("Use lower-case letters, digits and single hyphens, such as listen-first.")
    elif any(other.slug == slug and other is not lesson for other in module.course.lessons):
        problems["slug"] = _("Another lesson of this course already has this short name.")
    if not _texts_for(module.course, title):
        problems[f"title_{course_languages(module.course)[0]}"] = _("Give the lesson a title.")
    return problems


def add_lesson(module: CourseModule, slug: str, title: dict[str, str], body: dict[str, str], actor) -> Lesson:
    _only_drafts(module.course)
    problems = _check_lesson(module, slug, title, None)
    if problems:
        raise CourseError(problems)
    lesson = Lesson(slug=slug, title=_texts_for(module.course, title), body=_texts_for(module.course, body),
                    position=max([lesson.position for lesson in module.lessons], default=0) + 1)
    module.lessons.append(lesson)
    db.session.flush()
    audit.record(actor, "course", module.course_id, "add_lesson", after={"lesson_id": lesson.id, "slug": slug})
    return lesson


def update_lesson(lesson: Lesson, slug: str, title: dict[str, str], body: dict[str, str], actor) -> Lesson:
    course = lesson.module.course
    _only_drafts(course)
    problems = _check_lesson(lesson.module, slug, title, lesson)
    if problems:
        raise CourseError(problems)
    before = {"slug": lesson.slug, "title": lesson.title, "body": lesson.body}
    lesson.slug, lesson.title, lesson.body = slug, _texts_for(course, title), _texts_for(course, body)
    db.session.flush()
    old, new = audit.changes(before, {"slug": lesson.slug, "title": lesson.title, "body": lesson.body})
    if new:
        audit.record(actor, "lesson", lesson.id, "update", before=old, after=new)
    return lesson


def move_lesson(lesson: Lesson, direction: str, actor) -> None:
    _only_drafts(lesson.module.course)
    _move(lesson.module.lessons, lesson, direction)
    db.session.flush()
    db.session.expire(lesson.module, ["lessons"])


def delete_lesson(lesson: Lesson, actor) -> None:
    module = lesson.module
    _only_drafts(module.course)
    module.lessons.remove(lesson)
    db.session.flush()
    audit.record(actor, "course", module.course_id, "delete_lesson", before={"lesson_id": lesson.id, "slug": lesson.slug})


def upload_file(course: Course, stream: BinaryIO, original_name: str, actor) -> CourseFile:
    """Store an image for the course's lessons; refuse other types and oversized files."""
    try:
        stored = storage.save(stream, kinds=(storage.IMAGE,), original_name=original_name, folder="courses")
    except storage.UploadRefused as error:
        raise CourseError({"file": str(error)}) from error
    course_file = CourseFile(course_id=course.id, storage_key=stored.key, original_name=stored.original_name,
                             content_type=stored.content_type, size=stored.size, uploaded_by_id=actor.id if actor else None)
    db.session.add(course_file)
    db.session.flush()
    audit.record(actor, "course", course.id, "upload_file", after={"file_id": course_file.id, "name": stored.original_name})
    return course_file


def course_files(course: Course) -> list[CourseFile]:
    return list(db.session.scalars(select(CourseFile).where(CourseFile.course_id == course.id).order_by(CourseFile.id)))


# --- enrolment ----------------------------------------------------------------------------------


def _active_people():
    return select(User).where(User.is_active_account.is_(True))


def _enrolled_slugs_by_user(user_ids: list[int] | None = None) -> dict[int, set[str]]:
    query = select(Enrolment.user_id, Course.slug).join(Course, Course.id == Enrolment.course_id)
    if user_ids is not None:
        query = query.where(Enrolment.user_id.in_(user_ids))
    found: dict[int, set[str]] = defaultdict(set)
    for user_id, slug in db.session.execute(query):
        found[user_id].add(slug)
    return found


def _enrol(course: Course, person: User, due_date: date | None, actor, rule: EnrolmentRule | None = None) -> Enrolment:
    enrolment = Enrolment(course_id=course.id, user_id=person.id, rule_id=rule.id if rule else None,
                          enrolled_by_id=actor.id if actor else None, due_date=due_date)
    db.session.add(enrolment)
    return enrolment


def people_for_target(kind: str, *, user_id: int | None = None, team_id: int | None = None,
                      branch_id: int | None = None, role: str | None = None) -> list[User]:
    """Return the active people a manual enrolment of *kind* names (checked, with messages)."""
    from servicecraft.models import ROLES

    query = _active_people()
    if kind == "person":
        person = db.session.get(User, user_id) if user_id else None
        if person is None or not person.is_active_account:
            raise CourseError({"user_id": _("Choose an active person.")})
        return [person]
    if kind == "team":
        if not team_id or db.session.get(Team, team_id) is None:
            raise CourseError({"team_id": _("Choose a team.")})
        query = query.where(User.team_id == team_id)
    elif kind == "branch":
        if not branch_id or db.session.get(Branch, branch_id) is None:
            raise CourseError({"branch_id": _("Choose a branch.")})
        query = query.where(User.branch_id == branch_id)
    elif kind == "role":
        if role not in ROLES:
            raise CourseError({"role": _("Choose a role.")})
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    else:
        raise CourseError({"kind": _("Choose whom to enrol: a person, a team, a branch or a role.")})
    return list(db.session.scalars(query.order_by(User.name)))


def enrol(course: Course, people: list[User], due_date: date | None, actor) -> tuple[int, int]:
    """Enrol *people* on a published course; return (newly enrolled, already enrolled)."""
    if course.status != "published":
        raise CourseError(_("Only a published course can take enrolments."))
    if due_date is not None and due_date < date.today():
        raise CourseError({"due_date": _("The due date cannot be in the past.")})
    already = {uid for uid in db.session.scalars(select(Enrolment.user_id).where(Enrolment.course_id == course.id))}
    created = 0
    for person in people:
        if person.id in already:
            continue
        _enrol(course, person, due_date, actor)
        already.add(person.id)
        created += 1
    db.session.flush()
    if created:
        audit.record(actor, "course", course.id, "enrol", after={"enrolled": created, "due_date": due_date})
    return created, len(people) - created


def change_due_date(enrolment: Enrolment, due_date: date | None, actor, reason: str = "") -> Enrolment:
    before = enrolment.due_date
    enrolment.due_date = due_date
    db.session.flush()
    audit.record(actor, "enrolment", enrolment.id, "due_date", before={"due_date": before}, after={"due_date": due_date}, reason=reason)
    return enrolment


def _rule_people(rule: EnrolmentRule, user: User | None) -> list[User]:
    query = _active_people()
    if rule.kind == "newhires":
        query = query.where(User.live_since.is_(None), User.id.in_(select(UserRole.user_id).where(UserRole.role == "agent")))
    elif rule.kind == "team":
        query = query.where(User.team_id == rule.team_id)
    elif rule.kind == "branch":
        query = query.where(User.branch_id == rule.branch_id)
    elif rule.kind == "role":
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == rule.role)))
    elif rule.kind != "everyone":
        return []
    if user is not None:
        query = query.where(User.id == user.id)
    return list(db.session.scalars(query))


def rule_due_date(rule: EnrolmentRule, person: User, today: date) -> date | None:
    """New hires are due *due_days* after their start date; everyone else after today."""
    if rule.due_days is None:
        return None
    start = person.start_date if rule.kind == "newhires" and person.start_date else today
    return start + timedelta(days=rule.due_days)


def apply_enrolment_rules(actor=None, user=None) -> int:
    """Enrol everyone the active rules match on the newest published version; return how many.

    Idempotent: a person already enrolled on any version of the course is left alone. Call
    it with ``user=`` after creating a person to enrol just them.
    """
    rules = db.session.scalars(select(EnrolmentRule).where(EnrolmentRule.is_active.is_(True)).order_by(EnrolmentRule.id)).all()
    if not rules:
        return 0
    enrolled = _enrolled_slugs_by_user([user.id] if user is not None else None)
    today = date.today()
    total = 0
    for rule in rules:
        course = latest_published(rule.course_slug)
        if course is None:
            continue
        count = 0
        for person in _rule_people(rule, user):
            if course.slug in enrolled[person.id]:
                continue
            _enrol(course, person, rule_due_date(rule, person, today), actor, rule)
            enrolled[person.id].add(course.slug)
            count += 1
        if count:
            db.session.flush()
            audit.record(actor, "enrolment_rule", rule.id, "apply", after={"course_id": course.id, "enrolled": count})
        total += count
    return total


def create_rule(course_slug: str, kind: str, actor, *, team_id: int | None = None, branch_id: int | None = None,
                role: str | None = None, due_days: int | None = None) -> tuple[EnrolmentRule, int]:
    """Create an automatic enrolment rule and apply it at once; return it and how many it enrolled."""
    from servicecraft.models import ROLES

    problems = {}
    if not db.session.scalar(select(Course.id).where(Course.slug == course_slug).limit(1)):
        problems["course_slug"] = _("Choose a course.")
    if kind not in RULE_KINDS:
        problems["kind"] = _("Choose whom the rule enrols.")
    if kind == "team" and (not team_id or db.session.get(Team, team_id) is None):
        problems["team_id"] = _("Choose a team.")
    if kind == "branch" and (not branch_id or db.session.get(Branch, branch_id) is None):
        problems["branch_id"] = _("Choose a branch.")
    if kind == "role" and role not in ROLES:
        problems["role"] = _("Choose a role.")
    if due_days is not None and not 1 <= due_days <= 730:
        problems["due_days"] = _("The number of days must be from 1 to 730.")
    if problems:
        raise CourseError(problems)
    rule = EnrolmentRule(course_slug=course_slug, kind=kind, team_id=team_id if kind == "team" else None,
                         branch_id=branch_id if kind == "branch" else None, role=role if kind == "role" else None,
                         due_days=due_days, is_active=True, created_by_id=actor.id if actor else None)
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "enrolment_rule", rule.id, "create",
                 after={"course_slug": course_slug, "kind": kind, "team_id": rule.team_id, "branch_id": rule.branch_id,
                        "role": rule.role, "due_days": due_days})
    return rule, apply_enrolment_rules(actor=actor)


def set_rule_active(rule: EnrolmentRule, is_active: bool, actor) -> EnrolmentRule:
    if rule.is_active != is_active:
        rule.is_active = is_active
        db.session.flush()
        audit.record(actor, "enrolment_rule", rule.id, "activate" if is_active else "deactivate",
                     before={"is_active": not is_active}, after={"is_active": is_active})
    return rule


# --- quizzes of a course (training.quizzes answers) -------------------------------------------


def course_quiz_ids(course: Course) -> list[int]:
    """Return the ids of the quizzes that belong to *course*."""
    from training.quizzes.models import Quiz

    return list(db.session.scalars(select(Quiz.id).where(Quiz.course_id == course.id).order_by(Quiz.id)))


def passed_quiz_ids(user_id: int, quiz_ids: list[int]) -> set[int]:
    """Return which of *quiz_ids* the person has passed."""
    if not quiz_ids:
        return set()
    try:
        from training.quizzes.services import passed_quiz_ids as quizzes_passed
    except (ImportError, AttributeError):
        quizzes_passed = None
    if quizzes_passed is not None:
        return set(quizzes_passed(user_id, list(quiz_ids)))
    # Until training.quizzes offers it: a finished attempt that passed.
    from training.quizzes.models import QuizAttempt

    return set(db.session.scalars(
        select(QuizAttempt.quiz_id).where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id.in_(quiz_ids),
                                          QuizAttempt.is_passed.is_(True), QuizAttempt.status == "finished")
    ))


def quiz_summaries(user, course: Course) -> list:
    """Return the quizzes engineer's summaries (title, url, best_percent, is_passed, ...)."""
    try:
        from training.quizzes.services import quiz_summaries as summaries
    except (ImportError, AttributeError):
        return []
    return list(summaries(user, course))


# --- lesson views and completion --------------------------------------------------------------


def viewed_lesson_ids(user_id: int, course: Course) -> set[int]:
    ids = [lesson.id for lesson in course.lessons]
    if not ids:
        return set()
    return set(db.session.scalars(select(LessonView.lesson_id).where(LessonView.user_id == user_id, LessonView.lesson_id.in_(ids))))


def record_lesson_view(user, lesson: Lesson) -> bool:
    """Record the first time an enrolled person opens a lesson; return True when newly recorded.

    Refused (CourseError) while the course's prerequisites are not completed.
    """
    course = lesson.module.course
    enrolment = enrolment_for(user.id, course.id)
    if enrolment is None:
        return False
    missing = missing_prerequisites(user, course)
    if missing:
        raise CourseError(prerequisites_message(missing, user.language))
    exists = db.session.scalar(select(LessonView.id).where(LessonView.lesson_id == lesson.id, LessonView.user_id == user.id))
    if exists:
        return False
    db.session.add(LessonView(lesson_id=lesson.id, user_id=user.id))
    db.session.flush()
    refresh_completion(user, course)
    return True


def prerequisites_message(missing: list[Course], language: str) -> str:
    names = ", ".join(f"“{text_in(c.title, language)}”" for c in missing)
    return _("Finish these courses first: %(courses)s.", courses=names)


def refresh_completion(user, course: Course, actor=None) -> bool:
    """Mark the enrolment completed when its rules are met; return whether it is completed.

    Complete = (every lesson viewed, if the course requires it) and every quiz passed.
    A completion is never taken back; it issues the certificate.
    """
    enrolment = enrolment_for(user.id, course.id)
    if enrolment is None:
        return False
    if enrolment.completed_at is not None:
        return True
    if course.requires_all_lessons:
        lesson_ids = {lesson.id for lesson in course.lessons}
        if lesson_ids - viewed_lesson_ids(user.id, course):
            return False
    quiz_ids = course_quiz_ids(course)
    if set(quiz_ids) - passed_quiz_ids(user.id, quiz_ids):
        return False
    enrolment.completed_at = utcnow()
    db.session.flush()
    audit.record(actor, "enrolment", enrolment.id, "complete",
                 after={"user_id": user.id, "course_id": course.id, "completed_at": enrolment.completed_at})
    try:
        from training.certificates.services import issue_certificate
    except (ImportError, AttributeError):
        issue_certificate = None
    if issue_certificate is not None:
        issue_certificate(enrolment, actor=actor)
    return True


# --- progress -----------------------------------------------------------------------------------


@dataclass
class EnrolmentProgress:
    """One enrolment with its counts, due status and next step (for pages and panels)."""

    enrolment: Enrolment
    progress: progress_rules.Progress
    due_status: str | None
    next_lesson: Lesson | None = None
    next_quiz: object | None = None
    next_kind: str = "done"
    blocked_by: list[Course] = field(default_factory=list)

    @property
    def course(self) -> Course:
        return self.enrolment.course

    @property
    def is_overdue(self) -> bool:
        return self.due_status == "overdue"


def progress_of(enrolment: Enrolment, *, with_summaries: bool = False, viewer=None, today: date | None = None) -> EnrolmentProgress:
    """Return the progress of one enrolment; *with_summaries* asks the quizzes for the next step."""
    return progress_many([enrolment], with_summaries=with_summaries, today=today)[0]


def _with_course_content(query):
    """Have a query of enrolments read each course with them, as _load_courses() would (two queries in all)."""
    course = joinedload(Enrolment.course)
    return query.options(course.defer(Course.summary),
                         course.joinedload(Course.modules).joinedload(CourseModule.lessons).defer(Lesson.body),
                         course.selectinload(Course.prerequisites))


def _has_course_content(enrolment: Enrolment) -> bool:
    """Tell whether the enrolment's course, its modules, their lessons and its prerequisites are all read already."""
    if "course" in inspect(enrolment).unloaded or enrolment.course is None:
        return False
    course = enrolment.course
    return (not {"modules", "prerequisites"} & inspect(course).unloaded
            and all("lessons" not in inspect(module).unloaded for module in course.modules))


def _load_courses(enrolments: list[Enrolment]) -> dict[int, Course]:
    """Return course id -> course of these enrolments, read with their modules, lessons and prerequisites.

    Two queries: the courses joined to their modules and lessons (course summaries and lesson
    bodies are left unread until shown), then the prerequisites; none when the enrolments were
    read with them (enrolments_of(..., with_courses=True)). Each enrolment then holds its course,
    so ``enrolment.course`` and ``course.lessons`` need no further query. Relationships already
    loaded are left as they are.
    """
    if all(_has_course_content(e) for e in enrolments):
        return {e.course_id: e.course for e in enrolments}
    found = db.session.scalars(
        select(Course).where(Course.id.in_({e.course_id for e in enrolments})).options(
            defer(Course.summary),
            joinedload(Course.modules).joinedload(CourseModule.lessons).defer(Lesson.body),
            selectinload(Course.prerequisites),
        )
    ).unique().all()
    # The session keeps only weak references: hold *found* until each enrolment has its course.
    courses = {e.course_id: e.course for e in enrolments}
    del found
    return courses


def progress_many(enrolments: Iterable[Enrolment], *, with_summaries: bool = False,
                  today: date | None = None) -> list[EnrolmentProgress]:
    """Return progress_of() of each enrolment, in order, with a constant number of queries.

    Two queries for the courses (see _load_courses), then one each for the lesson views, the
    quizzes, the quiz results and (when a course has prerequisites) the completed courses.
    """
    from training.quizzes.models import Quiz

    enrolments = list(enrolments)
    if not enrolments:
        return []
    today = today or date.today()
    courses = _load_courses(enrolments)
    user_ids = list(dict.fromkeys(e.user_id for e in enrolments))
    lesson_ids = [lesson.id for course in courses.values() for lesson in course.lessons]
    viewed_pairs: set[tuple[int, int]] = set()
    if lesson_ids:
        viewed_pairs = {(user_id, lesson_id) for user_id, lesson_id in db.session.execute(
            select(LessonView.user_id, LessonView.lesson_id)
            .where(LessonView.user_id.in_(user_ids), LessonView.lesson_id.in_(lesson_ids))
        )}
    quizzes: dict[int, list[Quiz]] = defaultdict(list)
    # Progress never shows a quiz's feedback bands: leave them unread.
    for quiz in db.session.scalars(select(Quiz).options(defer(Quiz.overall_feedback))
                                   .where(Quiz.course_id.in_(list(courses))).order_by(Quiz.id)):
        quizzes[quiz.course_id].append(quiz)
    summaries_by_pair: dict[tuple[int, int], list] = {}
    if with_summaries:
        summaries_by_pair = _summaries_many([(e.user, courses[e.course_id]) for e in enrolments], quizzes)
        # A summary says whether its quiz is passed: no need to ask the database again.
        passed_pairs = {(user_id, summary.quiz.id) for (user_id, _course_id), summaries in summaries_by_pair.items()
                        for summary in summaries if summary.is_passed}
    else:
        passed_pairs = _passed_pairs(user_ids, [quiz.id for found in quizzes.values() for quiz in found])
    needs_prerequisites = [e.user_id for e in enrolments
                           if e.completed_at is None and courses[e.course_id].prerequisites]
    completed = completed_slugs_many(needs_prerequisites) if needs_prerequisites else {}
    results = []
    for enrolment in enrolments:
        course = courses[enrolment.course_id]
        lessons = course.lessons
        viewed = {lesson.id for lesson in lessons if (enrolment.user_id, lesson.id) in viewed_pairs}
        quiz_ids = [quiz.id for quiz in quizzes.get(course.id, [])]
        passed = {qid for qid in quiz_ids if (enrolment.user_id, qid) in passed_pairs}
        counts = progress_rules.Progress(len(lessons), len(viewed), len(quiz_ids), len(passed),
                                         enrolment.completed_at is not None)
        result = EnrolmentProgress(enrolment, counts,
                                   progress_rules.due_status(enrolment.due_date, counts.is_completed, today))
        summaries = summaries_by_pair.get((enrolment.user_id, course.id), []) if with_summaries else []
        step = progress_rules.next_step(
            [lesson.id in viewed for lesson in lessons],
            [(bool(s.is_passed), bool(getattr(s, "awaiting_grading", False))) for s in summaries]
            if summaries else [(qid in passed, False) for qid in quiz_ids],
        )
        result.next_kind = "done" if counts.is_completed else step.kind
        if step.kind == "lesson":
            result.next_lesson = lessons[step.index]
        elif step.kind in ("quiz", "waiting") and summaries:
            result.next_quiz = summaries[step.index]
        if not counts.is_completed:
            result.blocked_by = missing_prerequisites(enrolment.user, course,
                                                      completed=completed.get(enrolment.user_id, set()))
        results.append(result)
    return results


def _passed_pairs(user_ids: list[int], quiz_ids: list[int]) -> set[tuple[int, int]]:
    """(person id, quiz id) of every quiz among *quiz_ids* the person has passed."""
    if not quiz_ids:
        return set()
    try:
        from training.quizzes.services import passed_pairs
    except (ImportError, AttributeError):
        passed_pairs = None
    if passed_pairs is not None:
        return set(passed_pairs(user_ids, quiz_ids))
    return {(user_id, qid) for user_id in user_ids for qid in passed_quiz_ids(user_id, quiz_ids)}


def _summaries_many(pairs: list[tuple[User, Course]], quizzes: dict[int, list]) -> dict[tuple[int, int], list]:
    """(person id, course id) -> quiz_summaries() of that person on that course, from the quizzes already read."""
    try:
        from training.quizzes.services import quiz_summaries_many
    except (ImportError, AttributeError):
        return {(user.id, course.id): quiz_summaries(user, course) for user, course in pairs}
    return quiz_summaries_many(pairs, quizzes)


def enrolments_of(user_id: int, *, with_courses: bool = False) -> list[Enrolment]:
    """Return a person's enrolments: open ones by due date first, then completed ones.

    *with_courses* reads each course's modules, lessons and prerequisites with them, for progress_many().
    """
    query = select(Enrolment).where(Enrolment.user_id == user_id)
    if with_courses:
        query = _with_course_content(query)
    rows = db.session.scalars(query).unique().all()
    return sorted(rows, key=lambda e: (e.completed_at is not None, e.due_date or date.max, e.id))


def my_training(user, today: date | None = None) -> list[EnrolmentProgress]:
    return progress_many(enrolments_of(user.id, with_courses=True), with_summaries=True, today=today)


def people_in_view(viewer, *, team_id: int | None = None, branch_id: int | None = None) -> list[User]:
    """Return the people whose training *viewer* follows: staff everyone, mentors their mentees."""
    query = _active_people().order_by(User.name)
    if not is_staff(viewer):
        if not viewer.has_role("mentor"):
            return []
        query = query.where(User.mentor_id == viewer.id)
    if team_id:
        query = query.where(User.team_id == team_id)
    if branch_id:
        query = query.where(User.branch_id == branch_id)
    return list(db.session.scalars(query))


@dataclass
class PersonProgress:
    person: User
    items: list[EnrolmentProgress]

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.items if i.is_overdue)

    @property
    def completed(self) -> int:
        return sum(1 for i in self.items if i.progress.is_completed)


def progress_table(viewer, *, team_id: int | None = None, branch_id: int | None = None,
                   overdue_only: bool = False, today: date | None = None) -> list[PersonProgress]:
    """Return everyone *viewer* follows (with at least one enrolment) and their courses' progress."""
    people = people_in_view(viewer, team_id=team_id, branch_id=branch_id)
    if not people:
        return []
    by_user: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.user_id.in_([p.id for p in people]))):
        by_user[enrolment.user_id].append(enrolment)
    ordered = {person.id: sorted(by_user[person.id], key=lambda e: (e.due_date or date.max, e.id))
               for person in people if by_user.get(person.id)}
    progress = iter(progress_many([e for enrolments in ordered.values() for e in enrolments], today=today))
    rows = []
    for person in people:
        if person.id not in ordered:
            continue
        items = [next(progress) for _e in ordered[person.id]]
        row = PersonProgress(person, items)
        if overdue_only and not row.overdue:
            continue
        rows.append(row)
    return rows


def overdue_enrolments(people_filter, today: date | None = None) -> list[Enrolment]:
    """Return the open enrolments past their due date for people matching *people_filter*."""
    today = today or date.today()
    # Pages show each enrolment's person and course: read them with the enrolments.
    return list(db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id)
        .options(contains_eager(Enrolment.user).lazyload(User.role_rows), joinedload(Enrolment.course))
        .where(Enrolment.completed_at.is_(None), Enrolment.due_date < today, User.is_active_account.is_(True), people_filter)
        .order_by(Enrolment.due_date)
    ))


def overdue_count(people_filter, today: date | None = None) -> int:
    """Return how many enrolments overdue_enrolments() would list, without reading them."""
    today = today or date.today()
    return db.session.scalar(
        select(func.count(Enrolment.id)).join(User, User.id == Enrolment.user_id)
        .where(Enrolment.completed_at.is_(None), Enrolment.due_date < today, User.is_active_account.is_(True), people_filter)
    ) or 0


def overdue_by(group: str, today: date | None = None) -> list[tuple[str, int]]:
    """Return (branch or team name, overdue enrolments) for every branch or team, most first."""
    today = today or date.today()
    model, column = (Branch, User.branch_id) if group == "branch" else (Team, User.team_id)
    rows = db.session.execute(
        select(model.name, func.count(Enrolment.id))
        .join(User, column == model.id)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.completed_at.is_(None), Enrolment.due_date < today, User.is_active_account.is_(True))
        .group_by(model.name)
    ).all()
    return sorted(((name, count) for name, count in rows), key=lambda r: (-r[1], r[0]))


def overdue_overview(today: date | None = None) -> tuple[list[tuple[str, int]], list[tuple[str, int]], int]:
    """Return overdue_by("branch"), overdue_by("team") and the overdue_count() of everyone, in one query."""
    today = today or date.today()
    rows = db.session.execute(
        select(Branch.name, Team.name, func.count(Enrolment.id))
        .select_from(Enrolment).join(User, User.id == Enrolment.user_id)
        .outerjoin(Branch, Branch.id == User.branch_id).outerjoin(Team, Team.id == User.team_id)
        .where(Enrolment.completed_at.is_(None), Enrolment.due_date < today, User.is_active_account.is_(True))
        .group_by(Branch.name, Team.name)
    ).all()
    by_branch: dict[str, int] = defaultdict(int)
    by_team: dict[str, int] = defaultdict(int)
    for branch, team, count in rows:
        if branch is not None:
            by_branch[branch] += count
        if team is not None:
            by_team[team] += count

    def most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda r: (-r[1], r[0]))

    return most_first(by_branch), most_first(by_team), sum(count for _b, _t, count in rows)


# --- starter curriculum -------------------------------------------------------------------------


def load_starter_courses(actor=None) -> list[Course]:
    """Load the shipped curriculum as published courses (skipping slugs that exist); return the new ones.

    Each onboarding course also gets a "newhires" rule, due 14 days per position.
    """
    from training.curriculum.loader import load_curriculum

    created = []
    for spec in load_curriculum():
        if db.session.scalar(select(Course.id).where(Course.slug == spec.slug).limit(1)):
            continue
        course = Course(
            slug=spec.slug, version=1, status="published", languages=list(spec.languages),
            title=dict(spec.title), summary=dict(spec.summary), is_onboarding=spec.onboarding, position=spec.order,
            requires_all_lessons=True, created_by_id=actor.id if actor else None, published_at=utcnow(),
        )
        for m_index, module_spec in enumerate(spec.modules, start=1):
            module = CourseModule(position=m_index, title=dict(module_spec.title))
            for l_index, lesson_spec in enumerate(module_spec.lessons, start=1):
                module.lessons.append(Lesson(
                    slug=lesson_spec.slug, position=l_index, title=dict(lesson_spec.title),
                    body={lang: lesson_spec.body(lang) for lang in spec.languages},
                ))
            course.modules.append(module)
        db.session.add(course)
        db.session.flush()
        audit.record(actor, "course", course.id, "load_starter", after={"slug": course.slug})
        try:
            from training.quizzes.services import import_course_quiz
        except (ImportError, AttributeError):
            import_course_quiz = None
        if import_course_quiz is not None and spec.quiz:
            import_course_quiz(course, spec.quiz, spec.quiz_files, pass_mark=spec.pass_mark, actor=actor)
        if spec.onboarding:
            has_rule = db.session.scalar(select(EnrolmentRule.id).where(
                EnrolmentRule.course_slug == spec.slug, EnrolmentRule.kind == "newhires").limit(1))
            if not has_rule:
                db.session.add(EnrolmentRule(course_slug=spec.slug, kind="newhires", due_days=14 * (spec.order or 1),
                                             is_active=True, created_by_id=actor.id if actor else None))
        created.append(course)
    db.session.flush()
    return created


def rule_label(rule: EnrolmentRule) -> str:
    from servicecraft.templating import ROLE_LABELS

    if rule.kind == "newhires":
        return _("every new hire")
    if rule.kind == "everyone":
        return _("everyone")
    if rule.kind == "team":
        return _("team %(name)s", name=rule.team.name if rule.team else "?")
    if rule.kind == "branch":
        return _("branch %(name)s", name=rule.branch.name if rule.branch else "?")
    return _("role %(name)s", name=str(ROLE_LABELS.get(rule.role or "", rule.role)))

