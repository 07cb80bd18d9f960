"""Load test (issue 9): 200 concurrent users on gunicorn + PostgreSQL, 127.0.0.1 only, bounded in time.

Starts the server of bench/_server.py (a throwaway PostgreSQL database with the demo, gunicorn
with 2 workers), signs in once as each demo account used, then runs LOAD_USERS (default 200)
virtual users, started LOAD_RATE (default 50) a second, for LOAD_SECONDS (default 60). Each
user is one thread with its own keep-alive connection and a copy of its account's cookies, and
waits LOAD_WAIT_MIN..LOAD_WAIT_MAX seconds (default 2..6, a person reading the page) between
actions. The mix follows a contact centre's head count:

- 10 % managers: their dashboard (GET /) or the scorecards table (GET /qa/scorecards/);
- 20 % mentors: their dashboard;
- 70 % new hires: their dashboard now and then, mostly the role-play player: start an attempt
  (POST, then the attempt page it redirects to), then one step at a time along the scenario's
  model path (POST the step, GET the page it redirects to), then a new attempt.

Every answer other than the expected status (200 for pages, 303 for the forms), and every
connection error, is an error; the run must end with none. Prints the requests, errors,
requests per second and p50/p95/p99 latency, overall and by kind.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import defaultdict
from urllib.parse import urlsplit

from bench._server import Server

USERS = int(os.environ.get("LOAD_USERS", "200"))
RATE = float(os.environ.get("LOAD_RATE", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
WAIT = (float(os.environ.get("LOAD_WAIT_MIN", "2")), float(os.environ.get("LOAD_WAIT_MAX", "6")))
P95_TARGET_MS = float(os.environ.get("LOAD_P95_TARGET_MS", "2000"))
MANAGERS = ["manager@demo.test", "manager2@demo.test"]
MENTORS = ["mentor@demo.test", "mentor2@demo.test", "mentor3@demo.test"]
NEWHIRES = ["newhire@demo.test", "newhire2@demo.test", "newhire3@demo.test", "newhire4@demo.test"]
RESULTS: list[dict] = []


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class _Recorder:
    def __init__(self):
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []
        self.lock = threading.Lock()

    def call(self, kind: str, client, method: str, path: str, expected: int, form=None):
        began = time.perf_counter()
        try:
            response = client.post(path, form) if method == "POST" else client.get(path)
            status = response.status
        except OSError as error:
            response, status = None, f"{type(error).__name__}"
        took = (time.perf_counter() - began) * 1000
        with self.lock:
            self.latency[kind].append(took)
            if status != expected:
                self.errors[kind] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{method} {path} -> {status}")
        return response if status == expected else None


def _user(index: int, server: Server, sessions: dict, stop_at: float, recorder: _Recorder) -> None:
    rng = random.Random(index)
    share = index % 10
    if share == 0:
        role, email = "manager", MANAGERS[index % len(MANAGERS)]
    elif share <= 2:
        role, email = "mentor", MENTORS[index % len(MENTORS)]
    else:
        role, email = "newhire", NEWHIRES[index % len(NEWHIRES)]
    client = sessions[email].copy()
    slugs = sorted(server.routes)
    attempt, steps = None, []

    def pause() -> bool:
        left = stop_at - time.monotonic()
        time.sleep(max(0.0, min(left, rng.uniform(*WAIT))))
        return time.monotonic() < stop_at

    time.sleep(rng.uniform(0, WAIT[1]))  # users do not all click at the same instant
    while time.monotonic() < stop_at:
        if role == "manager":
            if rng.random() < 0.5:
                recorder.call("dashboard", client, "GET", "/", 200)
            else:
                recorder.call("scorecards", client, "GET", "/qa/scorecards/", 200)
        elif role == "mentor" or rng.random() < 0.15:
            recorder.call("dashboard", client, "GET", "/", 200)
        elif not steps:
            slug = rng.choice(slugs)
            response = recorder.call("player start", client, "POST", f"/training/simulations/scenarios/{slug}/start", 303, {})
            if response is not None:
                attempt = urlsplit(response.headers["Location"]).path
                steps = list(server.routes[slug])
                recorder.call("player page", client, "GET", attempt, 200)
        else:
            form = steps.pop(0)
            response = recorder.call("player step", client, "POST", attempt + "/step", 303, form)
            if response is None:
                steps = []
            else:
                recorder.call("player page", client, "GET", urlsplit(response.headers["Location"]).path, 200)
        if not pause():
            break


def run() -> list[str]:
    RESULTS.clear()
    recorder = _Recorder()
    with Server() as server:
        sessions = {email: server.client(email) for email in (*MANAGERS, *MENTORS, *NEWHIRES)}
        began = time.monotonic()
        stop_at = began + SECONDS
        threads = []
        for index in range(USERS):
            thread = threading.Thread(target=_user, args=(index, server, sessions, stop_at, recorder), daemon=True)
            thread.start()
            threads.append(thread)
            time.sleep(1 / RATE)
        for thread in threads:
            thread.join(max(1.0, stop_at - time.monotonic() + 90))  # bounded: a request times out after 60 s
        elapsed = time.monotonic() - began
        stuck = sum(thread.is_alive() for thread in threads)
    every = [ms for values in recorder.latency.values() for ms in values]
    errors = sum(recorder.errors.values()) + stuck
    lines = [f"{USERS} users ({USERS // 10} managers, {USERS * 2 // 10} mentors, the rest new hires), "
             f"think time {WAIT[0]:g}-{WAIT[1]:g} s, {SECONDS:g} s on gunicorn {server.workers}x{server.threads} + PostgreSQL",
             f"requests {len(every):,}, errors {errors}, {len(every) / elapsed:,.1f} requests/s, latency p50 "
             f"{_percentile(every, 0.5):,.0f} ms, p95 {_percentile(every, 0.95):,.0f} ms, p99 {_percentile(every, 0.99):,.0f} ms"]
    for kind in sorted(recorder.latency):
        values = recorder.latency[kind]
        lines.append(f"  {kind}: {len(values):,} requests, {recorder.errors[kind]} errors, p50 {_percentile(values, 0.5):,.0f} ms, "
                     f"p95 {_percentile(values, 0.95):,.0f} ms, p99 {_percentile(values, 0.99):,.0f} ms")
    if stuck:
        lines.append(f"  {stuck} users were still waiting for an answer at the end (counted as errors)")
    lines.extend(f"  error: {example}" for example in recorder.examples)
    p95 = _percentile(every, 0.95)
    RESULTS.append({"name": "load: errors", "ours": f"{errors} of {len(every):,}", "floor": "-", "ratio": None,
                    "target": "0", "ok": errors == 0 and len(every) > 0})
    RESULTS.append({"name": "load: p95 latency", "ours": f"{p95:,.0f} ms", "floor": "-", "ratio": None,
                    "target": f"<= {P95_TARGET_MS:,.0f} ms", "ok": p95 <= P95_TARGET_MS})
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
