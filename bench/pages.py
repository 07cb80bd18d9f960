"""Pages per second of the busiest pages against a bare Flask route on the same gunicorn (issue 9).

Starts gunicorn (2 workers) on 127.0.0.1 against a fresh PostgreSQL database with the demo
loaded (bench/_server.py), signs in as the demo manager, mentor and new hire, then keeps
PAGES_CLIENTS (default 8) keep-alive clients busy on one page at a time for PAGES_SECONDS
(default 5) after a one-second warm-up, and counts the 200 answers per second:

- GET /_bench/bare: a bare Flask route mounted beside the app (the floor);
- the dashboards (GET /) of a manager, a mentor and a new hire;
- the scorecards table (GET /scorecards/) as a manager;
- the role-play player page (GET /training/simulations/attempts/<id>) of a new hire's attempt.

Targets: a single page (the scorecards table, the player) serves at least 1/20 of the bare
route's rate; a dashboard at least 1/100. A page does a few queries and renders the full
layout; a dashboard gathers a dozen or more panels, each about a page's worth of queries
(its per-panel query counts are pinned by tests so they cannot grow with the data). At 100x
a 2-core server still serves about 40 dashboards a second; the load test's 200 users ask for
about 16. The bare route does no work at all, so the ratio says how much of the server's
capacity a page costs, measured by the same client on the same machine in the same run.
"""

from __future__ import annotations

import os
import threading
import time

from bench._server import BARE, Client, Server

CLIENTS = int(os.environ.get("PAGES_CLIENTS", "8"))
SECONDS = float(os.environ.get("PAGES_SECONDS", "5"))
TARGET = 20.0  # a single page
DASHBOARD_TARGET = 100.0  # a page of panels
RESULTS: list[dict] = []


def _rate(clients: list[Client], path: str) -> tuple[float, int]:
    """Requests per second answered 200 by *path* with one thread per client; and the count of other answers."""
    counts = [0] * len(clients)
    failures = [0] * len(clients)
    phase = {"measuring": False}
    stop = threading.Event()

    def work(index: int) -> None:
        client = clients[index]
        while not stop.is_set():
            try:
                ok = client.get(path).status == 200
            except OSError:
                ok = False
            if phase["measuring"]:
                if ok:
                    counts[index] += 1
                else:
                    failures[index] += 1

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # warm-up: connections open, caches and the database's buffers warm
    phase["measuring"] = True
    began = time.perf_counter()
    time.sleep(SECONDS)
    phase["measuring"] = False
    elapsed = time.perf_counter() - began
    stop.set()
    for thread in threads:
        thread.join(30)
    return sum(counts) / elapsed, sum(failures)


def run() -> list[str]:
    lines = []
    RESULTS.clear()
    with Server() as server:
        signed_in = {email: server.client(email) for email in ("manager@demo.test", "mentor@demo.test", "newhire@demo.test")}
        newhire = signed_in["newhire@demo.test"]
        slug, steps = next(iter(server.routes.items()))
        attempt = newhire.start_attempt(slug)
        for form in steps[: max(1, len(steps) // 2)]:  # half-way through: a conversation on the page
            assert newhire.post(attempt + "/step", form).status == 303
        pages = [
            ("bare Flask route", None, BARE),
            ("dashboard, manager", "manager@demo.test", "/"),
            ("dashboard, mentor", "mentor@demo.test", "/"),
            ("dashboard, new hire", "newhire@demo.test", "/"),
            ("scorecards table, manager", "manager@demo.test", "/qa/scorecards/"),
            ("role-play player, new hire", "newhire@demo.test", attempt),
        ]
        floor = 0.0
        lines.append(f"gunicorn {server.workers} workers x {server.threads} threads, PostgreSQL, {CLIENTS} clients, "
                     f"{SECONDS:g} s a page")
        for label, email, path in pages:
            for probe_email, probe in signed_in.items():  # each page answers 200 before it is timed
                if probe_email == email:
                    status = probe.get(path).status
                    assert status == 200, f"{label}: {path} answered {status}"
            clients = [signed_in[email].copy() if email else Client(server.port) for _ in range(CLIENTS)]
            rate, failures = _rate(clients, path)
            if email is None:
                floor = rate
                lines.append(f"{label} GET {path}: {rate:,.0f} requests/s")
                continue
            ratio = floor / rate if rate else float("inf")
            target = DASHBOARD_TARGET if label.startswith("dashboard") else TARGET
            ok = ratio <= target and failures == 0
            lines.append(f"{label} GET {path}: {rate:,.0f} pages/s, {ratio:.1f}x slower than the bare route"
                         f"{f', {failures} failed' if failures else ''} (target <= {target:g}x)")
            RESULTS.append({"name": f"pages: {label}", "ours": f"{rate:,.0f}/s", "floor": f"{floor:,.0f}/s (bare)",
                            "ratio": ratio, "target": f"<= {target:g}x", "ok": ok})
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
