"""Background jobs run in the thread pool by default and on RQ when REDIS_URL is set."""

from __future__ import annotations

import uuid

import pytest

from servicecraft import jobs
from servicecraft.extensions import db
from servicecraft.models import Job


@jobs.job("test-count")
def _count(ctx, upto: int):
    for n in range(upto):
        ctx.progress(100 * n / upto, f"{n} of {upto}")
    return {"counted": upto}


@jobs.job("test-fail")
def _fail(ctx):
    raise jobs.JobFailed("the file had 3 bad rows")


def test_thread_pool_job_reports_progress_and_result(app):
    with app.app_context():
        record = jobs.enqueue("test-count", upto=5)
        done = jobs.wait(record.id)
        assert done.status == "done" and done.result == {"counted": 5} and done.progress == 100


def test_a_failing_job_keeps_its_message(app):
    with app.app_context():
        record = jobs.enqueue("test-fail")
        done = jobs.wait(record.id)
        assert done.status == "failed" and done.error == "the file had 3 bad rows"


def test_rq_runs_the_same_job_through_redis(app):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    queue_name = f"servicecraft-test-{uuid.uuid4().hex[:8]}"
    app.config["REDIS_URL"] = url
    try:
        with app.app_context():
            original = jobs.QUEUE_NAME
            jobs.QUEUE_NAME = queue_name
            record = jobs.enqueue("test-count", upto=3)
            assert db.session.get(Job, record.id).status == "queued"
            connection = redis.Redis.from_url(url)
            SimpleWorker([Queue(queue_name, connection=connection)], connection=connection).work(burst=True)
            db.session.expire_all()
            done = db.session.get(Job, record.id)
            assert done.status == "done" and done.result == {"counted": 3}
    finally:
        app.config.pop("REDIS_URL")
        jobs.QUEUE_NAME = original


def test_job_page_is_only_for_its_owner(app, client, make_user, login):
    owner, other = make_user(), make_user()
    with app.app_context():
        record = jobs.enqueue("test-count", actor=owner, upto=2)
        jobs.wait(record.id)
    login(client, other)
    assert client.get(f"/jobs/{record.id}").status_code == 403
    login(client, owner)
    assert client.get(f"/jobs/{record.id}/status").get_json()["status"] == "done"
    assert "Background job" in client.get(f"/jobs/{record.id}").get_data(as_text=True)


def test_prune_forgets_old_finished_jobs_and_their_files(app, runner):
    import json
    from datetime import timedelta

    from servicecraft import storage
    from servicecraft.db import utcnow

    with app.app_context():
        stored = storage.save_bytes(b"%PDF-1.7 pack", name="pack.pdf", content_type="application/pdf", folder="reports")
        long_ago = utcnow() - timedelta(days=40)
        db.session.add_all([
            Job(id="old-done", kind="test-count", status="done", result={"file": jobs.file_result(stored)},
                finished_at=long_ago),
            Job(id="old-failed", kind="test-fail", status="failed", finished_at=long_ago),
            Job(id="recent", kind="test-count", status="done", finished_at=utcnow() - timedelta(days=2)),
            Job(id="stuck", kind="test-count", status="running", created_at=long_ago),
        ])
        db.session.commit()
        path = storage.path_of(stored.key)
        assert path.exists()
    result = runner.invoke(args=["jobs", "prune", "--older-than", "30", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"jobs": 2, "files": 1}
    with app.app_context():
        assert sorted(db.session.scalars(db.select(Job.id))) == ["recent", "stuck"]
    assert not path.exists()
