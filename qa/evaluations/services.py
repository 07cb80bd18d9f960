"""Use-cases of qa.evaluations: forms and their versions, evaluations, evidence, disputes, reports.

Services flush but never commit: the caller (a view, the API, the CLI, a demo step) commits
once or rolls back. Refusals raise ``EvaluationError`` (``problems`` maps a field or item id
to a translated message) or, for form files, ``qa.evaluations.formfile.FormError``.

Scores come only from ``qa.evaluations.scoring`` (metrics.md). Submitted answers are never
overwritten: every change adds an ``EvaluationRevision`` and an audit entry, and
``Evaluation.current_revision`` points at the one that counts.

Shopper quality (``shopper_quality``) counts "returned" entries of the audit log: a shop
counts as returned when it was sent back for correction at least once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, false, func, or_, select, true

from qa.evaluations import formfile, results_csv, scoring
from qa.evaluations.formfile import FormDefinition, FormError
from qa.evaluations.models import (
    COUNTING_STATUSES,
    Dispute,
    Evaluation,
    EvaluationComment,
    EvaluationForm,
    EvaluationRevision,
    Evidence,
    FormVersion,
)
from servicecraft import audit, storage
from servicecraft.extensions import db
from servicecraft.i18n import organisation_timezone
from servicecraft.models import AuditEntry, Branch, User
from servicecraft.permissions import sees_everyone, signed_in

STARTER_FORMS = Path(__file__).resolve().parent / "starter_forms"
MAX_FORM_BYTES = 200_000
MAX_COMMENT = 5_000
MAX_REASON = 2_000
EDITABLE_STATUSES = ("draft", "returned")
IMPORT_STATUSES = ("submitted", "validated", "released")
COMMENT_VISIBILITIES = ("agent", "author", "internal")
EVIDENCE_KINDS = {"photo": (storage.IMAGE,), "audio": (storage.AUDIO,)}

__all__ = [
    "EvaluationError", "FormError", "add_comment", "attach_evidence", "can_edit_evaluation",
    "can_view_evaluation", "definition", "export_evaluations", "get_form", "import_form",
    "import_results", "latest_published", "load_starter_forms", "new_draft", "open_dispute",
    "publish", "release", "remove_evidence", "report_by_branch", "report_by_item",
    "resolve_dispute", "return_for_correction", "revise", "save_draft", "shopper_quality",
    "start_evaluation", "submit", "trend_by_month", "update_draft", "validate",
    "visible_comments", "visible_evaluations_filter",
]


class EvaluationError(Exception):
    """An evaluation or form operation was refused; ``problems`` maps fields/items to messages."""

    def __init__(self, problems: Mapping[str, str] | str):
        self.problems = dict(problems) if not isinstance(problems, str) else {"": problems}
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in self.problems.items()))

    def messages(self) -> list[str]:
        """Return one line per problem, naming the item or field."""
        return [(_("item %(item)s: %(message)s", item=k, message=v) if k else v) for k, v in self.problems.items()]


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- forms ----------------------------------------------------------------------------------


def _known_protocol(reference: str) -> bool:
    """Tell whether a ``slug#section`` reference names a protocol (and section) of the library."""
    from training.library import services as library

    slug, _sep, anchor = reference.partition("#")
    protocol = library.get_protocol(slug)
    if protocol is None:
        return False
    if not anchor:
        return True
    version = library.current_version(protocol)
    return version is not None and library.local_anchor(version, anchor, "en") is not None


def _protocol_check():
    """Check protocol links against the library once it holds protocols (else only their shape)."""
    from training.library.models import Protocol

    has_library = db.session.scalar(select(func.count(Protocol.id))) > 0
    return _known_protocol if has_library else None


