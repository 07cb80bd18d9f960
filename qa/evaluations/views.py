"""Pages of qa.evaluations (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from qa.evaluations import services
from qa.evaluations.forms import (
    ButtonForm,
    CommentForm,
    DisputeForm,
    EvidenceForm,
    FormSourceForm,
    FormUploadForm,
    ResolveForm,
    ResultsUploadForm,
    ReturnForm,
    ReviseForm,
)
from qa.evaluations.models import EVALUATION_STATUSES, Dispute, Evaluation, EvaluationForm, Evidence, FormVersion
from servicecraft import storage
from servicecraft.charts import bar_chart, line_chart
from servicecraft.extensions import db
from servicecraft.formtools import choices
from servicecraft.models import Branch
from servicecraft.permissions import get_or_404, is_manager, require, role, sees_everyone, signed_in
from servicecraft.texts import pick

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")

PAGE_SIZE = 50
ANSWER_PREFIX = "a_"
# Who writes evaluations: shoppers, and QA staff (managers, admins) reviewing tickets.
can_author = role("admin", "manager", "shopper")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else (current_user.language or "en")


def text_of(value) -> str:
    """Show a form *text* in the viewer's language."""
    if value is None:
        return ""
    return pick(value, _language(), ("en",))


bp.add_app_template_global(text_of, "qa_text")


def _protocol_url(reference: str | None) -> str | None:
    if not reference:
        return None
    from training.library.services import protocol_link

    slug, _sep, anchor = reference.partition("#")
    return protocol_link(slug, anchor or None, _language())


def _evaluation(evaluation_id: int) -> Evaluation:
    return get_or_404(Evaluation, evaluation_id, allowed=lambda e: services.can_view_evaluation(current_user, e))


def _flash_problems(error: services.EvaluationError) -> None:
    for line in error.messages():
        flash(line, "error")


def _posted_answers(parsed) -> dict:
    raw = {key[len(ANSWER_PREFIX):]: value for key, value in request.form.items() if key.startswith(ANSWER_PREFIX)}
    return services.coerce_answers(parsed, raw)


# --- evaluations -----------------------------------------------------------------------------


@bp.route("/")
@require(signed_in)
def index():
    """Managers: every evaluation, filtered. Others: what they may see (agents: their released ones)."""
    query = select(Evaluation).where(services.visible_evaluations_filter(current_user))
    staff = sees_everyone(current_user)
    status = request.args.get("status", "")
    form_id = request.args.get("form", type=int)
    branch_id = request.args.get("branch", type=int)
    if status in EVALUATION_STATUSES:
        query = query.where(Evaluation.status == status)
    if form_id:
        query = query.join(FormVersion, Evaluation.form_version_id == FormVersion.id).where(FormVersion.form_id == form_id)
    if branch_id:
        query = query.where(Evaluation.branch_id == branch_id)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Evaluation.happened_at.desc().nulls_last(), Evaluation.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    forms = db.session.scalars(select(EvaluationForm).order_by(EvaluationForm.slug)).all() if staff else []
    branches = db.session.scalars(select(Branch).order_by(Branch.code)).all() if staff else []
    return render_template("qa/evaluations/index.html", evaluations=rows, staff=staff, statuses=EVALUATION_STATUSES,
                           status=status, form_id=form_id, branch_id=branch_id, forms=forms, branches=branches,
                           page=page, total=total, page_size=PAGE_SIZE)


def _show_context(evaluation: Evaluation) -> dict:
    parsed = services.definition(evaluation.form_version)
    revision = evaluation.current_revision
    answers = (revision.answers if revision else evaluation.draft_answers) or {}
    staff = sees_everyone(current_user)
    evidence_by_item: dict[str, list[Evidence]] = {}
    for evidence in evaluation.evidence:
        evidence_by_item.setdefault(evidence.item_id, []).append(evidence)
    comments_by_item: dict[str | None, list] = {}
    for comment in services.visible_comments(current_user, evaluation):
        comments_by_item.setdefault(comment.item_id, []).append(comment)
    items = [i for i in parsed.items()]
    comment_form = CommentForm()
    comment_form.item_id.choices = choices([("", _("the whole evaluation"))] + [(i.id, i.id) for i in items])
    if not staff:
        comment_form.visibility.choices = [c for c in comment_form.visibility.choices if c.value == "agent"]
    dispute_form = DisputeForm()
    dispute_form.item_id.choices = choices([("", _("the whole evaluation"))] + [(i.id, text_of(i.text)[:80]) for i in parsed.scored_items()])
    disputes = services.disputes_of(evaluation)
    return {
        "evaluation": evaluation, "parsed": parsed, "answers": answers, "revision": revision,
        "breakdown": (revision.breakdown if revision else {}) or {}, "staff": staff,
        "evidence_by_item": evidence_by_item, "comments_by_item": comments_by_item,
        "comment_form": comment_form, "return_form": ReturnForm(), "button_form": ButtonForm(),
        "dispute_form": dispute_form, "disputes": disputes,
        "open_dispute": next((d for d in disputes if d.status == "open"), None),
        "can_edit": services.can_edit_evaluation(current_user, evaluation),
        "can_dispute": evaluation.agent_id == current_user.id and evaluation.status == "released",
        "protocol_url": _protocol_url,
        "explanation": _explain(parsed, answers) if revision else "",
    }


