"""Use-cases of the role-play simulations: the scenario library, attempts, grading, go-live.

Every function takes the acting user, changes state and flushes, but never commits; a
problem raises :class:`SimulationError` whose ``lines`` say what is wrong in plain words.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, defer, joinedload

from servicecraft import audit
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.permissions import can_view_user, sees_everyone, signed_in
from servicecraft.texts import pick
from training.simulations import engine
from training.simulations.models import Attempt, GoLiveRequirement, Review, ScenarioVersion
from training.simulations.scenario import Scenario, ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios"
MAX_UPLOAD_BYTES = 512 * 1024
# A pause longer than this between two steps is not counted as time spent on the attempt.
MAX_GAP_SECONDS = 15 * 60


class SimulationError(Exception):
    """A use-case refused its input; ``lines`` say why, one problem per line."""

    def __init__(self, lines: Iterable[str] | str):
        self.lines = [lines] if isinstance(lines, str) else list(lines)
        super().__init__("\n".join(self.lines))

    @property
    def message(self) -> str:
        return "\n".join(self.lines)


class StaleStep(SimulationError):
    """A step form was sent for a step already taken (double submit, back button)."""


# --- Access rules -----------------------------------------------------------------------------

def is_trainer(user) -> bool:
    """Admins, managers and mentors see every scenario version and the statistics."""
    return signed_in(user) and user.has_role("admin", "manager", "mentor")


def can_view_attempt(viewer, attempt: Attempt) -> bool:
    """The player, their mentor, managers and admins may see an attempt."""
    return can_view_user(viewer, attempt.user)


def can_play_attempt(viewer, attempt: Attempt) -> bool:
    """Only the person who started an attempt plays it."""
    return signed_in(viewer) and attempt.user_id == viewer.id


def can_grade_attempt(viewer, attempt: Attempt) -> bool:
    """Admins and managers grade any attempt; a mentor only their own mentees' (never their own)."""
    if not signed_in(viewer):
        return False
    if sees_everyone(viewer):
        return True
    return (viewer.has_role("mentor") and attempt.user.mentor_id == viewer.id
            and attempt.user_id != viewer.id)


# --- The scenario library ---------------------------------------------------------------------

_CACHE: dict[tuple[str, tuple[str, ...]], Scenario] = {}


def _extra_categories() -> tuple[str, ...]:
    try:
        return tuple(current_app.config.get("EXTRA_CATEGORIES", ()) or ())
    except RuntimeError:
        return ()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scenario_of(version: ScenarioVersion) -> Scenario:
    """Return the checked Scenario of a stored version (parsed once per process)."""
    key = (version.content_hash, _extra_categories())
    found = _CACHE.get(key)
    if found is None:
        found = parse_scenario(version.source, f"{version.slug}.yaml", extra_categories=key[1])
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = found
    return found


def current_version(slug: str) -> ScenarioVersion | None:
    return db.session.scalar(select(ScenarioVersion).where(
        ScenarioVersion.slug == slug, ScenarioVersion.is_current.is_(True)))


def current_versions(*, with_source: bool = True) -> list[ScenarioVersion]:
    """Return the current version of every scenario; *with_source* False leaves the file text unread until used."""
    query = select(ScenarioVersion).where(ScenarioVersion.is_current.is_(True))
    if not with_source:
        query = query.options(defer(ScenarioVersion.source))
    return list(db.session.scalars(query.order_by(ScenarioVersion.difficulty, ScenarioVersion.slug)))


def current_versions_to_practise() -> list[tuple[ScenarioVersion, bool]]:
    """current_versions(with_source=False), each with whether going live requires it, in one query."""
    required = select(GoLiveRequirement.id).where(GoLiveRequirement.kind == "scenario",
                                                  GoLiveRequirement.slug == ScenarioVersion.slug).exists()
    rows = db.session.execute(select(ScenarioVersion, required).options(defer(ScenarioVersion.source))
                              .where(ScenarioVersion.is_current.is_(True))
                              .order_by(ScenarioVersion.difficulty, ScenarioVersion.slug))
    return [(version, bool(is_required)) for version, is_required in rows]


