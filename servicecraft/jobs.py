"""Background jobs: one small module, two runners.

Without ``REDIS_URL`` jobs run in an in-process thread pool (the embedded default); with it
they are queued on RQ and run by `servicecraft jobs worker` processes. Either way a job is a
row in ``jobs_job`` whose progress pages and the API can show.

A job function is registered with ``@job("kind")`` and called as ``func(ctx, **params)``;
it reports progress with ``ctx.progress(percent, message)`` and returns a JSON-able result.
A job that makes a file stores it with ``servicecraft.storage.save_bytes`` (never on a local
path: the worker may run on another machine) and returns ``{"file": file_result(stored), ...}``;
the job page then offers it for download by key.
"""

from __future__ import annotations

import secrets
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import update

from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import Job

QUEUE_NAME = "servicecraft"
_REGISTRY: dict[str, Callable] = {}
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


class JobFailed(Exception):
    """Raised by a job to fail with a message meant for the person who started it."""


def job(kind: str):
    """Register the decorated function as the runner of jobs of *kind*."""

    def decorate(func):
        _REGISTRY[kind] = func
        return func

    return decorate


def file_result(stored) -> dict:
    """Describe a stored file (servicecraft.storage.Stored) for a job's result: key, content type, download name."""
    return {"key": stored.key, "content_type": stored.content_type, "name": stored.original_name or None}


@dataclass
class JobContext:
    job_id: str

    def progress(self, percent: float, message: str = "") -> None:
        """Record progress in its own transaction, so watchers see it while the job's work is uncommitted."""
        with db.engine.begin() as conn:
            conn.execute(
                update(Job).where(Job.id == self.job_id).values(progress=max(0, min(100, int(percent))), message=message[:500])
            )


def enqueue(kind: str, *, actor=None, **params) -> Job:
    """Record a job and start it; the caller's transaction is committed first."""
    if kind not in _REGISTRY:
        raise KeyError(f"no job runner registered for {kind!r}")
    record = Job(id=secrets.token_hex(16), kind=kind, params=params, created_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.commit()
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        _rq_queue(redis_url).enqueue(run_job, record.id, job_id=record.id, job_timeout=current_app.config.get("JOB_TIMEOUT", 3600))
    else:
        app = current_app._get_current_object()
        _thread_pool().submit(_run_in_app, app, record.id)
    return record


def _rq_queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))


def _thread_pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="servicecraft-job")
        return _executor


def _run_in_app(app, job_id: str) -> None:
    with app.app_context():
        execute(job_id)


def run_job(job_id: str) -> None:
    """RQ's entry point: run inside the worker's app context (or build one from the environment)."""
    if has_app_context():
        execute(job_id)
        return
    from servicecraft import create_app

    with create_app().app_context():
        execute(job_id)


def execute(job_id: str) -> None:
    """Run one recorded job to completion, recording its outcome."""
    record = db.session.get(Job, job_id)
    if record is None or record.status != "queued":
        return  # already taken by another worker
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued").values(status="running", started_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        return
    func = _REGISTRY.get(record.kind)
    try:
        if func is None:
            raise JobFailed(f"no runner for {record.kind}")
        result = func(JobContext(job_id), **(record.params or {}))
        db.session.commit()
        status, error = "done", ""
    except JobFailed as failure:
        db.session.rollback()
        result, status, error = None, "failed", str(failure)
    except Exception:  # a bug: keep the trace in the log and a short message on the job
        db.session.rollback()
        current_app.logger.error("job %s (%s) failed:\n%s", job_id, record.kind, traceback.format_exc())
        result, status, error = None, "failed", "The job failed unexpectedly; the error was logged."
    db.session.execute(
        update(Job).where(Job.id == job_id).values(
            status=status, result=result, error=error, finished_at=utcnow(), progress=100 if status == "done" else Job.progress
        )
    )
    db.session.commit()


def wait(job_id: str, timeout: float = 30.0) -> Job:
    """Block until a thread-pool job finishes (for tests and the CLI)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        record = db.session.get(Job, job_id)
        if record.is_finished or time.monotonic() > deadline:
            return record
        time.sleep(0.05)


def prune(older_than_days: float) -> dict[str, int]:
    """Forget finished jobs older than the given age, with the files they produced.

    Generated files (PDF packs) live in storage until their job is pruned; run this from a
    timer (`servicecraft jobs prune --older-than 30`). Queued and running jobs are kept.
    Returns how many jobs and files went; the caller commits.
    """
    from datetime import timedelta

    from sqlalchemy import delete, select

    from servicecraft import storage

    limit = utcnow() - timedelta(days=older_than_days)
    old = db.session.execute(
        select(Job.id, Job.result).where(Job.status.in_(("done", "failed")), Job.finished_at < limit)).all()
    files = 0
    for _job_id, result in old:
        stored = (result or {}).get("file") if isinstance(result, dict) else None
        if isinstance(stored, dict) and stored.get("key"):
            storage.delete(stored["key"])
            files += 1
    if old:
        db.session.execute(delete(Job).where(Job.id.in_([job_id for job_id, _result in old])))
    return {"jobs": len(old), "files": files}