def _explain(parsed, answers) -> str:
    from qa.evaluations import scoring

    try:
        return scoring.score_evaluation(parsed, answers).explanation
    except scoring.AnswerError:
        return ""


@bp.route("/<int:evaluation_id>")
@require(signed_in)
def show(evaluation_id: int):
    evaluation = _evaluation(evaluation_id)
    return render_template("qa/evaluations/show.html", **_show_context(evaluation))


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
@require(can_author)
def edit(draft_id: int):
    """Fill in a draft (or a returned evaluation): save as you go, then submit."""
    evaluation_id = draft_id
    evaluation = _evaluation(evaluation_id)
    if not services.can_edit_evaluation(current_user, evaluation):
        abort(403)
    parsed = services.definition(evaluation.form_version)
    problems: dict[str, str] = {}
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        answers, problems = _posted_answers(parsed)
        if not problems:
            try:
                services.save_draft(evaluation, answers, current_user)
                if "submit" in request.form:
                    services.submit(evaluation, current_user)
            except services.EvaluationError as error:
                db.session.rollback()
                problems = error.problems
            else:
                db.session.commit()
                if "submit" in request.form:
                    flash(_("The evaluation is submitted for validation."), "success")
                    return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))
                flash(_("Your answers are saved."), "success")
                return redirect(url_for("qa.evaluations.edit", draft_id=evaluation.id))
        evaluation = db.session.get(Evaluation, evaluation_id)
        if problems:
            flash(_("Some answers need attention; see the marked items."), "error")
    answers = dict(evaluation.draft_answers or {})
    if request.method == "POST":
        answers.update({k[len(ANSWER_PREFIX):]: v for k, v in request.form.items() if k.startswith(ANSWER_PREFIX)})
    evidence_form = EvidenceForm()
    evidence_form.item_id.choices = choices([(i.id, text_of(i.text)[:80]) for i in parsed.items() if i.is_evidence])
    comments = [c for c in services.visible_comments(current_user, evaluation) if c.visibility in ("author", "internal")]
    return render_template("qa/evaluations/edit.html", evaluation=evaluation, parsed=parsed, answers=answers,
                           problems=problems, form=ButtonForm(), evidence_form=evidence_form, comments=comments,
                           protocol_url=_protocol_url), 422 if problems else 200


@bp.route("/drafts/<int:draft_id>/evidence", methods=["POST"])
@require(can_author)
def attach(draft_id: int):
    evaluation = _evaluation(draft_id)
    if not services.can_edit_evaluation(current_user, evaluation):
        abort(403)
    parsed = services.definition(evaluation.form_version)
    form = EvidenceForm()
    form.item_id.choices = choices([(i.id, i.id) for i in parsed.items() if i.is_evidence])
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("qa.evaluations.edit", draft_id=evaluation.id)), 303
    upload = form.file.data
    try:
        services.attach_evidence(evaluation, form.item_id.data, upload.stream, upload.filename or "", current_user)
    except services.EvaluationError as error:
        db.session.rollback()
        _flash_problems(error)
        return render_template("qa/evaluations/upload_refused.html", evaluation=evaluation), 422
    db.session.commit()
    flash(_("The file is attached."), "success")
    return redirect(url_for("qa.evaluations.edit", draft_id=evaluation.id))


