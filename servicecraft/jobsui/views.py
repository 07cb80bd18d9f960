"""Progress pages for background jobs."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, send_file
from flask_login import current_user

from servicecraft import storage
from servicecraft.models import Job
from servicecraft.permissions import can_view_job, get_or_404, require, signed_in

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _load(job_id: str) -> Job:
    return get_or_404(Job, job_id, allowed=lambda job: can_view_job(current_user, job))


@bp.route("/<job_id>")
@require(signed_in)
def show(job_id: str):
    return render_template("jobs/show.html", job=_load(job_id))


@bp.route("/<job_id>/status")
@require(signed_in)
def status(job_id: str):
    job = _load(job_id)
    return jsonify(
        {"id": job.id, "kind": job.kind, "status": job.status, "progress": job.progress, "message": job.message,
         "error": job.error, "has_file": bool((job.result or {}).get("file"))}
    )


@bp.route("/<job_id>/download")
@require(signed_in)
def download(job_id: str):
    job = _load(job_id)
    stored = (job.result or {}).get("file") if job.status == "done" else None
    if not stored:
        abort(404)
    try:
        handle = storage.open(stored["key"])
    except FileNotFoundError:
        abort(404)
    name = stored.get("name") or stored["key"].rsplit("/", 1)[-1]
    return send_file(handle, mimetype=stored.get("content_type") or None, as_attachment=True, download_name=name)
