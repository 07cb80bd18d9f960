"""Servicecraft on gunicorn against a throwaway PostgreSQL database, for bench/pages.py and bench/load.py.

``with Server() as server:`` creates a database on BENCH_PG (default
``postgresql://postgres@127.0.0.1:5432/postgres``), migrates it, loads the demo organisation,
starts gunicorn (BENCH_WORKERS workers, default 2, gthread with BENCH_THREADS threads, default
4) on a free port of 127.0.0.1, waits for /healthz, and on exit stops gunicorn and drops the
database. The gunicorn app is :func:`wsgi_app`: the real app plus one bare Flask route,
``GET /_bench/bare``, the floor the busy pages are compared with (mounted here, not in the app).

:class:`Client` is a keep-alive HTTP/1.1 client (http.client) with a cookie jar and the sign-in
helper (GET /login for the CSRF token, then POST it with the demo password).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "demo-password"
BARE = "/_bench/bare"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def wsgi_app():
    """The gunicorn entry point: Servicecraft, with a bare Flask app mounted at /_bench."""
    from flask import Flask
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from servicecraft import create_app

    bare = Flask("bare")

    @bare.get("/bare")
    def _bare():
        return "ok"

    app = create_app()
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/_bench": bare.wsgi_app})
    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _play_routes(url: str, folder: Path) -> dict[str, list[dict[str, str]]]:
    """Migrate, load the demo and return every scenario's model path as step forms (without the CSRF token)."""
    from flask_migrate import upgrade

    from servicecraft import create_app, demo
    from servicecraft.extensions import db
    from training.simulations import engine, services

    app = create_app({"SECRET_KEY": "bench-secret-key-0123456789", "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_FOLDER": str(folder / "uploads")})
    routes: dict[str, list[dict[str, str]]] = {}
    with app.app_context():
        upgrade()
        demo.load(force=True)
        db.session.commit()
        for version in services.current_versions():
            forms = []
            for counter, action in enumerate(engine.model_path(services.scenario_of(version))):
                form = {"counter": str(counter)}
                if isinstance(action, engine.Choice):
                    form["choice"] = str(action.index)
                elif isinstance(action, engine.Classify):
                    form["category"] = action.category
                else:
                    form["reply"] = action.text
                forms.append(form)
            routes[version.slug] = forms
        db.session.remove()
        db.engine.dispose()
    return routes


class Server:
    """Gunicorn on 127.0.0.1 against a fresh PostgreSQL database with the demo loaded."""

    def __init__(self, workers: int | None = None, threads: int | None = None):
        self.workers = workers or int(os.environ.get("BENCH_WORKERS", "2"))
        self.threads = threads or int(os.environ.get("BENCH_THREADS", "4"))
        self.database = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="bench-server-"))
        self.process: subprocess.Popen | None = None
        self.routes: dict[str, list[dict[str, str]]] = {}
        base = urlsplit(PG)
        self.url = f"postgresql+psycopg://{base.netloc}/{self.database}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(statement)

    def __enter__(self) -> Server:
        self._admin(f'CREATE DATABASE "{self.database}"')
        try:
            self.routes = _play_routes(self.url, self.folder)
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        env = {**os.environ, "DATABASE_URL": self.url, "SECRET_KEY": secrets.token_urlsafe(32),
               "SERVICECRAFT_INSTANCE_PATH": str(self.folder), "SERVICECRAFT_UPLOAD_FOLDER": str(self.folder / "uploads")}
        env.pop("REDIS_URL", None)
        self.log = open(self.folder / "gunicorn.log", "wb")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT), "-w", str(self.workers), "-k", "gthread",
             "--threads", str(self.threads), "--keep-alive", "5", "--backlog", "2048",
             "--no-control-socket", "-b", f"127.0.0.1:{self.port}",
             "bench._server:wsgi_app()"], env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + (self.folder / "gunicorn.log").read_text(errors="replace")[-2000:])
            try:
                if Client(self.port).get("/healthz").status == 200 and Client(self.port).get(BARE).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
            if exc and exc[0] is not None:  # show why: the server's log goes with the folder
                print((self.folder / "gunicorn.log").read_text(errors="replace")[-4000:], file=sys.stderr)
        self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.folder, ignore_errors=True)

    def client(self, email: str | None = None) -> Client:
        client = Client(self.port)
        if email:
            client.login(email)
        return client


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """One user's keep-alive connection and cookies (not thread-safe: one per thread)."""

    IDLE = 3.0  # reconnect after this many idle seconds, under gunicorn's --keep-alive 5

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None
        self.last = 0.0
        self.token = ""

    def copy(self) -> Client:
        other = Client(self.port)
        other.cookies, other.token = dict(self.cookies), self.token
        return other

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None or time.monotonic() - self.last > self.IDLE:
            if self.connection is not None:
                self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self.connection

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = self._connect()
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            self.connection = None
            raise
        self.last = time.monotonic()
        for cookie in raw.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if not value or "max-age=0" in cookie.lower() or "expires=thu, 01 jan 1970" in cookie.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if (raw.headers.get("Connection") or "").lower() == "close":
            connection.close()
            self.connection = None
        return Response(raw.status, raw.headers, data)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Response:
        return self.request("POST", path, {"csrf_token": self.token, **form})

    def login(self, email: str) -> None:
        page = self.get("/login")
        self.token = _TOKEN.search(page.text).group(1)
        response = self.post("/login", {"email": email, "password": PASSWORD})
        if response.status not in (302, 303):
            raise RuntimeError(f"sign-in as {email} answered {response.status}")
        home = self.get("/")
        match = _TOKEN.search(home.text) or _TOKEN.search(self.get("/training/simulations/").text)
        if match:
            self.token = match.group(1)

    def start_attempt(self, slug: str) -> str:
        """POST the start button of *slug*; return the attempt's path."""
        response = self.post(f"/training/simulations/scenarios/{slug}/start", {})
        if response.status != 303:
            raise RuntimeError(f"starting {slug} answered {response.status}")
        return urlsplit(response.headers["Location"]).path
