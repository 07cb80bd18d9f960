"""Security defaults: headers, error pages without tracebacks, size limit, production secret."""

from __future__ import annotations

import pytest

from servicecraft import create_app


def test_every_page_sends_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "There is nothing at this address." in html and "Traceback" not in html


def test_server_error_shows_a_plain_page_not_a_traceback(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "x" * 20,
                      "RATELIMIT_ENABLED": False})

    def broken():
        raise RuntimeError("internal detail that must not leak")

    from servicecraft.permissions import public

    app.add_url_rule("/broken", "broken", public(broken))
    response = app.test_client().get("/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "internal detail" not in html and "Traceback" not in html


def test_oversized_request_is_refused(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/login", data=b"x" * (limit + 1), content_type="application/octet-stream")
    assert response.status_code == 413


def test_production_refuses_the_default_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PRODUCTION": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    app = create_app({"PRODUCTION": True, "SECRET_KEY": "a-long-and-random-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/servicecraft")
    monkeypatch.setenv("SERVICECRAFT_TIMEZONE", "Europe/Moscow")
    monkeypatch.setenv("SERVICECRAFT_MAX_CONTENT_LENGTH", "1024")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/servicecraft"
    assert app.config["TIMEZONE"] == "Europe/Moscow" and app.config["MAX_CONTENT_LENGTH"] == 1024


def test_templates_and_static_folders_resolve(app, client):
    import os

    assert os.path.isfile(os.path.join(app.template_folder, "base.html"))
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and b"--brand" in response.data
    response.close()


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_sign_in_throttling_sees_the_client_behind_a_trusted_proxy(app):
    """Behind nginx every request comes from 127.0.0.1: with PROXY_HOPS the real address counts."""
    from flask import request

    from servicecraft import create_app

    behind = create_app({"TESTING": True, "SECRET_KEY": "x" * 20, "PROXY_HOPS": 1,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    seen = {}

    @behind.before_request
    def remember():
        seen["address"] = request.remote_addr

    behind.test_client().get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["address"] == "203.0.113.7"
    from servicecraft.extensions import db

    with behind.app_context():
        db.engine.dispose()