def parse(text: str | bytes, filename: str = "form.yaml") -> FormDefinition:
    """Parse a form file, checking protocol links against the library; raise FormError."""
    if len(text) > MAX_FORM_BYTES:
        raise FormError([formfile.FormProblem(filename, _("the file is larger than %(kb)s KB", kb=MAX_FORM_BYTES // 1000))])
    return formfile.parse_form(text, filename, known_protocols=_protocol_check())


_DEFINITIONS: dict[tuple[int, str], FormDefinition] = {}


def definition(version: FormVersion) -> FormDefinition:
    """Return the parsed definition of a form version (cached by id and fingerprint)."""
    key = (version.id, version.fingerprint)
    found = _DEFINITIONS.get(key)
    if found is None:
        found = formfile.parse_form(version.source, f"{version.form.slug}.yaml")
        if len(_DEFINITIONS) > 500:
            _DEFINITIONS.clear()
        _DEFINITIONS[key] = found
    return found


def get_form(ident: str | int | EvaluationForm | None) -> EvaluationForm | None:
    """Find a form by slug, numeric id (int or digits) or return the form given."""
    if ident is None or isinstance(ident, EvaluationForm):
        return ident
    if isinstance(ident, int) or (isinstance(ident, str) and ident.isdigit()):
        found = db.session.get(EvaluationForm, int(ident))
        if found is not None:
            return found
    return db.session.scalar(select(EvaluationForm).where(EvaluationForm.slug == str(ident)))


def latest_published(slug_or_form: str | int | EvaluationForm) -> FormVersion | None:
    """Return the newest published version of a form (by slug, id or object), or None."""
    form = get_form(slug_or_form)
    if form is None:
        return None
    published = [v for v in form.versions if v.status == "published"]
    return published[-1] if published else None


def latest_version(form: EvaluationForm) -> FormVersion | None:
    return form.versions[-1] if form.versions else None


def open_draft(form: EvaluationForm) -> FormVersion | None:
    return next((v for v in reversed(form.versions) if v.status == "draft"), None)


def _next_number(form: EvaluationForm) -> int:
    return max((v.number for v in form.versions), default=0) + 1


def _apply_header(form: EvaluationForm, parsed: FormDefinition) -> None:
    form.kind, form.channel, form.title = parsed.kind, parsed.channel, _plain_text(parsed.title)


def _plain_text(value) -> dict:
    return dict(value) if isinstance(value, Mapping) else {"en": str(value)}


def _retire_older(version: FormVersion) -> None:
    for other in version.form.versions:
        if other is not version and other.status == "published":
            other.status = "retired"


def import_form(text: str | bytes, *, filename: str, actor: User | None) -> tuple[FormVersion, bool]:
    """Import a form file: a new form, or a new published version when it changed.

    An unchanged form (same fingerprint as its current published version) changes nothing
    and returns (that version, False). Raises FormError listing every problem of the file.
    """
    parsed = parse(text, filename)
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    fingerprint = formfile.form_fingerprint(parsed)
    form = get_form(parsed.id) if not parsed.id.isdigit() else None
    if form is None:
        form = EvaluationForm(slug=parsed.id, created_by_id=actor.id if actor else None)
        _apply_header(form, parsed)
        db.session.add(form)
        db.session.flush()
    current = latest_published(form)
    if current is not None and current.fingerprint == fingerprint:
        return current, False
    version = FormVersion(form=form, number=_next_number(form), status="published", source=text,
                          fingerprint=fingerprint, created_by_id=actor.id if actor else None, published_at=_now())
    db.session.add(version)
    _apply_header(form, parsed)
    _retire_older(version)
    db.session.flush()
    audit.record(actor, "form_version", version.id, "imported",
                 after={"form": form.slug, "number": version.number, "fingerprint": fingerprint}, reason=filename)
    return version, True


def export_form(version: FormVersion) -> str:
    """Return the version's form file (the YAML it was made from)."""
    return version.source


def new_draft(form: EvaluationForm, actor: User | None) -> FormVersion:
    """Open a draft copied from the latest version (or return the draft already open)."""
    draft = open_draft(form)
    if draft is not None:
        return draft
    latest = latest_version(form)
    if latest is None:
        raise EvaluationError(_("This form has no version to copy."))
    draft = FormVersion(form=form, number=_next_number(form), status="draft", source=latest.source,
                        fingerprint=latest.fingerprint, created_by_id=actor.id if actor else None)
    db.session.add(draft)
    db.session.flush()
    audit.record(actor, "form_version", draft.id, "draft_opened", after={"form": form.slug, "number": draft.number})
    return draft


def create_form(text: str, *, actor: User | None) -> FormVersion:
    """Start a new form from a form file, as a draft to be published later."""
    parsed = parse(text, "form.yaml")
    if get_form(parsed.id) is not None:
        raise EvaluationError({"id": _("A form with the id %(slug)s exists already; import the file to add a version.", slug=parsed.id)})
    form = EvaluationForm(slug=parsed.id, created_by_id=actor.id if actor else None)
    _apply_header(form, parsed)
    db.session.add(form)
    db.session.flush()
    version = FormVersion(form=form, number=1, status="draft", source=text,
                          fingerprint=formfile.form_fingerprint(parsed), created_by_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "form_version", version.id, "created", after={"form": form.slug, "number": 1})
    return version


def update_draft(version: FormVersion, text: str, actor: User | None) -> FormDefinition:
    """Replace a draft's form file; refused on a published or retired version (immutable)."""
    if version.status != "draft":
        raise EvaluationError({"source": _("Version %(number)s is published and cannot be changed; open a new draft instead.", number=version.number)})
    parsed = parse(text, f"{version.form.slug}.yaml")
    if parsed.id != version.form.slug:
        raise EvaluationError({"source": _("The form id must stay %(slug)s.", slug=version.form.slug)})
    version.source = text
    version.fingerprint = formfile.form_fingerprint(parsed)
    db.session.flush()
    return parsed


def publish(version: FormVersion, actor: User | None) -> FormVersion:
    """Publish a draft: it becomes immutable and the version new evaluations use."""
    if version.status != "draft":
        raise EvaluationError(_("Only a draft can be published."))
    parsed = parse(version.source, f"{version.form.slug}.yaml")
    current = latest_published(version.form)
    if current is not None and current.fingerprint == version.fingerprint:
        raise EvaluationError(_("The draft is the same as the published version %(number)s; change something first.", number=current.number))
    version.status, version.published_at = "published", _now()
    _apply_header(version.form, parsed)
    _retire_older(version)
    db.session.flush()
    audit.record(actor, "form_version", version.id, "published", after={"form": version.form.slug, "number": version.number})
    return version


def discard_draft(version: FormVersion, actor: User | None) -> None:
    """Delete an unpublished draft (nothing points at drafts)."""
    if version.status != "draft":
        raise EvaluationError(_("Only a draft can be discarded."))
    if db.session.scalar(select(func.count(Evaluation.id)).where(Evaluation.form_version_id == version.id)):
        raise EvaluationError(_("Evaluations use this version; it cannot be discarded."))
    audit.record(actor, "form_version", version.id, "discarded", before={"form": version.form.slug, "number": version.number})
    form = version.form
    form.versions.remove(version)
    db.session.delete(version)
    if not form.versions:
        db.session.delete(form)
    db.session.flush()


def load_starter_forms(actor: User | None = None) -> list[FormVersion]:
    """Import the shipped forms (phone, chat, e-mail, branch visit, ticket review); re-runnable."""
    loaded = []
    for path in sorted(STARTER_FORMS.glob("*.yaml")):
        version, _created = import_form(path.read_text(encoding="utf-8"), filename=path.name, actor=actor)
        loaded.append(version)
    return loaded


# --- who sees what --------------------------------------------------------------------------


def visible_evaluations_filter(viewer):
    """Return a SQL condition limiting a query of evaluations to those *viewer* may see.

    Managers and admins: all. Authors (shoppers, reviewers): what they wrote. Agents: their
    own released evaluations and the released branch-level ones of their branch. Mentors:
    also their mentees' released evaluations.
    """
    if not signed_in(viewer):
        return false()
    if sees_everyone(viewer):
        return true()
    released = Evaluation.status == "released"
    conditions = [Evaluation.author_id == viewer.id]
    if viewer.has_role("agent", "mentor"):
        conditions.append(and_(released, Evaluation.agent_id == viewer.id))
        if viewer.branch_id:
            conditions.append(and_(released, Evaluation.agent_id.is_(None), Evaluation.branch_id == viewer.branch_id))
    if viewer.has_role("mentor"):
        mentees = select(User.id).where(User.mentor_id == viewer.id)
        conditions.append(and_(released, Evaluation.agent_id.in_(mentees)))
    return or_(*conditions)


def can_view_evaluation(viewer, evaluation: Evaluation) -> bool:
    """Tell whether *viewer* may open *evaluation* (same rules as visible_evaluations_filter)."""
    if not signed_in(viewer) or evaluation is None:
        return False
    if sees_everyone(viewer) or evaluation.author_id == viewer.id:
        return True
    if evaluation.status != "released":
        return False
    if viewer.has_role("agent", "mentor"):
        if evaluation.agent_id == viewer.id:
            return True
        if evaluation.agent_id is None and viewer.branch_id and evaluation.branch_id == viewer.branch_id:
            return True
    if viewer.has_role("mentor") and evaluation.agent is not None:
        return evaluation.agent.mentor_id == viewer.id
    return False


def can_edit_evaluation(viewer, evaluation: Evaluation) -> bool:
    """The author edits a draft or returned evaluation; QA staff (managers, admins) too."""
    if not signed_in(viewer) or evaluation.status not in EDITABLE_STATUSES:
        return False
    return evaluation.author_id == viewer.id or sees_everyone(viewer)


def is_qa_staff(viewer) -> bool:
    return sees_everyone(viewer)


def visible_comments(viewer, evaluation: Evaluation) -> list[EvaluationComment]:
    """Comments *viewer* may read: staff all; the author theirs and "author"; others "agent" ones."""
    if sees_everyone(viewer):
        return list(evaluation.comments)
    allowed = {"agent"}
    if evaluation.author_id == getattr(viewer, "id", None):
        allowed.add("author")
    return [c for c in evaluation.comments if c.visibility in allowed or c.author_id == getattr(viewer, "id", None)]


# --- evaluations ----------------------------------------------------------------------------


def start_evaluation(form_version: FormVersion, *, kind: str | None = None, author: User | None,
                     agent: User | None = None, branch: Branch | None = None,
                     happened_at: datetime | None = None, subject_kind: str | None = None,
                     subject_ref: str | None = None, source: str = "web") -> Evaluation:
    """Open a draft evaluation on a published form version."""
    if form_version.status != "published":
        raise EvaluationError({"form": _("Evaluations use published form versions only.")})
    evaluation = Evaluation(
        form_version=form_version, kind=kind or form_version.form.kind, status="draft",
        agent_id=agent.id if agent else None,
        branch_id=branch.id if branch else (agent.branch_id if agent else None),
        author_id=author.id if author else None, happened_at=happened_at,
        subject_kind=subject_kind, subject_ref=subject_ref, source=source, draft_answers={},
    )
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


def _answer_problems(parsed: FormDefinition, answers: Mapping[str, Any], *, skip_evidence: bool) -> dict[str, str]:
    problems: dict[str, str] = {}
    for key, value in answers.items():
        item = parsed.item(str(key))
        if item is None:
            problems[str(key)] = _("is not an item of this form")
            continue
        if (item.is_evidence and skip_evidence) or scoring.is_empty(value):
            continue
        if item.is_scored and isinstance(value, str) and value.strip().lower() == scoring.NA:
            if not item.na:
                problems[item.id] = _("cannot be answered N/A")
            continue
        problem = scoring.item_value_problem(item, value)
        if problem:
            problems[item.id] = problem
    return problems


def coerce_answers(parsed: FormDefinition, raw: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn form-post strings into typed answers ("yes"/"no", numbers, "na"); collect problems."""
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for item in parsed.items():
        if item.id not in raw or item.is_evidence:
            continue
        value = raw[item.id]
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None):
            answers[item.id] = None
            continue
        if item.type == "text" or not isinstance(value, str):
            answers[item.id] = value
            continue
        if item.is_scored and value.lower() in ("na", "n/a"):
            answers[item.id] = scoring.NA
            continue
        if item.type == "yes_no":
            word = value.lower()
            if word in results_csv.YES_WORDS + ("true",):
                answers[item.id] = True
            elif word in results_csv.NO_WORDS + ("false",):
                answers[item.id] = False
            else:
                problems[item.id] = _("must be answered yes or no")
            continue
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            problems[item.id] = _("must be a number")
            continue
        answers[item.id] = int(number) if number.is_integer() else number
    for key, message in _answer_problems(parsed, answers, skip_evidence=True).items():
        problems.setdefault(key, message)
    return answers, problems


def save_draft(evaluation: Evaluation, answers: Mapping[str, Any], actor: User | None) -> dict[str, Any]:
    """Store answers given so far (partial allowed; None or "" clears one); check each value."""
    if evaluation.status not in EDITABLE_STATUSES:
        raise EvaluationError(_("This evaluation is submitted; it can no longer be edited."))
    if actor is not None and not can_edit_evaluation(actor, evaluation):
        raise EvaluationError(_("Only the author can edit this evaluation."))
    parsed = definition(evaluation.form_version)
    problems = _answer_problems(parsed, answers, skip_evidence=True)
    if problems:
        raise EvaluationError(problems)
    merged = dict(evaluation.draft_answers or {})
    for key, value in answers.items():
        item = parsed.item(key)
        if item.is_evidence:
            continue
        if scoring.is_empty(value):
            merged.pop(key, None)
        else:
            merged[key] = value
    evaluation.draft_answers = merged
    db.session.flush()
    return merged


def _evidence_answers(evaluation: Evaluation) -> dict[str, list[str]]:
    files: dict[str, list[str]] = defaultdict(list)
    for evidence in evaluation.evidence:
        files[evidence.item_id].append(evidence.original_name or evidence.storage_key.rsplit("/", 1)[-1])
    return dict(files)


def _breakdown(result: scoring.EvaluationScore) -> dict[str, Any]:
    return {key: {"points": s.value, "max": s.max, "weight": s.weight, "na": s.na, "critical": s.critical}
            for key, s in result.per_item.items()}


def _score(parsed: FormDefinition, answers: Mapping[str, Any]) -> scoring.EvaluationScore:
    try:
        return scoring.score_evaluation(parsed, answers)
    except scoring.AnswerError as error:
        raise EvaluationError({p.item_id: p.message for p in error.problems}) from None


def _add_revision(evaluation: Evaluation, answers: dict[str, Any], actor: User | None, reason: str) -> EvaluationRevision:
    parsed = definition(evaluation.form_version)
    result = _score(parsed, answers)
    revision = EvaluationRevision(
        evaluation=evaluation, number=len(evaluation.revisions) + 1, answers=answers,
        score=result.score, critical_fail=result.critical_fail, breakdown=_breakdown(result),
        reason=reason, created_by_id=actor.id if actor else None,
    )
    db.session.add(revision)
    db.session.flush()
    evaluation.current_revision = revision
    db.session.flush()
    return revision


def _clean(answers: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answers.items() if not scoring.is_empty(v)}


def submit(evaluation: Evaluation, actor: User | None, reason: str = "submitted") -> EvaluationRevision:
    """Freeze the draft into a scored revision and send it to a validator."""
    if evaluation.status not in EDITABLE_STATUSES:
        raise EvaluationError(_("This evaluation is already submitted."))
    if actor is not None and not can_edit_evaluation(actor, evaluation):
        raise EvaluationError(_("Only the author can submit this evaluation."))
    if evaluation.agent_id is None and evaluation.branch_id is None and evaluation.subject_kind is None:
        raise EvaluationError({"agent": _("Say who was evaluated: an agent or a branch.")})
    if evaluation.happened_at is None:
        raise EvaluationError({"happened_at": _("Give the date and time of the contact.")})
    answers = {**_clean(evaluation.draft_answers or {}), **_evidence_answers(evaluation)}
    was = evaluation.status
    if was == "returned" and reason == "submitted":
        reason = "corrected"
    revision = _add_revision(evaluation, answers, actor, reason)
    evaluation.status, evaluation.submitted_at = "submitted", _now()
    db.session.flush()
    audit.record(actor, "evaluation", evaluation.id, "submitted", before={"status": was},
                 after={"status": "submitted", "revision": revision.number, "score": revision.score}, reason=reason)
    return revision


def return_for_correction(evaluation: Evaluation, actor: User | None, comment: str) -> EvaluationComment:
    """Send a submitted evaluation back to its author with a comment saying what to correct."""
    if evaluation.status != "submitted":
        raise EvaluationError(_("Only a submitted evaluation can be returned."))
    if evaluation.author_id is None:
        raise EvaluationError(_("This evaluation was imported; it has no author to return it to."))
    comment = (comment or "").strip()
    if not comment:
        raise EvaluationError({"comment": _("Say what the author should correct.")})
    note = add_comment(evaluation, actor, comment, visibility="author")
    evaluation.status = "returned"
    db.session.flush()
    audit.record(actor, "evaluation", evaluation.id, "returned", before={"status": "submitted"},
                 after={"status": "returned"}, reason=comment[:MAX_REASON])
    return note


def validate(evaluation: Evaluation, actor: User | None) -> Evaluation:
    """Accept a submitted evaluation: it counts, but the agent sees it only once released."""
    if evaluation.status != "submitted":
        raise EvaluationError(_("Only a submitted evaluation can be validated."))
    evaluation.status, evaluation.validated_at = "validated", _now()
    evaluation.validated_by_id = actor.id if actor else None
    db.session.flush()
    audit.record(actor, "evaluation", evaluation.id, "validated", before={"status": "submitted"}, after={"status": "validated"})
    return evaluation


def release(evaluation: Evaluation, actor: User | None) -> Evaluation:
    """Show a validated (or submitted: validating it too) evaluation to the agent and branch."""
    if evaluation.status not in ("submitted", "validated"):
        raise EvaluationError(_("Only a validated evaluation can be released."))
    was = evaluation.status
    if was == "submitted":
        evaluation.validated_at, evaluation.validated_by_id = _now(), actor.id if actor else None
    evaluation.status, evaluation.released_at = "released", _now()
    db.session.flush()
    audit.record(actor, "evaluation", evaluation.id, "released", before={"status": was}, after={"status": "released"})
    return evaluation


def void(evaluation: Evaluation, actor: User | None, reason: str) -> Evaluation:
    """Withdraw an evaluation (kept for the record, no longer counted)."""
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError({"reason": _("Give a reason.")})
    if evaluation.status == "void":
        raise EvaluationError(_("This evaluation is already withdrawn."))
    was = evaluation.status
    evaluation.status = "void"
    db.session.flush()
    audit.record(actor, "evaluation", evaluation.id, "voided", before={"status": was}, after={"status": "void"}, reason=reason[:MAX_REASON])
    return evaluation


def revise(evaluation: Evaluation, answers: Mapping[str, Any], actor: User | None, reason: str) -> EvaluationRevision:
    """Record changed answers of a submitted evaluation as a new revision (audited)."""
    if evaluation.status in EDITABLE_STATUSES or evaluation.current_revision is None:
        raise EvaluationError(_("Only a submitted evaluation can be revised; edit the draft instead."))
    if evaluation.status == "void":
        raise EvaluationError(_("This evaluation is withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError({"reason": _("Say why the answers change.")})
    parsed = definition(evaluation.form_version)
    problems = _answer_problems(parsed, answers, skip_evidence=True)
    if problems:
        raise EvaluationError(problems)
    previous = evaluation.current_revision
    merged = dict(previous.answers or {})
    for key, value in answers.items():
        if parsed.item(key).is_evidence:
            continue
        if scoring.is_empty(value):
            merged.pop(key, None)
        else:
            merged[key] = value
    revision = _add_revision(evaluation, merged, actor, reason[:MAX_REASON])
    audit.record(actor, "evaluation", evaluation.id, "revised",
                 before={"revision": previous.number, "score": previous.score, "critical_fail": previous.critical_fail,
                         "answers": previous.answers},
                 after={"revision": revision.number, "score": revision.score, "critical_fail": revision.critical_fail,
                        "answers": revision.answers},
                 reason=reason[:MAX_REASON])
    return revision


def add_comment(evaluation: Evaluation, actor: User | None, body: str, *, item_id: str | None = None,
                visibility: str = "agent") -> EvaluationComment:
    """Add a comment (about the whole evaluation or one item)."""
    body = (body or "").strip()
    if not body:
        raise EvaluationError({"body": _("Write a comment.")})
    if len(body) > MAX_COMMENT:
        raise EvaluationError({"body": _("A comment may be at most %(n)s characters.", n=MAX_COMMENT)})
    if visibility not in COMMENT_VISIBILITIES:
        raise EvaluationError({"visibility": _("Choose who may read the comment.")})
    if item_id and definition(evaluation.form_version).item(item_id) is None:
        raise EvaluationError({"item_id": _("is not an item of this form")})
    comment = EvaluationComment(evaluation=evaluation, author_id=actor.id if actor else None,
                                item_id=item_id or None, body=body, visibility=visibility)
    db.session.add(comment)
    db.session.flush()
    return comment


def attach_evidence(evaluation: Evaluation, item_id: str, stream: BinaryIO, filename: str, actor: User | None) -> Evidence:
    """Store a photo or audio file for an evidence item; its type and size are checked."""
    if evaluation.status not in EDITABLE_STATUSES:
        raise EvaluationError(_("This evaluation is submitted; evidence can no longer be added."))
    if actor is not None and not can_edit_evaluation(actor, evaluation):
        raise EvaluationError(_("Only the author can add evidence."))
    item = definition(evaluation.form_version).item(item_id)
    if item is None or not item.is_evidence:
        raise EvaluationError({item_id or "item": _("This item does not take a photo or a recording.")})
    try:
        stored = storage.save(stream, kinds=EVIDENCE_KINDS[item.type], original_name=filename or "", folder="evidence")
    except storage.UploadRefused as error:
        raise EvaluationError({item_id: str(error)}) from None
    evidence = Evidence(evaluation=evaluation, item_id=item_id, storage_key=stored.key,
                        original_name=stored.original_name or stored.key.rsplit("/", 1)[-1],
                        content_type=stored.content_type, size=stored.size, uploaded_by_id=actor.id if actor else None)
    db.session.add(evidence)
    db.session.flush()
    return evidence


def remove_evidence(evidence: Evidence, actor: User | None) -> None:
    """Remove a file from a draft (a submitted evaluation keeps its evidence)."""
    evaluation = evidence.evaluation
    if evaluation.status not in EDITABLE_STATUSES:
        raise EvaluationError(_("This evaluation is submitted; its evidence stays."))
    if actor is not None and not can_edit_evaluation(actor, evaluation):
        raise EvaluationError(_("Only the author can remove evidence."))
    key = evidence.storage_key
    evaluation.evidence.remove(evidence)
    db.session.delete(evidence)
    db.session.flush()
    storage.delete(key)


# --- provider exchange ----------------------------------------------------------------------


def _user_by_email(email: str | None) -> User | None:
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _branch_by_code(code: str | None) -> Branch | None:
    if not code:
        return None
    return db.session.scalar(select(Branch).where(func.lower(Branch.code) == code.strip().lower()))


def _deployment_zone():
    try:
        return ZoneInfo(organisation_timezone())
    except (KeyError, ValueError):
        return timezone.utc


def import_results(form_version: FormVersion, data: str | bytes, *, evidence_dir: str | Path | None = None,
                   status: str = "validated", actor: User | None = None, filename: str = "") -> dict:
    """Import a provider's results file for one form version: all rows or none.

    Returns ``{"imported": n, "errors": [...]}``; with any error nothing is written.
    """
    if status not in IMPORT_STATUSES:
        return {"imported": 0, "errors": [_("status: must be one of %(allowed)s", allowed=", ".join(IMPORT_STATUSES))]}
    if form_version.status == "draft":
        return {"imported": 0, "errors": [_("form: version %(number)s is a draft; publish it first", number=form_version.number)]}
    parsed = definition(form_version)
    try:
        rows = results_csv.parse_results(
            data, parsed, evidence_dir=evidence_dir, filename=filename, default_timezone=_deployment_zone(),
            max_evidence_bytes={"photo": storage.IMAGE.max_bytes, "audio": storage.AUDIO.max_bytes},
            agent_exists=lambda email: _user_by_email(email) is not None,
            branch_exists=lambda code: _branch_by_code(code) is not None,
        )
    except results_csv.ResultsError as error:
        return {"imported": 0, "errors": error.messages()}
    # The storage module accepts fewer audio formats than the file reader: check before writing.
    errors = []
    for row in rows:
        for item_id, paths in row.evidence.items():
            item = parsed.item(item_id)
            types = {t for kind in EVIDENCE_KINDS[item.type] for t in kind.types}
            for path in paths:
                with path.open("rb") as handle:
                    if storage.sniff(handle.read(16)) not in types:
                        errors.append(_("row %(row)s, column %(column)s: %(name)s is not a file type the app stores",
                                        row=row.row, column=item_id, name=path.name))
    if errors:
        return {"imported": 0, "errors": errors}
    stored_keys: list[str] = []
    try:
        for row in rows:
            agent = _user_by_email(row.agent_email)
            branch = _branch_by_code(row.branch)
            author = _user_by_email(row.shopper_email)
            evaluation = start_evaluation(form_version, author=author, agent=agent, branch=branch,
                                          happened_at=row.happened_at, source="import")
            for item_id, paths in row.evidence.items():
                item = parsed.item(item_id)
                for path in paths:
                    with path.open("rb") as handle:
                        stored = storage.save(handle, kinds=EVIDENCE_KINDS[item.type], original_name=path.name, folder="evidence")
                    stored_keys.append(stored.key)
                    db.session.add(Evidence(evaluation=evaluation, item_id=item_id, storage_key=stored.key,
                                            original_name=path.name, content_type=stored.content_type, size=stored.size,
                                            uploaded_by_id=actor.id if actor else None))
            answers = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in row.answers.items()}
            revision = _add_revision(evaluation, answers, actor, "imported")
            now = _now()
            evaluation.status, evaluation.submitted_at = status, now
            if status in ("validated", "released"):
                evaluation.validated_at, evaluation.validated_by_id = now, actor.id if actor else None
            if status == "released":
                evaluation.released_at = now
            db.session.flush()
            audit.record(actor, "evaluation", evaluation.id, "imported",
                         after={"status": status, "score": revision.score, "row": row.row}, reason=filename)
    except (storage.UploadRefused, EvaluationError, OSError) as error:
        for key in stored_keys:
            storage.delete(key)
        raise EvaluationError(str(error)) from None
    return {"imported": len(rows), "errors": []}


def _score_out(score: float | None) -> float | None:
    return None if score is None else round(score, 1)


def describe(evaluation: Evaluation) -> dict:
    """The exchange view of an evaluation (forms.md: evaluations export --json)."""
    version = evaluation.form_version
    return {
        "id": evaluation.id,
        "form": version.form.slug,
        "version": version.number,
        "agent": evaluation.agent.email if evaluation.agent else None,
        "branch": evaluation.branch.code if evaluation.branch else None,
        "happened_at": evaluation.happened_at.isoformat() if evaluation.happened_at else None,
        "score": _score_out(evaluation.score),
        "critical_fail": evaluation.critical_fail,
        "status": evaluation.status,
    }


def export_evaluations(form: str | int | EvaluationForm | None = None) -> list[dict]:
    """Every evaluation that has been submitted (optionally of one form), oldest first."""
    query = select(Evaluation).where(Evaluation.current_revision_id.isnot(None)).order_by(Evaluation.id)
    if form is not None:
        found = get_form(form)
        if found is None:
            raise EvaluationError({"form": _("No form has the id %(id)s.", id=form)})
        query = query.join(FormVersion, Evaluation.form_version_id == FormVersion.id).where(FormVersion.form_id == found.id)
    return [describe(e) for e in db.session.scalars(query)]


# --- disputes -------------------------------------------------------------------------------


def open_dispute_of(evaluation: Evaluation) -> Dispute | None:
    return db.session.scalar(select(Dispute).where(Dispute.evaluation_id == evaluation.id, Dispute.status == "open"))


def disputes_of(evaluation: Evaluation) -> list[Dispute]:
    return list(db.session.scalars(select(Dispute).where(Dispute.evaluation_id == evaluation.id).order_by(Dispute.id)))


def open_dispute(evaluation: Evaluation, agent: User, reason: str, item_id: str | None = None) -> Dispute:
    """The evaluated agent contests a released evaluation (one open dispute at a time)."""
    if agent is None or evaluation.agent_id != agent.id:
        raise EvaluationError(_("Only the evaluated agent can dispute this evaluation."))
    if evaluation.status != "released":
        raise EvaluationError(_("Only a released evaluation can be disputed."))
    if open_dispute_of(evaluation) is not None:
        raise EvaluationError(_("This evaluation already has an open dispute."))
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError({"reason": _("Say why you disagree.")})
    if len(reason) > MAX_REASON:
        raise EvaluationError({"reason": _("The reason may be at most %(n)s characters.", n=MAX_REASON)})
    if item_id and definition(evaluation.form_version).item(item_id) is None:
        raise EvaluationError({"item_id": _("is not an item of this form")})
    dispute = Dispute(evaluation=evaluation, raised_by_id=agent.id, item_id=item_id or None, reason=reason, status="open")
    db.session.add(dispute)
    db.session.flush()
    audit.record(agent, "evaluation", evaluation.id, "disputed", after={"dispute": dispute.id, "item": item_id}, reason=reason)
    return dispute


def resolve_dispute(dispute: Dispute, actor: User | None, *, uphold: bool, answers: Mapping[str, Any] | None = None,
                    resolution: str) -> Dispute:
    """Uphold the evaluation or change its answers (a new revision); either way audited."""
    if dispute.status != "open":
        raise EvaluationError(_("This dispute is already resolved."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise EvaluationError({"resolution": _("Explain the decision to the agent.")})
    if actor is not None and actor.id == dispute.raised_by_id:
        raise EvaluationError(_("You cannot resolve your own dispute."))
    if uphold:
        dispute.status = "upheld"
    else:
        if not answers:
            raise EvaluationError({"answers": _("Give the corrected answers.")})
        revision = revise(dispute.evaluation, answers, actor, _("Dispute %(id)s: %(text)s", id=dispute.id, text=resolution))
        dispute.status, dispute.revision_id = "changed", revision.id
    dispute.resolution = resolution[:MAX_REASON]
    dispute.resolved_by_id = actor.id if actor else None
    dispute.resolved_at = _now()
    db.session.flush()
    audit.record(actor, "dispute", dispute.id, "resolved", before={"status": "open"},
                 after={"status": dispute.status, "revision": dispute.revision_id}, reason=resolution[:MAX_REASON])
    return dispute


# --- reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time.min, tzinfo=timezone.utc),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.utc))


def _period(period) -> Period | None:
    if period is None:
        return None
    if isinstance(period, Period):
        return period
    start, end = period
    return Period(start, end)


def _counting(period=None, form: EvaluationForm | None = None, kind: str | None = None):
    query = (select(Evaluation, EvaluationRevision)
             .join(EvaluationRevision, Evaluation.current_revision_id == EvaluationRevision.id)
             .where(Evaluation.status.in_(COUNTING_STATUSES)))
    found = _period(period)
    if found is not None:
        start, end = found.bounds
        query = query.where(Evaluation.happened_at >= start, Evaluation.happened_at < end)
    if form is not None:
        query = query.join(FormVersion, Evaluation.form_version_id == FormVersion.id).where(FormVersion.form_id == form.id)
    if kind:
        query = query.where(Evaluation.kind == kind)
    return db.session.execute(query).all()


def _mean(values: list[float]) -> float | None:
    return scoring.round_half_away(sum(values) / len(values)) if values else None


def report_by_branch(period=None, *, kind: str | None = None) -> dict:
    """Mean scores per branch and for central against regional offices (validated and released)."""
    per_branch: dict[int | None, list] = defaultdict(list)
    fails: dict[int | None, int] = defaultdict(int)
    for evaluation, revision in _counting(period, kind=kind):
        per_branch[evaluation.branch_id].append(revision.score)
        fails[evaluation.branch_id] += int(revision.critical_fail)
    branches = {b.id: b for b in db.session.scalars(select(Branch).order_by(Branch.code))}
    rows, groups = [], {"central": [], "regional": []}
    for branch_id, scores in per_branch.items():
        if branch_id is None:
            continue
        branch = branches[branch_id]
        valid = [s for s in scores if s is not None]
        groups["central" if branch.is_central else "regional"].extend(valid)
        rows.append({"branch": branch, "code": branch.code, "name": branch.name, "region": branch.region,
                     "is_central": branch.is_central, "count": len(scores), "mean": _mean(valid),
                     "critical_fails": fails[branch_id]})
    rows.sort(key=lambda r: (not r["is_central"], r["code"]))
    regions: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        regions[row["region"] or "—"].extend(s for s in per_branch[row["branch"].id] if s is not None)
    return {
        "branches": rows,
        "central": {"count": len(groups["central"]), "mean": _mean(groups["central"])},
        "regional": {"count": len(groups["regional"]), "mean": _mean(groups["regional"])},
        "regions": [{"region": k, "count": len(v), "mean": _mean(v)} for k, v in sorted(regions.items())],
    }


def report_by_item(form: EvaluationForm, period=None) -> list[dict]:
    """Per scored item of a form: how often it was answered, failed (lowest value), its mean."""
    stats: dict[str, dict] = {}
    version = latest_published(form) or latest_version(form)
    order = [i.id for i in definition(version).scored_items()] if version else []
    texts = {i.id: i.text for i in definition(version).items()} if version else {}
    for _evaluation, revision in _counting(period, form=form):
        for item_id, entry in (revision.breakdown or {}).items():
            row = stats.setdefault(item_id, {"item": item_id, "answered": 0, "failed": 0, "na": 0, "sum": 0.0})
            if entry.get("na"):
                row["na"] += 1
                continue
            row["answered"] += 1
            row["failed"] += int(entry.get("points") == 0)
            row["sum"] += (entry.get("points") or 0) / (entry.get("max") or 1)
    rows = []
    for item_id, row in stats.items():
        answered = row["answered"]
        rows.append({"item": item_id, "text": texts.get(item_id, item_id), "answered": answered, "na": row["na"],
                     "failed": row["failed"],
                     "fail_pct": scoring.round_half_away(100 * row["failed"] / answered) if answered else None,
                     "mean_pct": scoring.round_half_away(100 * row["sum"] / answered) if answered else None})
    position = {item_id: n for n, item_id in enumerate(order)}
    rows.sort(key=lambda r: (-(r["fail_pct"] or 0), position.get(r["item"], 999)))
    return rows


def month_labels(months: int, today: date | None = None) -> list[str]:
    today = today or date.today()
    labels = []
    year, month = today.year, today.month
    for _n in range(months):
        labels.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(labels))


def trend_by_month(months: int = 6, *, form: EvaluationForm | None = None, central: bool | None = None,
                   today: date | None = None) -> list[dict]:
    """Mean score per calendar month over the last *months* months (optionally of one form / office type)."""
    labels = month_labels(months, today)
    first = date(int(labels[0][:4]), int(labels[0][5:]), 1)
    last = today or date.today()
    buckets: dict[str, list[float]] = {label: [] for label in labels}
    branches = {b.id: b for b in db.session.scalars(select(Branch))}
    for evaluation, revision in _counting((first, last), form=form):
        if central is not None:
            branch = branches.get(evaluation.branch_id)
            if branch is None or branch.is_central != central:
                continue
        label = evaluation.happened_at.strftime("%Y-%m")
        if label in buckets and revision.score is not None:
            buckets[label].append(revision.score)
    return [{"month": label, "count": len(values), "mean": _mean(values)} for label, values in buckets.items()]


def shopper_quality() -> list[dict]:
    """Per shopper: shops submitted and the share returned for correction at least once."""
    shops = db.session.execute(
        select(Evaluation.id, Evaluation.author_id)
        .where(Evaluation.kind == "mystery_shop", Evaluation.author_id.isnot(None), Evaluation.submitted_at.isnot(None))
    ).all()
    returned_ids = {int(x) for x in db.session.scalars(
        select(AuditEntry.entity_id).where(AuditEntry.entity == "evaluation", AuditEntry.action == "returned").distinct()
    ) if str(x).isdigit()}
    per_author: dict[int, list[int]] = defaultdict(list)
    for evaluation_id, author_id in shops:
        per_author[author_id].append(evaluation_id)
    rows = []
    for author_id, ids in per_author.items():
        author = db.session.get(User, author_id)
        returned = sum(1 for i in ids if i in returned_ids)
        rows.append({"shopper": author, "email": author.email, "name": author.name, "shops": len(ids),
                     "returned": returned, "returned_pct": scoring.round_half_away(100 * returned / len(ids))})
    rows.sort(key=lambda r: (-r["returned_pct"], r["name"]))
    return rows