@bp.route("/drafts/evidence/<int:draft_evidence_id>/remove", methods=["POST"])
@require(can_author)
def remove_evidence(draft_evidence_id: int):
    evidence = get_or_404(Evidence, draft_evidence_id)
    if not services.can_edit_evaluation(current_user, evidence.evaluation):
        abort(403)
    if not ButtonForm().validate_on_submit():
        abort(400)
    evaluation_id = evidence.evaluation_id
    try:
        services.remove_evidence(evidence, current_user)
    except services.EvaluationError as error:
        db.session.rollback()
        _flash_problems(error)
    else:
        db.session.commit()
    return redirect(url_for("qa.evaluations.edit", draft_id=evaluation_id))


@bp.route("/evidence/<int:evaluation_evidence_id>")
@require(signed_in)
def evidence(evaluation_evidence_id: int):
    """Serve an evidence file, only to those who may see its evaluation."""
    found = get_or_404(Evidence, evaluation_evidence_id, allowed=lambda e: services.can_view_evaluation(current_user, e.evaluation))
    try:
        path = storage.path_of(found.storage_key)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=found.content_type, download_name=found.original_name or path.name,
                         conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _staff_action(evaluation_id: int, action, success: str, form=None):
    evaluation = get_or_404(Evaluation, evaluation_id)
    form = form or ButtonForm()
    if not form.validate_on_submit():
        for errors in getattr(form, "errors", {}).values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))
    try:
        action(evaluation, form)
    except services.EvaluationError as error:
        db.session.rollback()
        _flash_problems(error)
        return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))


@bp.route("/<int:evaluation_id>/validate", methods=["POST"])
@require(is_manager)
def validate(evaluation_id: int):
    return _staff_action(evaluation_id, lambda e, f: services.validate(e, current_user), _("The evaluation is validated."))


@bp.route("/<int:evaluation_id>/release", methods=["POST"])
@require(is_manager)
def release(evaluation_id: int):
    return _staff_action(evaluation_id, lambda e, f: services.release(e, current_user),
                         _("The evaluation is released to the agent and branch."))


@bp.route("/<int:evaluation_id>/return", methods=["POST"])
@require(is_manager)
def return_(evaluation_id: int):
    return _staff_action(evaluation_id, lambda e, f: services.return_for_correction(e, current_user, f.comment.data),
                         _("The evaluation is returned to its author."), ReturnForm())


@bp.route("/<int:evaluation_id>/comment", methods=["POST"])
@require(signed_in)
def comment(evaluation_id: int):
    evaluation = _evaluation(evaluation_id)
    form = CommentForm()
    form.item_id.choices = choices([("", "")] + [(i.id, i.id) for i in services.definition(evaluation.form_version).items()])
    if not sees_everyone(current_user):
        form.visibility.choices = choices([("agent", "")])
    if not form.validate_on_submit():
        flash(_("Write a comment."), "error")
        return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))
    try:
        services.add_comment(evaluation, current_user, form.body.data, item_id=form.item_id.data or None,
                             visibility=form.visibility.data)
    except services.EvaluationError as error:
        db.session.rollback()
        _flash_problems(error)
    else:
        db.session.commit()
        flash(_("The comment is added."), "success")
    return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))


def _revise_page(evaluation: Evaluation, template: str, **extra):
    parsed = services.definition(evaluation.form_version)
    answers = dict(evaluation.current_revision.answers or {}) if evaluation.current_revision else {}
    problems: dict = extra.pop("problems", {})
    if request.method == "POST":
        answers.update({k[len(ANSWER_PREFIX):]: v for k, v in request.form.items() if k.startswith(ANSWER_PREFIX)})
    return render_template(template, evaluation=evaluation, parsed=parsed, answers=answers, problems=problems,
                           protocol_url=_protocol_url, **extra), 422 if problems else 200


@bp.route("/<int:evaluation_id>/revise", methods=["GET", "POST"])
@require(is_manager)
def revise(evaluation_id: int):
    """Correct a submitted evaluation: a new revision with a reason (audited)."""
    evaluation = get_or_404(Evaluation, evaluation_id)
    form = ReviseForm()
    problems: dict = {}
    if form.validate_on_submit():
        parsed = services.definition(evaluation.form_version)
        answers, problems = _posted_answers(parsed)
        if not problems:
            try:
                services.revise(evaluation, answers, current_user, form.reason.data)
            except services.EvaluationError as error:
                db.session.rollback()
                problems = error.problems
            else:
                db.session.commit()
                flash(_("A new revision is saved."), "success")
                return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))
    elif request.method == "POST":
        problems = {"reason": _("Say why the answers change.")}
    return _revise_page(evaluation, "qa/evaluations/revise.html", form=form, problems=problems)


