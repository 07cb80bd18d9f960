"""Scorecards of 500 agents through the warm JSON API against plain SQL in the same run (issue 8).

Generates SCORECARDS_BENCH_N tickets (default 100,000) for 500 agents directly into a fresh
migrated SQLite database (executemany; no import path), plus a released review and a validated
mystery shop for every agent, then times:

- GET /api/v1/scorecards for the quarter as a manager (bearer token), warmed up once first,
  best of three: served from the scorecards cache (servicecraft.cache), as after any view;
- the same request on a second app over the same database with the cache switched off
  (CACHE_ENABLED false), so every figure is computed afresh, as after a commit that changed them;
- a baseline on the same database: one plain SQL aggregate of the ticket counts, the two
  window-function medians and one aggregate of the evaluation scores, with sqlite3, best of three.

Prints both times and the ratio (target: within 2x, the ticket-metrics issue's bound).
"""

from __future__ import annotations

import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

N = int(os.environ.get("SCORECARDS_BENCH_N", "100000"))
AGENTS = 500
START = datetime(2024, 1, 1, tzinfo=UTC)
RESULTS: list[dict] = []  # the summary table of `python -m bench`

BASELINE = [
    """SELECT agent_id, count(id), count(first_reply_minutes), sum(CASE WHEN first_reply_minutes <= 1440 THEN 1 ELSE 0 END),
              count(agent_replies), sum(CASE WHEN agent_replies >= 1 THEN 1 ELSE 0 END),
              sum(CASE WHEN agent_replies = 1 AND reopens = 0 THEN 1 ELSE 0 END), count(reopens),
              sum(CASE WHEN reopens >= 1 THEN 1 ELSE 0 END), sum(CASE WHEN agent_replies < 2 THEN 1 ELSE 0 END),
              count(csat), sum(CASE WHEN csat = 'positive' THEN 1 ELSE 0 END)
       FROM qa_ticket WHERE status IN ('solved', 'closed') AND solved_at >= ? AND solved_at < ? AND agent_id IS NOT NULL
       GROUP BY agent_id""",
    *[f"""SELECT agent_id, v FROM (SELECT agent_id, {c} AS v, row_number() OVER (PARTITION BY agent_id ORDER BY {c}) AS rn,
              count(*) OVER (PARTITION BY agent_id) AS n FROM qa_ticket
              WHERE status IN ('solved', 'closed') AND solved_at >= ? AND solved_at < ? AND {c} IS NOT NULL)
       WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2""" for c in ("first_reply_minutes", "resolution_minutes")],
    """SELECT e.kind, e.agent_id, avg(r.score), count(r.score) FROM qa_evaluation e
       JOIN qa_evaluation_revision r ON r.id = e.current_revision_id
       WHERE e.happened_at >= ? AND e.happened_at < ? GROUP BY e.kind, e.agent_id""",
]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _generate(app, path: Path) -> tuple[list[int], int]:
    from qa.evaluations import services as evaluation_services
    from servicecraft.extensions import db
    from servicecraft.models import User
    from tests.qa.evaluations.helpers import EXAMPLE_FORM

    with app.app_context():
        for a in range(AGENTS):
            user = User(email=f"agent{a}@bench.test", name=f"Agent {a}", password_hash="x")
            user.set_roles(["agent"])
            db.session.add(user)
        manager = User(email="manager@bench.test", name="Manager", password_hash="x")
        manager.set_roles(["manager"])
        db.session.add(manager)
        version, _created = evaluation_services.import_form(EXAMPLE_FORM, filename="f.yaml", actor=None)
        db.session.commit()
        ids = [u.id for u in db.session.query(User).filter(User.email.like("agent%")).all()]
        version_id, manager_id = version.id, manager.id
    rng = random.Random(8)
    rows = []
    for number in range(N):
        created = START + timedelta(minutes=rng.randint(0, 60 * 24 * 85))
        reply = rng.randint(1, 3000)
        resolution = reply + rng.randint(10, 5000)
        rows.append(("zendesk", str(number + 1), _stamp(created), rng.choice(ids), "email", "solved", _stamp(created),
                     _stamp(created + timedelta(minutes=resolution)), float(reply), float(resolution),
                     rng.choice((0, 0, 0, 1)), rng.randint(0, 4), rng.choice(("positive", "positive", "negative", None)),
                     _stamp(created)))
    connection = sqlite3.connect(path)
    connection.executemany(
        "INSERT INTO qa_ticket (source, external_id, source_updated_at, agent_id, channel, status, created_at, solved_at,"
        " first_reply_minutes, resolution_minutes, reopens, agent_replies, csat, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    now = _stamp(datetime.now(UTC))
    for agent in ids:
        for kind, status in (("review", "released"), ("mystery_shop", "validated")):
            cursor = connection.execute(
                "INSERT INTO qa_evaluation (form_version_id, kind, status, agent_id, happened_at, source, draft_answers,"
                " created_at) VALUES (?, ?, ?, ?, ?, 'web', '{}', ?)",
                (version_id, kind, status, agent, _stamp(START + timedelta(days=rng.randint(0, 80))), now))
            evaluation = cursor.lastrowid
            cursor = connection.execute(
                "INSERT INTO qa_evaluation_revision (evaluation_id, number, answers, score, critical_fail, breakdown,"
                " reason, created_at) VALUES (?, 1, '{}', ?, 0, '{}', '', ?)",
                (evaluation, float(rng.randint(40, 100)), now))
            connection.execute("UPDATE qa_evaluation SET current_revision_id = ? WHERE id = ?", (cursor.lastrowid, evaluation))
    connection.commit()
    connection.close()
    return ids, manager_id


def run() -> list[str]:
    from flask_migrate import upgrade

    from servicecraft import create_app
    from servicecraft.auth.services import create_api_token
    from servicecraft.extensions import db
    from servicecraft.models import User

    folder = Path(tempfile.mkdtemp(prefix="bench-scorecards-"))
    path = folder / "app.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "UPLOAD_FOLDER": str(folder / "uploads"),
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    _ids, manager_id = _generate(app, path)
    generated = time.perf_counter() - started
    with app.app_context():
        _token, secret = create_api_token(db.session.get(User, manager_id), "bench", actor=None)
        db.session.commit()
    client = app.test_client()
    url = "/api/v1/scorecards?from=2024-01-01&to=2024-03-31"
    headers = {"Authorization": f"Bearer {secret}"}
    warm = client.get(url, headers=headers)
    assert warm.status_code == 200 and len(warm.get_json()) == AGENTS, warm.status_code
    api_times = []
    for _round in range(3):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        response.get_json()
        api_times.append(time.perf_counter() - began)
    fresh_app = create_app({**app.config, "CACHE_ENABLED": False})
    fresh_client = fresh_app.test_client()
    assert fresh_client.get(url, headers=headers).status_code == 200
    fresh_times = []
    for _round in range(3):
        began = time.perf_counter()
        fresh_client.get(url, headers=headers).get_json()
        fresh_times.append(time.perf_counter() - began)
    first, after = "2024-01-01 00:00:00.000000", "2024-04-01 00:00:00.000000"
    connection = sqlite3.connect(path)
    sql_times = []
    for _round in range(3):
        began = time.perf_counter()
        for statement in BASELINE:
            connection.execute(statement, (first, after)).fetchall()
        sql_times.append(time.perf_counter() - began)
    connection.close()
    api, fresh, sql = min(api_times), min(fresh_times), min(sql_times)
    RESULTS[:] = [
        {"name": "scorecards API (cached) vs plain SQL", "ours": f"{api * 1000:.0f} ms", "floor": f"{sql * 1000:.0f} ms",
         "ratio": api / sql, "target": "<= 2x", "ok": api / sql <= 2},
        {"name": "scorecards API (computed) vs plain SQL", "ours": f"{fresh * 1000:.0f} ms",
         "floor": f"{sql * 1000:.0f} ms", "ratio": fresh / sql, "target": "<= 2x", "ok": fresh / sql <= 2},
    ]
    return [
        f"generated {N} tickets and {2 * AGENTS} evaluations for {AGENTS} agents in {generated:.1f}s",
        f"GET /api/v1/scorecards (warm, {AGENTS} rows, from the cache): {api * 1000:.0f} ms",
        f"GET /api/v1/scorecards (warm, {AGENTS} rows, cache off: computed): {fresh * 1000:.0f} ms",
        f"plain SQL aggregates + medians: {sql * 1000:.0f} ms",
        f"ratios {api / sql:.2f}x cached, {fresh / sql:.2f}x computed (target <= 2x)",
    ]
