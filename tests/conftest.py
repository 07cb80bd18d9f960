"""Fixtures: one app per test run (schema built by the migrations), a clean database per test.

Set DATABASE_URL to a PostgreSQL server to run the same tests there; a throwaway database
is created on that server for the run and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from servicecraft import create_app
from servicecraft.auth.services import hash_password
from servicecraft.extensions import db as _db

TEST_PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(TEST_PASSWORD)  # hashing is slow on purpose: do it once


def _postgres_database(url: str):
    """Create a fresh database on the server named by *url*; return its URL and a drop callback."""
    import psycopg

    base = make_url(url)
    name = f"servicecraft_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        from servicecraft.config import normalise_database_url

        fresh, drop = _postgres_database(normalise_database_url(url))
        yield fresh
        drop()
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-0123456789",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "CACHE_DIR": str(instance / "cache"),
            "RATELIMIT_ENABLED": True,
        }
    )
    from flask_migrate import upgrade

    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        _db.engine.dispose()


def _empty_all_tables(app) -> None:
    with app.app_context():
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(autouse=True)
def clean_database(request):
    """Empty every table after each test that used the app."""
    yield
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        _empty_all_tables(app)
        from servicecraft.extensions import limiter

        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a person: make_user(roles=["agent"], email=..., **attributes) -> detached User."""
    counter = {"n": 0}

    def make(roles=("agent",), email=None, name=None, **attributes):
        from servicecraft.models import User

        counter["n"] += 1
        with app.app_context():
            user = User(
                email=email or f"person{counter['n']}-{uuid.uuid4().hex[:6]}@example.test",
                name=name or f"Person {counter['n']}",
                password_hash=_PASSWORD_HASH,
                **attributes,
            )
            user.set_roles(roles)
            _db.session.add(user)
            _db.session.commit()
            _db.session.refresh(user)
            _db.session.expunge(user)
            return user

    return make


@pytest.fixture
def login():
    """Sign a test client in as *user* by writing the session (the auth tests use the real form)."""

    def do(client, user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return do


@pytest.fixture
def csrf_token(client):
    """Fetch a page and return the CSRF token the session holds."""

    def get(path="/login"):
        import re

        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    return get


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL") or "SQLite (temporary file)"
    return [f"servicecraft database: {make_url(url).render_as_string() if '://' in url else url}"]


ROOT = Path(__file__).resolve().parent.parent