# --- disputes ---------------------------------------------------------------------------------


@bp.route("/<int:evaluation_id>/dispute", methods=["POST"])
@require(role("agent", "mentor"))
def dispute(evaluation_id: int):
    evaluation = _evaluation(evaluation_id)
    if evaluation.agent_id != current_user.id:
        abort(403)
    form = DisputeForm()
    form.item_id.choices = choices([("", "")] + [(i.id, i.id) for i in services.definition(evaluation.form_version).items()])
    if not form.validate_on_submit():
        flash(_("Say why you disagree."), "error")
        return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))
    try:
        services.open_dispute(evaluation, current_user, form.reason.data, form.item_id.data or None)
    except services.EvaluationError as error:
        db.session.rollback()
        _flash_problems(error)
    else:
        db.session.commit()
        flash(_("Your dispute is sent to QA. You will see the decision here."), "success")
    return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))


@bp.route("/disputes")
@require(is_manager)
def disputes():
    state = request.args.get("state", "open")
    query = select(Dispute).order_by(Dispute.created_at.desc())
    if state == "open":
        query = query.where(Dispute.status == "open")
    elif state == "resolved":
        query = query.where(Dispute.status != "open")
    rows = db.session.scalars(query.limit(200)).all()
    return render_template("qa/evaluations/disputes.html", disputes=rows, state=state)


@bp.route("/disputes/<int:dispute_id>", methods=["GET", "POST"])
@require(is_manager)
def resolve(dispute_id: int):
    """Uphold a disputed evaluation or change its answers (a new revision)."""
    found = get_or_404(Dispute, dispute_id)
    evaluation = found.evaluation
    form = ResolveForm()
    problems: dict = {}
    if form.validate_on_submit():
        uphold = bool(form.uphold.data)
        answers = None
        if not uphold:
            answers, problems = _posted_answers(services.definition(evaluation.form_version))
        if not problems:
            try:
                services.resolve_dispute(found, current_user, uphold=uphold, answers=answers, resolution=form.resolution.data)
            except services.EvaluationError as error:
                db.session.rollback()
                problems = error.problems
            else:
                db.session.commit()
                flash(_("The dispute is resolved."), "success")
                return redirect(url_for("qa.evaluations.show", evaluation_id=evaluation.id))
    elif request.method == "POST":
        problems = {"resolution": _("Explain the decision to the agent.")}
    return _revise_page(evaluation, "qa/evaluations/resolve.html", form=form, dispute=found, problems=problems)


# --- forms ------------------------------------------------------------------------------------


@bp.route("/forms")
@require(is_manager)
def forms_index():
    rows = db.session.scalars(select(EvaluationForm).order_by(EvaluationForm.slug)).all()
    counts = dict(db.session.execute(
        select(FormVersion.form_id, func.count(Evaluation.id))
        .join(Evaluation, Evaluation.form_version_id == FormVersion.id).group_by(FormVersion.form_id)).all())
    return render_template("qa/evaluations/forms.html", forms=rows, counts=counts, latest=services.latest_published,
                           draft_of=services.open_draft)


def _preview(source: str, filename: str):
    """Parse a form file for the preview: (definition or None, problems as lines)."""
    try:
        return services.parse(source, filename), []
    except services.FormError as error:
        return None, [str(p) for p in error.problems]


@bp.route("/forms/new", methods=["GET", "POST"])
@require(is_manager)
def form_new():
    form = FormSourceForm()
    if request.method == "GET":
        form.source.data = _TEMPLATE
    parsed, problems = (None, [])
    status = 200
    if form.validate_on_submit():
        parsed, problems = _preview(form.source.data, "form.yaml")
        if not problems and form.save.data:
            try:
                version = services.create_form(form.source.data, actor=current_user)
            except services.EvaluationError as error:
                db.session.rollback()
                problems = error.messages()
            else:
                db.session.commit()
                flash(_("The draft is saved. Publish it when it is ready."), "success")
                return redirect(url_for("qa.evaluations.version_edit", form_version_id=version.id))
        status = 422 if problems else 200
    elif request.method == "POST":
        status = 422
    return render_template("qa/evaluations/form_edit.html", form=form, version=None, parsed=parsed, problems=problems,
                           protocol_url=_protocol_url), status


