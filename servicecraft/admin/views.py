"""The audit log browser (admins only)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from servicecraft.extensions import db
from servicecraft.models import AuditEntry
from servicecraft.permissions import is_admin, require

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 100


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/audit")
@require(is_admin)
def audit():
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    entity = request.args.get("entity", "").strip()
    actor = request.args.get("actor", "").strip().lower()
    action = request.args.get("action", "").strip()
    since, until = _date_arg("from"), _date_arg("to")
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if request.args.get("entity_id"):
        query = query.where(AuditEntry.entity_id == request.args["entity_id"])
    if actor:
        query = query.where(func.lower(AuditEntry.actor_label).like(f"%{actor}%"))
    if action:
        query = query.where(AuditEntry.action == action)
    if since:
        query = query.where(AuditEntry.created_at >= datetime.combine(since, time(), UTC))
    if until:
        query = query.where(AuditEntry.created_at < datetime.combine(until + timedelta(days=1), time(), UTC))
    page = max(request.args.get("page", 1, type=int), 1)
    entries = db.session.scalars(query.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    entities = db.session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).all()
    return render_template(
        "admin/audit.html", entries=entries[:PAGE_SIZE], has_next=len(entries) > PAGE_SIZE, page=page,
        entities=entities, entity=entity, actor=actor, action=action, since=since, until=until,
    )