def current_versions_of(slugs: Iterable[str]) -> dict[str, ScenarioVersion]:
    """Return slug -> current version for the given slugs in one query (slugs not in the library are left out)."""
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return {}
    found: dict[str, ScenarioVersion] = {}
    for version in db.session.scalars(select(ScenarioVersion).options(defer(ScenarioVersion.source)).where(
            ScenarioVersion.slug.in_(wanted), ScenarioVersion.is_current.is_(True))):
        found.setdefault(version.slug, version)
    return found


def check_text(text: str | bytes, filename: str) -> Scenario:
    """Parse a scenario file's text; raise SimulationError with the CLI's lines when it is invalid."""
    try:
        scenario = parse_scenario(text, filename, extra_categories=_extra_categories())
    except ScenarioError as exc:
        raise SimulationError(exc.lines()) from None
    return scenario


def load_text(text: str | bytes, filename: str, *, actor: User | None) -> tuple[ScenarioVersion, bool]:
    """Store a scenario file as a new version when it changed; return (version, created)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            check_text(text, filename)  # reports the encoding problem the CLI's way
            raise
    scenario = check_text(text, filename)
    digest = content_hash(text)
    current = current_version(scenario.id)
    if current is not None and current.content_hash == digest:
        return current, False
    number = (db.session.scalar(select(func.max(ScenarioVersion.number)).where(
        ScenarioVersion.slug == scenario.id)) or 0) + 1
    if current is not None:
        current.is_current = False
    title = scenario.title if isinstance(scenario.title, Mapping) else {scenario.languages[0]: scenario.title}
    version = ScenarioVersion(
        slug=scenario.id, number=number, source=text, content_hash=digest, title=dict(title),
        category=scenario.category, channel=scenario.channel, difficulty=scenario.difficulty,
        languages=list(scenario.languages), loaded_by_id=actor.id if actor is not None else None,
        is_current=True)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "scenario", scenario.id, "load",
                 before={"version": current.number} if current else None,
                 after={"version": number, "hash": digest[:12]})
    return version, True


def _files(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    files, errors = [], []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.glob("*.yaml"))
            if not found:
                errors.append(f"{path}: " + _("the folder holds no .yaml scenario files"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append(f"{path}: " + _("no such file or folder"))
    return files, errors


def load_paths(paths: Iterable[str | Path], *, actor: User | None = None) -> dict[str, list[str]]:
    """Load scenario files (all or none): return {"created", "unchanged", "errors"}.

    When any file has a problem nothing is loaded and "errors" lists every problem.
    """
    files, errors = _files(paths)
    texts = []
    for file in files:
        raw = file.read_bytes()
        try:
            check_text(raw, str(file))
        except SimulationError as exc:
            errors.extend(exc.lines)
            continue
        texts.append((file, raw.decode("utf-8-sig")))
    result: dict[str, list[str]] = {"created": [], "unchanged": [], "errors": errors}
    if errors:
        return result
    for file, text in texts:
        version, created = load_text(text, str(file), actor=actor)
        result["created" if created else "unchanged"].append(f"{version.slug} v{version.number}")
    return result


def load_shipped_scenarios(actor: User | None = None) -> dict[str, list[str]]:
    """Load every file of scenarios/*.yaml into the library (unchanged files are skipped)."""
    return load_paths([SHIPPED], actor=actor)


def upload_scenario(data: bytes, filename: str, *, actor: User) -> tuple[ScenarioVersion, bool]:
    """Load an uploaded file: checked for size and for being YAML text, then as the CLI does."""
    name = Path(filename or "").name or "scenario.yaml"
    if not name.endswith((".yaml", ".yml")):
        raise SimulationError(_("%(name)s: scenario files end in .yaml", name=name))
    if len(data) > MAX_UPLOAD_BYTES:
        raise SimulationError(_("%(name)s: the file is larger than %(kb)d KB", name=name,
                                kb=MAX_UPLOAD_BYTES // 1024))
    if not data.strip():
        raise SimulationError(_("%(name)s: the file is empty", name=name))
    if b"\x00" in data:
        raise SimulationError(_("%(name)s: the file is not text; upload a YAML scenario file", name=name))
    return load_text(data, name, actor=actor)


# --- Attempts ---------------------------------------------------------------------------------

def pick_language(scenario: Scenario, wanted: str | None) -> str:
    """Return *wanted* when the scenario has it, else its first language."""
    return wanted if wanted in scenario.languages else scenario.languages[0]


def text(scenario: Scenario, value, language: str | None) -> str:
    """Return a scenario *text* in *language*, else in the first listed language."""
    return pick(value, language, scenario.languages)


def start_attempt(user: User, slug: str, *, language: str | None = None) -> Attempt:
    """Begin a new attempt at the current version of a scenario."""
    version = current_version(slug)
    if version is None:
        raise SimulationError(_("There is no scenario called %(slug)s.", slug=slug))
    scenario = scenario_of(version)
    state = engine.start(scenario)
    now = datetime.now(UTC)
    attempt = Attempt(user_id=user.id, version_id=version.id,
                      language=pick_language(scenario, language or user.language),
                      state=state.to_dict(), status="in_progress", step_counter=0,
                      started_at=now, last_step_at=now, seconds_spent=0)
    db.session.add(attempt)
    db.session.flush()
    if state.finished:  # a scenario whose customer hangs up at once (the validator refuses it)
        _finish(attempt, scenario, state, now)
    return attempt


def state_of(attempt: Attempt) -> engine.State:
    return engine.State.from_dict(attempt.state)


def _reply_error(exc: engine.StepError, text_value: str) -> str:
    if isinstance(text_value, str) and len(text_value) > engine.MAX_REPLY_LENGTH:
        return _("Your reply is %(length)d characters long; keep it to %(max)d characters.",
                 length=len(text_value), max=engine.MAX_REPLY_LENGTH)
    if isinstance(text_value, str) and not text_value.strip():
        return _("Your reply is empty; type what you would say to the customer.")
    return exc.message


def take_step(user: User, attempt: Attempt, counter: int | None, action: engine.Action) -> Attempt:
    """Take one step of an attempt; refuse a stale counter (StaleStep) or an action that does not fit."""
    if not can_play_attempt(user, attempt):
        raise SimulationError(_("This attempt belongs to someone else."))
    if counter is None or counter != attempt.step_counter:
        raise StaleStep(_("That step was already taken; here is where the conversation stands now."))
    if attempt.status != "in_progress":
        raise StaleStep(_("This attempt has already ended; start a new one to try again."))
    scenario = scenario_of(attempt.version)
    state = state_of(attempt)
    try:
        new_state = engine.step(scenario, state, action)
    except engine.StepError as exc:
        if isinstance(action, engine.Reply):
            raise SimulationError(_reply_error(exc, action.text)) from None
        raise SimulationError(exc.message) from None
    now = datetime.now(UTC)
    last = attempt.last_step_at or attempt.started_at
    gap = max(0, int((now - last).total_seconds()))
    attempt.seconds_spent = (attempt.seconds_spent or 0) + min(gap, MAX_GAP_SECONDS)
    attempt.last_step_at = now
    attempt.state = new_state.to_dict()
    attempt.step_counter += 1
    if new_state.finished:
        _finish(attempt, scenario, new_state, now)
    db.session.flush()
    return attempt


def _finish(attempt: Attempt, scenario: Scenario, state: engine.State, now: datetime) -> None:
    result = engine.score(scenario, state)
    attempt.finished_at = now
    attempt.outcome = state.outcome
    attempt.auto_score = result.score
    attempt.points = dict(result.points)
    if result.awaiting_review:
        attempt.status = "awaiting_review"
        attempt.final_score = None
        attempt.passed = None
    else:
        attempt.status = "finished"
        attempt.final_score = result.score
        attempt.passed = bool(result.passed)


def mentor_points(attempt: Attempt) -> dict[str, dict[str, int]]:
    review = attempt.latest_review
    return dict(review.points) if review else {}


def result_of(attempt: Attempt) -> engine.ScoreResult:
    """Return the attempt's score with the latest mentor grades."""
    return engine.score(scenario_of(attempt.version), state_of(attempt), mentor_points(attempt))


def attempts_of(user: User, slug: str | None = None, *, with_state: bool = True) -> list[Attempt]:
    """A person's attempts, newest first; *with_state* False leaves the conversation and points unread."""
    # The join already reads the version: fill attempt.version from it rather than one query per attempt.
    query = (select(Attempt).join(ScenarioVersion, ScenarioVersion.id == Attempt.version_id)
             .options(contains_eager(Attempt.version).defer(ScenarioVersion.source)).where(Attempt.user_id == user.id))
    if not with_state:
        query = query.options(defer(Attempt.state), defer(Attempt.points))
    if slug:
        query = query.where(ScenarioVersion.slug == slug)
    return list(db.session.scalars(query.order_by(Attempt.started_at.desc(), Attempt.id.desc())))


def reviewed_attempt_ids(attempt_ids: Iterable[int]) -> set[int]:
    """Return which of these attempts a mentor has graded, in one query (none when given none)."""
    ids = list(dict.fromkeys(attempt_ids))
    if not ids:
        return set()
    return set(db.session.scalars(select(Review.attempt_id).where(Review.attempt_id.in_(ids)).distinct()))


def best_scores(user: User) -> dict[str, dict[str, Any]]:
    """Return per scenario slug: attempts, best final score, passed ever."""
    return best_scores_many([user.id])[user.id]


def best_scores_many(user_ids: Iterable[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """Return best_scores() of each person in one query: user id -> slug -> attempts, best, passed."""
    ids = list(dict.fromkeys(user_ids))
    found: dict[int, dict[str, dict[str, Any]]] = {user_id: {} for user_id in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(Attempt.user_id, ScenarioVersion.slug, func.count(Attempt.id), func.max(Attempt.final_score),
               func.max(case((Attempt.passed.is_(True), 1), else_=0)))
        .join(ScenarioVersion, ScenarioVersion.id == Attempt.version_id)
        .where(Attempt.user_id.in_(ids)).group_by(Attempt.user_id, ScenarioVersion.slug))
    for user_id, slug, n, best, passed in rows:
        found[user_id][slug] = {"attempts": n, "best": best, "passed": bool(passed)}
    return found


def best_scores_from(attempts: Iterable[Attempt]) -> dict[str, dict[str, Any]]:
    """best_scores() worked out from one person's attempts already read (with their versions), without a query."""
    found: dict[str, dict[str, Any]] = {}
    for attempt in attempts:
        row = found.setdefault(attempt.version.slug, {"attempts": 0, "best": None, "passed": False})
        row["attempts"] += 1
        if attempt.final_score is not None and (row["best"] is None or attempt.final_score > row["best"]):
            row["best"] = attempt.final_score
        row["passed"] = row["passed"] or attempt.passed is True
    return found


# --- What the pages show ------------------------------------------------------------------------

def _action_text(scenario: Scenario, step: engine.Step, language: str | None) -> str:
    node = scenario.nodes.get(step.node)
    if step.kind == "choices" and node is not None and step.choice is not None and step.choice < len(node.choices):
        return text(scenario, node.choices[step.choice].text, language)
    if step.kind == "classify":
        return _("Filed the request as %(category)s.", category=step.category)
    return step.reply or ""


def transcript(scenario: Scenario, state: engine.State, language: str | None) -> list[dict[str, Any]]:
    """Return the conversation so far: customer lines, the trainee's actions, the ending."""
    lines: list[dict[str, Any]] = []

    def customer(node_id: str) -> None:
        node = scenario.nodes.get(node_id)
        if node is not None:
            lines.append({"who": "customer", "node": node_id, "text": text(scenario, node.customer, language)})

    customer(scenario.start)
    for i, step in enumerate(state.steps):
        node = scenario.nodes.get(step.node)
        entry = {"who": "agent", "node": step.node, "kind": step.kind, "mood": step.mood,
                 "points": dict(step.points), "text": _action_text(scenario, step, language),
                 "feedback": None, "prompt": None}
        if step.kind == "choices" and node is not None and step.choice is not None:
            option = node.choices[step.choice]
            entry["feedback"] = text(scenario, option.feedback, language) if option.feedback else None
        if step.kind == "reply" and node is not None:
            entry["prompt"] = text(scenario, node.reply.prompt, language)
        lines.append(entry)
        reached = state.steps[i + 1].node if i + 1 < len(state.steps) else state.node
        if not (i + 1 == len(state.steps) and state.hung_up and reached == step.node):
            customer(reached)
    if state.hung_up:
        lines.append({"who": "system", "text": _("The customer hung up.")})
    elif state.finished:
        node = scenario.nodes.get(state.node)
        if node is not None and node.end is not None:
            lines.append({"who": "system", "text": text(scenario, node.end.message, language)})
    return lines


def model_steps(scenario: Scenario, language: str | None) -> list[dict[str, Any]]:
    """Return the model path as readable steps (the reply stands for what a mentor looks for)."""
    out = []
    for route_step, action in zip(scenario.model_route, engine.model_path(scenario)):
        node = scenario.nodes[route_step.node]
        if isinstance(action, engine.Choice):
            shown = text(scenario, node.choices[action.index].text, language)
        elif isinstance(action, engine.Classify):
            shown = _("File the request as %(category)s.", category=action.category)
        else:
            shown = _("A free reply that covers: %(what)s", what=", ".join(
                text(scenario, scenario.criterion(c).label, language) for c in node.reply.criteria))
        out.append({"node": route_step.node, "kind": route_step.kind,
                    "customer": text(scenario, node.customer, language), "text": shown})
    return out


# --- Mentor grading -----------------------------------------------------------------------------

def grading_queue(viewer: User) -> list[Attempt]:
    """Attempts awaiting review the viewer may grade: own mentees first, then the oldest first."""
    query = (select(Attempt).join(User, Attempt.user_id == User.id)
             .where(Attempt.status == "awaiting_review"))
    if not sees_everyone(viewer):
        query = query.where(User.mentor_id == viewer.id, User.id != viewer.id)
    own_first = case((User.mentor_id == viewer.id, 0), else_=1)
    # Pages show each attempt's person and scenario title: load them with the queue.
    query = query.options(contains_eager(Attempt.user).lazyload(User.role_rows),
                          joinedload(Attempt.version).defer(ScenarioVersion.source))
    return list(db.session.scalars(query.order_by(own_first, Attempt.finished_at, Attempt.id)))


def grade_attempt(reviewer: User, attempt: Attempt, points: Mapping[str, Mapping[str, int]],
                  comments: Mapping[str, str] | None = None, *, reason: str = "") -> Review:
    """Grade every free reply of an attempt; a regrade (with a reason) adds a new Review."""
    if not can_grade_attempt(reviewer, attempt):
        raise SimulationError(_("You may grade only your own mentees' attempts."))
    # Lock the attempt and re-read it: of two graders at once, the second waits and sees the first's review.
    db.session.refresh(attempt, with_for_update=True)
    regrade = bool(attempt.reviews)
    if attempt.status == "in_progress":
        raise SimulationError(_("This attempt is not awaiting review: it is still being played."))
    if not regrade and attempt.status != "awaiting_review":
        raise SimulationError(_("This attempt is not awaiting review: it has no free replies to grade."))
    reason = (reason or "").strip()
    if regrade and not reason:
        raise SimulationError(_("Reason: give a reason for changing a grade already given."))
    scenario = scenario_of(attempt.version)
    state = state_of(attempt)
    problems = []
    for step in state.replies():
        node = scenario.nodes[step.node]
        for name in node.reply.criteria:
            value = points.get(step.node, {}).get(name)
            maximum = scenario.criterion(name).max
            label = text(scenario, scenario.criterion(name).label, reviewer.language)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
                problems.append(_("%(criterion)s at reply %(node)s: give whole points from 0 to %(max)d.",
                                  criterion=label, node=step.node, max=maximum))
    if problems:
        raise SimulationError(problems)
    try:
        result = engine.score(scenario, state, points)
    except engine.GradeError as exc:
        raise SimulationError(exc.message) from None
    if result.awaiting_review:
        raise SimulationError(_("Grade every reply before saving."))
    before = {"final_score": attempt.final_score, "passed": attempt.passed, "status": attempt.status}
    review = Review(attempt=attempt, reviewer_id=reviewer.id,
                    points={k: dict(v) for k, v in points.items()},
                    comments={k: v.strip() for k, v in (comments or {}).items() if v and v.strip()},
                    final_score=result.score, passed=bool(result.passed), reason=reason,
                    created_at=datetime.now(UTC))
    db.session.add(review)
    attempt.final_score = result.score
    attempt.passed = bool(result.passed)
    attempt.points = dict(result.points)
    attempt.status = "finished"
    db.session.flush()
    audit.record(reviewer, "roleplay_attempt", attempt.id, "regrade" if regrade else "grade",
                 before=before, after={"final_score": result.score, "passed": attempt.passed,
                                       "status": "finished", "review": review.id},
                 reason=reason)
    return review


# --- Go-live track ------------------------------------------------------------------------------

def requirements() -> list[GoLiveRequirement]:
    return list(db.session.scalars(select(GoLiveRequirement).order_by(
        GoLiveRequirement.kind.desc(), GoLiveRequirement.slug)))


def add_requirement(actor: User, kind: str, slug: str) -> GoLiveRequirement:
    """Require a scenario (which must be in the library) or a course (by slug) for go-live."""
    slug = (slug or "").strip()
    if kind not in ("scenario", "course"):
        raise SimulationError(_("Kind: choose a scenario or a course."))
    if not slug:
        raise SimulationError(_("Slug: give the slug of the scenario or course."))
    if kind == "scenario" and current_version(slug) is None:
        raise SimulationError(_("Slug: there is no scenario called %(slug)s in the library.", slug=slug))
    exists = db.session.scalar(select(GoLiveRequirement).where(
        GoLiveRequirement.kind == kind, GoLiveRequirement.slug == slug))
    if exists is not None:
        raise SimulationError(_("%(slug)s is already required for going live.", slug=slug))
    requirement = GoLiveRequirement(kind=kind, slug=slug[:64], created_by_id=actor.id if actor else None)
    db.session.add(requirement)
    db.session.flush()
    audit.record(actor, "golive_requirement", requirement.id, "create", after={"kind": kind, "slug": slug})
    return requirement


def remove_requirement(actor: User, requirement: GoLiveRequirement) -> None:
    audit.record(actor, "golive_requirement", requirement.id, "delete",
                 before={"kind": requirement.kind, "slug": requirement.slug})
    db.session.delete(requirement)
    db.session.flush()


def _completed_courses(user_ids: list[int]) -> dict[int, set[str]]:
    """Person id -> slugs of the courses they completed (any version)."""
    from training.courses.services import completed_slugs_many

    return completed_slugs_many(user_ids)


def golive_progress(user: User) -> dict[str, Any]:
    """Return which go-live requirements *user* has met.

    ``{"scenarios": [{"slug", "title", "passed", "best"}], "courses": [{"slug", "done"}],
    "met": n, "total": n, "complete": bool}``; a course's ``done`` is None when unknown.
    """
    return golive_progress_many([user])[user.id]


def golive_progress_many(users: Iterable[User], *, with_titles: bool = True) -> dict[int, dict[str, Any]]:
    """Return golive_progress() of each person (by id) with a few queries however many people there are.

    *with_titles* False skips reading the role-plays' titles (each scenario's ``title`` is then its
    slug), for callers that only count what is met.
    """
    people = list({user.id: user for user in users}.values())
    if not people:
        return {}
    reqs = requirements()
    scenario_slugs = [r.slug for r in reqs if r.kind == "scenario"]
    has_courses = any(r.kind != "scenario" for r in reqs)
    ids = [user.id for user in people]
    versions = current_versions_of(scenario_slugs) if with_titles else {}
    best = best_scores_many(ids) if scenario_slugs else {}
    completed = _completed_courses(ids) if has_courses else {}
    result = {}
    for user in people:
        language = user.language
        scenarios, courses = [], []
        for req in reqs:
            if req.kind == "scenario":
                version = versions.get(req.slug)
                title = pick(version.title, language, version.languages) if version else req.slug
                row = best.get(user.id, {}).get(req.slug, {})
                scenarios.append({"slug": req.slug, "title": title, "passed": row.get("passed", False),
                                  "best": row.get("best")})
            else:
                courses.append({"slug": req.slug, "done": req.slug in completed.get(user.id, set())})
        met = sum(1 for s in scenarios if s["passed"]) + sum(1 for c in courses if c["done"])
        total = len(scenarios) + len(courses)
        result[user.id] = {"scenarios": scenarios, "courses": courses, "met": met, "total": total,
                           "complete": total > 0 and met == total}
    return result


# --- Statistics ---------------------------------------------------------------------------------

def statistics(slug: str, language: str | None = None) -> dict[str, Any] | None:
    """Per scenario: attempts, pass rate, average points per criterion, hang-up nodes, top choices."""
    version = current_version(slug)
    if version is None:
        return None
    scenario = scenario_of(version)
    attempts = list(db.session.scalars(select(Attempt).join(ScenarioVersion).where(
        ScenarioVersion.slug == slug)))
    finished = [a for a in attempts if a.status != "in_progress"]
    decided = [a for a in finished if a.passed is not None]
    passed = sum(1 for a in decided if a.passed)
    sums: dict[str, float] = defaultdict(float)
    counted: dict[str, int] = defaultdict(int)
    hangups: Counter = Counter()
    choices: Counter = Counter()
    outcomes: Counter = Counter()
    versions: dict[int, Scenario] = {}
    for a in finished:
        outcomes[a.outcome] += 1
        if a.status == "finished":
            for key, value in (a.points or {}).items():
                sums[key] += value
                counted[key] += 1
        state = a.state or {}
        if state.get("hung_up"):
            hangups[state.get("node")] += 1
    for a in attempts:
        if a.version_id not in versions:
            versions[a.version_id] = scenario_of(a.version)
        for s in (a.state or {}).get("steps", []):
            if s.get("kind") == "choices":
                choices[(a.version_id, s["node"], s["choice"])] += 1
    criteria = []
    for c in scenario.rubric:
        average = round(sums[c.id] / counted[c.id], 2) if counted[c.id] else None
        criteria.append({"id": c.id, "label": text(scenario, c.label, language), "max": c.max,
                         "average": average, "mentor": c.mentor})
    top_choices = []
    for (version_id, node_id, index), n in choices.most_common(10):
        sc = versions[version_id]
        node = sc.nodes.get(node_id)
        label = (text(sc, node.choices[index].text, language)
                 if node is not None and node.kind == "choices" and index < len(node.choices) else "?")
        top_choices.append({"node": node_id, "index": index, "text": label, "count": n})
    return {
        "slug": slug, "title": text(scenario, scenario.title, language), "attempts": len(attempts),
        "finished": len(finished), "awaiting": sum(1 for a in finished if a.status == "awaiting_review"),
        "decided": len(decided), "passed": passed,
        "pass_rate": round(100 * passed / len(decided), 1) if decided else None,
        "criteria": criteria, "hangups": hangups.most_common(10), "choices": top_choices,
        "outcomes": dict(outcomes),
    }


def overview(language: str | None = None) -> list[dict[str, Any]]:
    """One row per current scenario: attempts, finished, pass rate, average score."""
    rows = {slug: (n, fin, dec, ok, avg) for slug, n, fin, dec, ok, avg in db.session.execute(
        select(ScenarioVersion.slug, func.count(Attempt.id),
               func.sum(case((Attempt.status != "in_progress", 1), else_=0)),
               func.sum(case((Attempt.passed.is_not(None), 1), else_=0)),
               func.sum(case((Attempt.passed.is_(True), 1), else_=0)),
               func.avg(Attempt.final_score))
        .join(ScenarioVersion).group_by(ScenarioVersion.slug))}
    out = []
    for version in current_versions():
        n, fin, dec, ok, avg = rows.get(version.slug, (0, 0, 0, 0, None))
        out.append({"slug": version.slug, "title": pick(version.title, language, version.languages),
                    "attempts": n or 0, "finished": fin or 0,
                    "pass_rate": round(100 * (ok or 0) / dec, 1) if dec else None,
                    "average": round(avg, 1) if avg is not None else None})
    return out