@bp.route("/forms/<int:form_id>")
@require(is_manager)
def form_show(form_id: int):
    found = get_or_404(EvaluationForm, form_id)
    version_number = request.args.get("version", type=int)
    version = next((v for v in found.versions if v.number == version_number), None) if version_number else None
    version = version or services.latest_published(found) or services.latest_version(found)
    if version is None:
        abort(404)
    counts = dict(db.session.execute(
        select(Evaluation.form_version_id, func.count(Evaluation.id)).where(
            Evaluation.form_version_id.in_([v.id for v in found.versions])).group_by(Evaluation.form_version_id)).all())
    return render_template("qa/evaluations/form_show.html", eform=found, version=version, parsed=services.definition(version),
                           counts=counts, draft=services.open_draft(found), button_form=ButtonForm(),
                           protocol_url=_protocol_url)


@bp.route("/forms/versions/<int:form_version_id>/download")
@require(is_manager)
def version_download(form_version_id: int):
    version = get_or_404(FormVersion, form_version_id)
    name = f"{version.form.slug}-v{version.number}.yaml"
    return Response(version.source, mimetype="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/forms/<int:form_id>/draft", methods=["POST"])
@require(is_manager)
def form_draft(form_id: int):
    found = get_or_404(EvaluationForm, form_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        version = services.new_draft(found, current_user)
    except services.EvaluationError as error:
        db.session.rollback()
        _flash_problems(error)
        return redirect(url_for("qa.evaluations.form_show", form_id=found.id))
    db.session.commit()
    return redirect(url_for("qa.evaluations.version_edit", form_version_id=version.id))


@bp.route("/forms/versions/<int:form_version_id>/edit", methods=["GET", "POST"])
@require(is_manager)
def version_edit(form_version_id: int):
    """The form builder: edit the draft's form file, check it and see the rendered preview."""
    version = get_or_404(FormVersion, form_version_id)
    if version.status != "draft":
        flash(_("Version %(number)s is published and cannot be changed; open a new draft instead.", number=version.number), "error")
        return redirect(url_for("qa.evaluations.form_show", form_id=version.form_id, version=version.number))
    form = FormSourceForm()
    if request.method == "GET":
        form.source.data = version.source
    parsed, problems = _preview(version.source if request.method == "GET" else (form.source.data or ""), f"{version.form.slug}.yaml")
    status = 200
    if form.validate_on_submit():
        if not problems and form.save.data:
            try:
                services.update_draft(version, form.source.data, current_user)
            except services.EvaluationError as error:
                db.session.rollback()
                problems = error.messages()
            else:
                db.session.commit()
                flash(_("The draft is saved."), "success")
                return redirect(url_for("qa.evaluations.version_edit", form_version_id=version.id))
        status = 422 if problems else 200
    elif request.method == "POST":
        status = 422
    return render_template("qa/evaluations/form_edit.html", form=form, version=version, parsed=parsed, problems=problems,
                           button_form=ButtonForm(), protocol_url=_protocol_url), status


@bp.route("/forms/versions/<int:form_version_id>/publish", methods=["POST"])
@require(is_manager)
def version_publish(form_version_id: int):
    version = get_or_404(FormVersion, form_version_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.publish(version, current_user)
    except (services.EvaluationError, services.FormError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("qa.evaluations.form_show", form_id=version.form_id))
    db.session.commit()
    flash(_("Version %(number)s is published. New evaluations use it.", number=version.number), "success")
    return redirect(url_for("qa.evaluations.form_show", form_id=version.form_id))


@bp.route("/forms/import", methods=["GET", "POST"])
@require(is_manager)
def form_import():
    form = FormUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(services.MAX_FORM_BYTES + 1)
        try:
            version, created = services.import_form(data, filename=upload.filename or "form.yaml", actor=current_user)
        except services.FormError as error:
            db.session.rollback()
            problems = [str(p) for p in error.problems]
        except (services.EvaluationError, UnicodeDecodeError) as error:
            db.session.rollback()
            problems = [str(error)]
        else:
            db.session.commit()
            if created:
                flash(_("Version %(number)s of %(slug)s is imported and published.", number=version.number, slug=version.form.slug), "success")
            else:
                flash(_("%(slug)s is unchanged; nothing was imported.", slug=version.form.slug), "info")
            return redirect(url_for("qa.evaluations.form_show", form_id=version.form_id))
    status = 422 if request.method == "POST" else 200
    return render_template("qa/evaluations/form_import.html", form=form, problems=problems), status


@bp.route("/forms/<int:form_id>/results", methods=["GET", "POST"])
@require(is_manager)
def results_import(form_id: int):
    """Import a provider's results CSV (every row or none; every bad cell listed)."""
    found = get_or_404(EvaluationForm, form_id)
    version = services.latest_published(found)
    form = ResultsUploadForm()
    errors: list[str] = []
    if version is None:
        errors = [_("This form has no published version.")]
    elif form.validate_on_submit():
        upload = form.file.data
        try:
            result = services.import_results(version, upload.stream.read(20 * 1024 * 1024), status=form.status.data,
                                             actor=current_user, filename=upload.filename or "")
        except services.EvaluationError as error:
            result = {"imported": 0, "errors": error.messages()}
        if result["errors"]:
            db.session.rollback()
            errors = result["errors"]
        else:
            db.session.commit()
            flash(ngettext_imported(result["imported"]), "success")
            return redirect(url_for("qa.evaluations.index", form=found.id))
    status = 422 if request.method == "POST" and errors else 200
    columns = None
    if version is not None:
        from qa.evaluations.results_csv import export_columns

        columns = export_columns(services.definition(version))
    return render_template("qa/evaluations/results_import.html", eform=found, version=version, form=form,
                           errors=errors, columns=columns), status


def ngettext_imported(n: int) -> str:
    from flask_babel import ngettext

    return ngettext("%(num)d evaluation is imported.", "%(num)d evaluations are imported.", n)


# --- reports ----------------------------------------------------------------------------------


@bp.route("/reports")
@require(is_manager)
def reports():
    today = date.today()
    try:
        start = date.fromisoformat(request.args.get("from", "")) if request.args.get("from") else today - timedelta(days=90)
        end = date.fromisoformat(request.args.get("to", "")) if request.args.get("to") else today
    except ValueError:
        flash(_("Dates must look like 2024-05-31."), "error")
        start, end = today - timedelta(days=90), today
    if end < start:
        start, end = end, start
    period = (start, end)
    forms = db.session.scalars(select(EvaluationForm).order_by(EvaluationForm.slug)).all()
    chosen = next((f for f in forms if f.id == request.args.get("form", type=int)), forms[0] if forms else None)
    branch_report = services.report_by_branch(period)
    items = services.report_by_item(chosen, period) if chosen else []
    trend = services.trend_by_month(6, today=end)
    trend_central = services.trend_by_month(6, central=True, today=end)
    trend_regional = services.trend_by_month(6, central=False, today=end)
    shoppers = services.shopper_quality()
    charts = {
        "branches": bar_chart([(f"{r['code']} · {r['name']}", r["mean"]) for r in branch_report["branches"]],
                              title=_("Mean score by branch"), max_value=100, unit="%"),
        "items": bar_chart([(r["item"], r["fail_pct"]) for r in items[:15]],
                           title=_("Share of evaluations failing each item"), max_value=100, unit="%"),
        "trend": line_chart([r["month"] for r in trend],
                            [(_("All"), [r["mean"] for r in trend]), (_("Central office"), [r["mean"] for r in trend_central]),
                             (_("Regional offices"), [r["mean"] for r in trend_regional])],
                            title=_("Mean score by month"), unit="%"),
        "shoppers": bar_chart([(r["name"], r["returned_pct"]) for r in shoppers],
                              title=_("Share of shops returned for correction"), max_value=100, unit="%"),
    }
    return render_template("qa/evaluations/reports.html", start=start, end=end, forms=forms, chosen=chosen,
                           branch_report=branch_report, items=items, trend=trend, shoppers=shoppers, charts=charts)


_TEMPLATE = """\
format: 1
id: my-form
title: {en: My evaluation form}
kind: review
channel: email
languages: [en]
sections:
  - title: {en: Answer}
    items:
      - {id: greeting, type: yes_no, text: {en: Greeted the customer by name}, weight: 1}
      - {id: solved, type: scale, max: 4, text: {en: Solved the problem}, weight: 3, critical: true}
      - {id: reply_time, type: timer, threshold: 3600, text: {en: Seconds until the first reply}, weight: 2, na: true}
      - {id: overall, type: stars, text: {en: Overall impression}}
      - {id: notes, type: text, text: {en: Notes}}
"""
