"""Languages, the demo organisation, the audit log and the migrations."""

from __future__ import annotations

import pytest

from servicecraft.audit import AuditLogIsAppendOnly, record
from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User

DEMO_SIGN_INS = ["admin@demo.test", "manager@demo.test", "mentor@demo.test", "newhire@demo.test", "shopper@demo.test"]


def test_browser_asking_for_russian_gets_the_russian_sign_in(client):
    html = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ru">' in html
    assert ">Электронная почта</label>" in html and ">Пароль</label>" in html and 'value="Войти"' in html


@pytest.mark.parametrize(
    ("language", "sign_in"), [("uk", "Увійти"), ("ja", "サインイン"), ("en", "Sign in")]
)
def test_sign_in_is_translated_into_each_language(client, language, sign_in):
    html = client.get("/login", headers={"Accept-Language": language}).get_data(as_text=True)
    assert f'value="{sign_in}"' in html


def test_the_users_own_language_beats_the_browser(client, login, make_user):
    login(client, make_user(language="ja"))
    html = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="ja">' in html and "ホーム" in html


def test_language_switch_on_the_sign_in_page(client, csrf_token):
    response = client.post("/language", data={"language": "uk", "next": "/login", "csrf_token": csrf_token()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="uk">' in client.get("/login").get_data(as_text=True)
    assert client.post("/language", data={"language": "xx", "csrf_token": csrf_token()}).status_code == 400


def test_dates_are_localised(client, login, make_user):
    from datetime import date

    login(client, make_user(language="ru", start_date=date(2026, 3, 5)))
    assert "5 мар. 2026" in client.get("/profile").get_data(as_text=True)


def test_demo_loads_every_sign_in_and_dashboards_show_real_data(app, runner, client, csrf_token):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for email in DEMO_SIGN_INS:
        visitor = app.test_client()
        token = csrf_token.__wrapped__(visitor) if hasattr(csrf_token, "__wrapped__") else None
        html = visitor.get("/login").get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        response = visitor.post("/login", data={"email": email, "password": "demo-password", "csrf_token": token})
        assert response.status_code == 302, email
        assert visitor.get("/").status_code == 200
    manager = app.test_client()
    html = manager.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    manager.post("/login", data={"email": "manager@demo.test", "password": "demo-password", "csrf_token": token})
    page = manager.get("/").get_data(as_text=True)
    assert "Yekaterinburg" in page and "Phone support" in page and "Анна Смирнова" in page


def test_demo_refuses_a_database_with_real_people_unless_forced(runner, make_user):
    make_user(email="real.person@example.test")
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert runner.invoke(args=["demo", "--force"]).exit_code == 0


def test_demo_can_be_loaded_twice_without_duplicates(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert db.session.query(User).filter(User.email == "admin@demo.test").count() == 1


def test_audit_entries_cannot_be_changed(app):
    with app.app_context():
        entry = record(None, "user", 1, "created", after={"email": "a@example.test"})
        db.session.commit()
        entry.reason = "rewriting history"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()


def test_admin_filters_the_audit_log(app, client, login, make_user):
    admin = make_user(roles=["admin"])
    with app.app_context():
        record(None, "user", 7, "created")
        record(None, "branch", 3, "updated", before={"name": "Old"}, after={"name": "New"}, reason="renamed")
        db.session.commit()
    login(client, admin)
    html = client.get("/admin/audit?entity=branch").get_data(as_text=True)
    assert "branch #3" in html and "renamed" in html and "user #7" not in html


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
