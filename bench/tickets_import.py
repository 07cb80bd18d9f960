"""Ticket import and per-agent metrics against plain sqlite3 in the same run (issue 7, "Speed").

Generates 100,000 tickets for 500 agents as Zendesk incremental export pages (1,000 tickets a
page, sideloaded metric_sets and users, JSON Lines), then times:

- `servicecraft tickets import --source zendesk` (the CLI through Flask's runner) into a fresh
  migrated SQLite database, against a baseline that parses the same file with `json` and
  inserts the same normalised rows (with the raw payload) with `sqlite3.executemany`;
- qa.tickets.metrics.agent_metrics for all 500 agents over the quarter, against one plain SQL
  aggregate plus window-function medians on the baseline database.

Target: both ratios within 2x. Set TICKETS_BENCH_N for another size.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

N = int(os.environ.get("TICKETS_BENCH_N", "100000"))
AGENTS = 500
PAGE = 1000
START = datetime(2024, 1, 1, tzinfo=UTC)
RESULTS: list[dict] = []  # the summary table of `python -m bench`


def _write_export(path: Path) -> None:
    rng = random.Random(3)
    with open(path, "w", encoding="utf-8") as out:
        users = [{"id": 10_000 + a, "name": f"Agent {a}", "email": f"agent{a}@bench.test", "role": "agent"}
                 for a in range(AGENTS)]
        for first in range(0, N, PAGE):
            tickets, metrics = [], []
            for number in range(first, min(first + PAGE, N)):
                created = START + timedelta(minutes=rng.randint(0, 60 * 24 * 85))
                reply = rng.randint(1, 3000)
                resolution = reply + rng.randint(10, 5000)
                solved = created + timedelta(minutes=resolution)
                stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
                tickets.append({
                    "id": number + 1, "via": {"channel": rng.choice(("email", "web", "chat", "voice"))},
                    "created_at": stamp, "updated_at": solved.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "generated_timestamp": int(solved.timestamp()), "type": "question", "subject": f"Ticket {number}",
                    "priority": "normal", "status": "solved", "assignee_id": 10_000 + rng.randrange(AGENTS),
                    "group_id": 1, "tags": ["bench"],
                    "satisfaction_rating": {"score": rng.choice(("good", "good", "bad", "offered"))},
                })
                metrics.append({
                    "id": 900_000 + number, "ticket_id": number + 1, "reopens": rng.choice((0, 0, 0, 1)),
                    "replies": rng.randint(0, 4), "solved_at": solved.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "reply_time_in_minutes": {"calendar": reply, "business": reply},
                    "full_resolution_time_in_minutes": {"calendar": resolution, "business": resolution},
                })
            page = {"tickets": tickets, "metric_sets": metrics, "users": users if first == 0 else [],
                    "end_time": 0, "next_page": None, "count": len(tickets), "end_of_stream": first + PAGE >= N}
            out.write(json.dumps(page) + "\n")


BASE_SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, source TEXT, external_id TEXT, source_updated_at TEXT, agent_external_id TEXT,
  agent_id INTEGER, group_external_id TEXT, channel TEXT, priority TEXT, status TEXT, category TEXT, subject TEXT,
  tags TEXT, ticket_type TEXT, created_at TEXT, first_reply_at TEXT, solved_at TEXT, first_reply_minutes REAL,
  resolution_minutes REAL, reopens INTEGER, agent_replies INTEGER, csat TEXT, raw TEXT, imported_at TEXT,
  UNIQUE (source, external_id));
CREATE INDEX t_agent_solved ON t (agent_id, solved_at);
"""
CHANNEL = {"email": "email", "web": "web", "chat": "chat", "voice": "phone"}
SCORE = {"good": "positive", "bad": "negative"}


