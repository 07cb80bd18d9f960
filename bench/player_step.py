"""Server time of one role-play player step (POST + the page it redirects to) on the demo data.

Builds a throwaway SQLite database, loads the demo organisation, signs in as a new hire and
plays the shipped scenarios' model paths through the test client, timing every step. A
trivial route (/healthz) is timed in the same run as a baseline; the target is under 30 ms.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path

ROUNDS = 30
TARGET_MS = 30.0
RESULTS: list[dict] = []  # the summary table of `python -m bench`


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.2f} ms, p90 {sorted(samples)[int(len(samples) * 0.9) - 1]:.2f} ms"


def run() -> list[str]:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from servicecraft import create_app, demo
    from servicecraft.extensions import db
    from servicecraft.models import User
    from training.simulations import engine, services

    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        demo.load(force=True)
        user = db.session.scalar(select(User).where(User.email == "newhire4@demo.test"))
        user_id = user.get_id()
        slugs = [v.slug for v in services.current_versions()]
        routes = {slug: engine.model_path(services.scenario_of(services.current_version(slug))) for slug in slugs}
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, True
    page = client.get("/training/simulations/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    baseline, steps, pages = [], [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        client.get("/healthz")
        baseline.append((time.perf_counter() - start) * 1000)
    taken = 0
    while taken < ROUNDS:
        for slug in slugs:
            response = client.post(f"/training/simulations/scenarios/{slug}/start", data={"csrf_token": token})
            attempt_url = response.headers["Location"]
            for counter, action in enumerate(routes[slug]):
                data = {"csrf_token": token, "counter": str(counter)}
                if isinstance(action, engine.Choice):
                    data["choice"] = str(action.index)
                elif isinstance(action, engine.Classify):
                    data["category"] = action.category
                else:
                    data["reply"] = action.text
                start = time.perf_counter()
                response = client.post(attempt_url + "/step", data=data)
                steps.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 303, response.status_code
                start = time.perf_counter()
                client.get(response.headers["Location"])
                pages.append((time.perf_counter() - start) * 1000)
                taken += 1
    with app.app_context():
        db.engine.dispose()
    step_median = statistics.median(steps)
    ratio = step_median / statistics.median(baseline)
    RESULTS[:] = [{"name": "player step vs GET /healthz", "ours": f"{step_median:.2f} ms",
                   "floor": f"{statistics.median(baseline):.2f} ms", "ratio": ratio,
                   "target": f"step < {TARGET_MS:.0f} ms", "ok": step_median < TARGET_MS}]
    return [
        f"baseline GET /healthz: {_ms(baseline)} ({len(baseline)} requests)",
        f"player step POST: {_ms(steps)} ({len(steps)} steps)",
        f"player page GET after a step: {_ms(pages)}",
        f"step / baseline ratio: {ratio:.1f}x; step {step_median:.2f} ms is "
        f"{'under' if step_median < TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms target "
        f"(with the page it redirects to: {step_median + statistics.median(pages):.2f} ms)",
    ]
