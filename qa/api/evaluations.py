"""/api/v1/evaluations: Evaluations for shoppers' and reviewers' apps.

``POST`` files a finished evaluation (a shopper's mystery shop or a reviewer's review); it is
scored at once and waits for a validator (status ``submitted``). ``GET`` lists what the
token's person may see: managers and admins everything, authors what they filed, agents their
own released evaluations, mentors their mentees' released ones.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import func, select

from qa.evaluations import services
from qa.evaluations.models import EVALUATION_STATUSES, Evaluation, FormVersion
from servicecraft.api.schemas import ErrorSchema
from servicecraft.errors import json_error
from servicecraft.extensions import db
from servicecraft.permissions import require, role, signed_in

blp = Blueprint("api_evaluations", __name__, url_prefix="/evaluations", description="Evaluations for shoppers' and reviewers' apps")

MAX_PER_PAGE = 200
can_file = role("admin", "manager", "shopper")


class EvaluationInSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    form = ma.fields.String(metadata={"description": "form slug (its newest published version is used)"})
    form_version_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1),
                                        metadata={"description": "a published form version, instead of form"})
    agent = ma.fields.Email(metadata={"description": "e-mail of the evaluated agent"})
    branch = ma.fields.String(metadata={"description": "code of the evaluated branch"})
    happened_at = ma.fields.AwareDateTime(required=True, metadata={"description": "ISO date-time with offset"})
    answers = ma.fields.Dict(keys=ma.fields.String(), required=True,
                             metadata={"description": "item id -> yes/no (true/false), number, \"na\" or text"})
    subject_kind = ma.fields.String(validate=ma.validate.Length(max=16))
    subject_ref = ma.fields.String(validate=ma.validate.Length(max=64))

    @ma.validates_schema
    def _one_of_each(self, data, **kwargs):
        if not data.get("form") and not data.get("form_version_id"):
            raise ma.ValidationError(_("Give form (a slug) or form_version_id."), "form")
        if not data.get("agent") and not data.get("branch"):
            raise ma.ValidationError(_("Give agent (an e-mail) or branch (a code)."), "agent")


class EvaluationOutSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    form = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    agent = ma.fields.String(allow_none=True, required=True)
    branch = ma.fields.String(allow_none=True, required=True)
    happened_at = ma.fields.String(allow_none=True, required=True)
    score = ma.fields.Float(allow_none=True, required=True)
    critical_fail = ma.fields.Boolean(required=True)
    status = ma.fields.String(required=True)
    answers = ma.fields.Dict(required=True)


class EvaluationListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EvaluationOutSchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


class EvaluationQuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    form = ma.fields.String()
    status = ma.fields.String(validate=ma.validate.OneOf(EVALUATION_STATUSES))
    from_ = ma.fields.Date(data_key="from")
    to = ma.fields.Date()
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE))


def _out(evaluation: Evaluation) -> dict:
    data = services.describe(evaluation)
    data["answers"] = dict(evaluation.current_revision.answers) if evaluation.current_revision else {}
    return data


@blp.route("")
class Evaluations(MethodView):
    decorators = [require(signed_in)]

    @blp.arguments(EvaluationQuerySchema, location="query")
    @blp.response(200, EvaluationListSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid token")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid filters")
    def get(self, args):
        """List the evaluations you may see, newest contact first."""
        from datetime import datetime, time, timedelta, timezone

        query = select(Evaluation).where(services.visible_evaluations_filter(current_user))
        if args.get("form"):
            form = services.get_form(args["form"])
            if form is None:
                return json_error(422, fields={"form": _("No form has the id %(id)s.", id=args["form"])})
            query = query.join(FormVersion, Evaluation.form_version_id == FormVersion.id).where(FormVersion.form_id == form.id)
        if args.get("status"):
            query = query.where(Evaluation.status == args["status"])
        if args.get("from_"):
            query = query.where(Evaluation.happened_at >= datetime.combine(args["from_"], time.min, tzinfo=timezone.utc))
        if args.get("to"):
            query = query.where(Evaluation.happened_at < datetime.combine(args["to"] + timedelta(days=1), time.min, tzinfo=timezone.utc))
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        page, per_page = args["page"], args["per_page"]
        rows = db.session.scalars(query.order_by(Evaluation.happened_at.desc(), Evaluation.id.desc())
                                  .limit(per_page).offset((page - 1) * per_page)).all()
        return {"items": [_out(e) for e in rows], "page": page, "per_page": per_page, "total": total}

    @blp.arguments(EvaluationInSchema)
    @blp.response(201, EvaluationOutSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Missing or invalid token")
    @blp.alt_response(403, schema=ErrorSchema, description="Only shoppers, managers and admins file evaluations")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid data; fields name the items")
    def post(self, data):
        """File a finished evaluation; it is scored and waits for a validator."""
        if not can_file(current_user):
            return json_error(403)
        actor = current_user._get_current_object()
        fields: dict[str, str] = {}
        version = None
        if data.get("form_version_id"):
            version = db.session.get(FormVersion, data["form_version_id"])
            if version is None or version.status != "published":
                fields["form_version_id"] = _("No published form version has this id.")
        else:
            version = services.latest_published(data["form"])
            if version is None:
                fields["form"] = _("No published form has the id %(id)s.", id=data["form"])
        agent = services._user_by_email(data.get("agent"))
        if data.get("agent") and (agent is None or not agent.has_role("agent", "mentor")):
            fields["agent"] = _("No agent has this e-mail.")
        branch = services._branch_by_code(data.get("branch"))
        if data.get("branch") and branch is None:
            fields["branch"] = _("No branch has this code.")
        if fields:
            return json_error(422, fields=fields)
        parsed = services.definition(version)
        answers, problems = services.coerce_answers(parsed, {k: v for k, v in data["answers"].items()})
        unknown = {k: _("is not an item of this form") for k in data["answers"] if parsed.item(k) is None}
        problems.update(unknown)
        if problems:
            return json_error(422, fields={f"answers.{k}": v for k, v in problems.items()})
        try:
            evaluation = services.start_evaluation(version, author=actor, agent=agent, branch=branch,
                                                   happened_at=data["happened_at"], subject_kind=data.get("subject_kind"),
                                                   subject_ref=data.get("subject_ref"), source="api")
            services.save_draft(evaluation, answers, actor)
            services.submit(evaluation, actor)
        except services.EvaluationError as error:
            db.session.rollback()
            return json_error(422, fields={(f"answers.{k}" if parsed.item(k) else (k or "answers")): v
                                           for k, v in error.problems.items()})
        db.session.commit()
        return _out(evaluation)