def _baseline_import(export: Path, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.executescript(BASE_SCHEMA)
    agents = {10_000 + a: a + 1 for a in range(AGENTS)}
    now = datetime.now(UTC).isoformat()
    with open(export, encoding="utf-8") as handle:
        for line in handle:
            page = json.loads(line)
            metrics = {m["ticket_id"]: m for m in page["metric_sets"]}
            rows = []
            for ticket in page["tickets"]:
                m = metrics[ticket["id"]]
                created = datetime.fromisoformat(ticket["created_at"])
                reply = m["reply_time_in_minutes"]["calendar"]
                rows.append((
                    "zendesk", str(ticket["id"]), datetime.fromtimestamp(ticket["generated_timestamp"], UTC).isoformat(),
                    str(ticket["assignee_id"]), agents[ticket["assignee_id"]], str(ticket["group_id"]),
                    CHANNEL[ticket["via"]["channel"]], ticket["priority"], ticket["status"], None, ticket["subject"],
                    json.dumps(ticket["tags"]), ticket["type"], created.isoformat(),
                    (created + timedelta(minutes=reply)).isoformat(), datetime.fromisoformat(m["solved_at"]).isoformat(),
                    float(reply), float(m["full_resolution_time_in_minutes"]["calendar"]), m["reopens"], m["replies"],
                    SCORE.get(ticket["satisfaction_rating"]["score"]), json.dumps({**ticket, "metric_set": m}), now))
            conn.executemany(
                "INSERT INTO t (source, external_id, source_updated_at, agent_external_id, agent_id, group_external_id,"
                " channel, priority, status, category, subject, tags, ticket_type, created_at, first_reply_at,"
                " solved_at, first_reply_minutes, resolution_minutes, reopens, agent_replies, csat, raw, imported_at)"
                " VALUES (" + ",".join("?" * 23) + ")", rows)
    conn.commit()
    conn.close()


def _baseline_metrics(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT agent_id, count(*), count(first_reply_minutes), sum(first_reply_minutes <= 1440), count(agent_replies),"
        " sum(agent_replies >= 1), sum(agent_replies = 1 AND reopens = 0), count(reopens), sum(reopens >= 1),"
        " count(csat), sum(csat = 'positive'), sum(agent_replies < 2) FROM t WHERE status IN ('solved', 'closed')"
        " AND solved_at >= ? AND solved_at < ? GROUP BY agent_id", ("2024-01-01", "2024-04-01")).fetchall()
    for column in ("first_reply_minutes", "resolution_minutes"):
        conn.execute(
            f"SELECT agent_id, avg(v) FROM (SELECT agent_id, {column} AS v, row_number() OVER (PARTITION BY agent_id"
            f" ORDER BY {column}) AS rn, count(*) OVER (PARTITION BY agent_id) AS n FROM t WHERE status IN"
            f" ('solved','closed') AND solved_at >= ? AND solved_at < ? AND {column} IS NOT NULL)"
            " WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY agent_id", ("2024-01-01", "2024-04-01")).fetchall()
    conn.close()
    return len(rows)


def run() -> list[str]:
    from flask_migrate import upgrade

    from qa.tickets.metrics import agent_metrics
    from qa.tickets.reference import Period
    from servicecraft import create_app
    from servicecraft.extensions import db
    from servicecraft.models import User

    folder = Path(tempfile.mkdtemp(prefix="bench-tickets-"))
    export = folder / "export.jsonl"
    _write_export(export)
    size_mb = export.stat().st_size / 1e6

    start = time.perf_counter()
    _baseline_import(export, folder / "baseline.db")
    baseline_import = time.perf_counter() - start

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'app.db'}",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        for a in range(AGENTS):
            user = User(email=f"agent{a}@bench.test", name=f"Agent {a}", password_hash="x")
            user.set_roles(["agent"])
            db.session.add(user)
        db.session.commit()
    runner = app.test_cli_runner()
    start = time.perf_counter()
    result = runner.invoke(args=["tickets", "import", "--source", "zendesk", str(export), "--json"])
    ours_import = time.perf_counter() - start
    outcome = json.loads(result.stdout)
    assert result.exit_code == 0 and outcome["created"] == N, result.output

    period = Period.of(date(2024, 1, 1), date(2024, 3, 31))
    with app.app_context():
        agent_metrics(period)  # warm
        start = time.perf_counter()
        figures = agent_metrics(period)
        ours_metrics = time.perf_counter() - start
        db.engine.dispose()
    _baseline_metrics(folder / "baseline.db")
    start = time.perf_counter()
    groups = _baseline_metrics(folder / "baseline.db")
    baseline_metrics = time.perf_counter() - start
    RESULTS[:] = [
        {"name": "tickets import vs raw sqlite3", "ours": f"{ours_import:.2f} s", "floor": f"{baseline_import:.2f} s",
         "ratio": ours_import / baseline_import, "target": "<= 2x", "ok": ours_import / baseline_import <= 2},
        {"name": "ticket metrics vs plain SQL", "ours": f"{ours_metrics * 1000:.1f} ms",
         "floor": f"{baseline_metrics * 1000:.1f} ms", "ratio": ours_metrics / baseline_metrics, "target": "<= 2x",
         "ok": ours_metrics / baseline_metrics <= 2},
    ]
    return [
        f"export: {N} Zendesk tickets for {AGENTS} agents, {size_mb:.1f} MB of JSON Lines pages",
        f"baseline sqlite3 parse + insert: {baseline_import:.2f} s",
        f"servicecraft tickets import: {ours_import:.2f} s ({N / ours_import:,.0f} tickets/s)",
        f"import ratio: {ours_import / baseline_import:.2f}x (target <= 2x)",
        f"baseline SQL aggregate + medians ({groups} agents): {baseline_metrics * 1000:.1f} ms",
        f"agent_metrics for {len(figures)} agents: {ours_metrics * 1000:.1f} ms",
        f"metrics ratio: {ours_metrics / baseline_metrics:.2f}x (target <= 2x)",
    ]
