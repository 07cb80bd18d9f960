"""Admins manage people, teams and branches; CSV and CLI imports are all-or-nothing."""

from __future__ import annotations

import json

from sqlalchemy import select

from servicecraft.extensions import db
from servicecraft.models import AuditEntry, Branch, Team, User


def _admin_client(client, login, make_user):
    admin = make_user(roles=["admin"], email="boss@example.test")
    login(client, admin)
    return admin


def _new_person(client, csrf_token, **fields):
    data = {"email": "new.person@example.test", "name": "New Person", "roles": ["agent"], "language": "en",
            "timezone": "UTC", "team_id": 0, "branch_id": 0, "mentor_capacity": 0, "is_active": "y",
            "csrf_token": csrf_token("/admin/people/new")}
    data.update(fields)
    return client.post("/admin/people/new", data=data)


def test_admin_adds_a_person_with_roles_and_the_audit_log_records_it(app, client, csrf_token, login, make_user):
    _admin_client(client, login, make_user)
    response = _new_person(client, csrf_token, roles=["agent", "mentor"], mentor_capacity=3)
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
        assert person.roles == {"agent", "mentor"} and person.mentor_capacity == 3
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "user", AuditEntry.action == "created"))
        assert entry.actor_label == "boss@example.test" and entry.after["email"] == "new.person@example.test"


def test_duplicate_email_is_refused_beside_the_field(client, csrf_token, login, make_user):
    _admin_client(client, login, make_user)
    make_user(email="taken@example.test")
    response = _new_person(client, csrf_token, email="Taken@Example.test")
    assert response.status_code == 422
    assert "Someone already has this email address." in response.get_data(as_text=True)


def test_overlong_name_and_missing_role_are_named(app, client, csrf_token, login, make_user):
    _admin_client(client, login, make_user)
    response = _new_person(client, csrf_token, name="x" * 121, roles=[])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give at least one role." in html and "120" in html
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "new.person@example.test")) is None


def test_deactivating_signs_the_person_out_and_keeps_the_record(app, client, csrf_token, login, make_user):
    _admin_client(client, login, make_user)
    person = make_user(roles=["agent"])
    their_client = app.test_client()
    login(their_client, person)
    assert their_client.get("/").status_code == 200
    response = client.post(f"/admin/people/{person.id}", data={
        "email": person.email, "name": person.name, "roles": ["agent"], "language": "en", "timezone": "UTC",
        "team_id": 0, "branch_id": 0, "mentor_capacity": 0, "reason": "left the company",
        "csrf_token": csrf_token(f"/admin/people/{person.id}"),
    })
    assert response.status_code == 302
    assert their_client.get("/").status_code == 302
    with app.app_context():
        stored = db.session.get(User, person.id)
        assert stored is not None and not stored.is_active_account
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "updated"))
        assert entry.reason == "left the company" and entry.before["active"] is True and entry.after["active"] is False


def test_admin_cannot_deactivate_themselves(client, csrf_token, login, make_user):
    admin = _admin_client(client, login, make_user)
    response = client.post(f"/admin/people/{admin.id}", data={
        "email": admin.email, "name": admin.name, "roles": ["admin"], "language": "en", "timezone": "UTC",
        "team_id": 0, "branch_id": 0, "mentor_capacity": 0, "csrf_token": csrf_token("/"),
    })
    assert response.status_code == 422


def test_branches_and_teams_are_created_and_listed(app, client, csrf_token, login, make_user):
    _admin_client(client, login, make_user)
    token = csrf_token("/admin/branches/new")
    assert client.post("/admin/branches/new", data={"code": "SPB", "name": "Saint Petersburg", "region": "North-West", "csrf_token": token}).status_code == 302
    dup = client.post("/admin/branches/new", data={"code": "spb", "name": "Again", "csrf_token": token})
    assert dup.status_code == 422 and "Another branch has this code." in dup.get_data(as_text=True)
    with app.app_context():
        branch = db.session.scalar(select(Branch).where(Branch.code == "SPB"))
        assert branch.region == "North-West" and not branch.is_central
    assert client.post("/admin/teams/new", data={"name": "Night shift", "branch_id": branch.id, "csrf_token": token}).status_code == 302
    page = client.get("/admin/teams").get_data(as_text=True)
    assert "Night shift" in page and "Saint Petersburg" in page


def test_people_list_filters_by_role_and_search(client, login, make_user):
    _admin_client(client, login, make_user)
    make_user(roles=["shopper"], name="Sasha Shopper")
    make_user(roles=["agent"], name="Andrei Agent")
    page = client.get("/admin/people?role=shopper").get_data(as_text=True)
    assert "Sasha Shopper" in page and "Andrei Agent" not in page
    page = client.get("/admin/people?q=andrei").get_data(as_text=True)
    assert "Andrei Agent" in page and "Sasha Shopper" not in page


CSV_GOOD = """email,name,roles,team,branch,language,mentor_capacity,start_date
ann@example.test,Ann Example,agent,Phone support,MSK,ru,,2026-11-01
max@example.test,Max Mentor,mentor;agent,Phone support,MSK,en,3,2020-01-15
"""


def test_cli_import_creates_reports_and_upserts(app, runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(CSV_GOOD, encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == ["ann@example.test", "max@example.test"] and report["errors"] == []
    assert report["new_branches"] == ["MSK"] and report["new_teams"] == ["Phone support"]
    path.write_text(CSV_GOOD.replace("Ann Example", "Ann Renamed"), encoding="utf-8")
    again = json.loads(runner.invoke(args=["users", "import", str(path), "--json"]).stdout)
    assert again["created"] == [] and again["updated"] == ["ann@example.test", "max@example.test"]
    with app.app_context():
        ann = db.session.scalar(select(User).where(User.email == "ann@example.test"))
        max_ = db.session.scalar(select(User).where(User.email == "max@example.test"))
        assert ann.name == "Ann Renamed" and ann.language == "ru" and str(ann.start_date) == "2026-11-01"
        assert max_.roles == {"mentor", "agent"} and max_.mentor_capacity == 3 and max_.team.name == "Phone support"


def test_cli_import_with_any_bad_row_imports_nothing_and_names_rows(app, runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "email,name,roles,start_date\n"
        "good@example.test,Good Person,agent,\n"
        "not-an-email,Bad Email,agent,\n"
        "odd@example.test,Odd Role,wizard,2026-13-01\n"
        "good@example.test,Again,agent,\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["users", "import", str(path), "--json"])
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert any(e.startswith("row 3, column email") for e in errors)
    assert any(e.startswith("row 4, column roles") and "wizard" in e for e in errors)
    assert any(e.startswith("row 4, column start_date") for e in errors)
    assert any(e.startswith("row 5, column email") and "repeats row 2" in e for e in errors)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "good@example.test")) is None
        assert db.session.scalars(select(Team)).all() == []


def test_cli_import_refuses_a_file_without_required_columns(runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("email,full_name\nx@example.test,X\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "missing column(s) name, roles" in result.stderr and "unknown column(s) full_name" in result.stderr


def test_cli_users_create_prints_a_password_once_and_refuses_bad_roles(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "cli@example.test", "--name", "Cli Person", "--role", "agent"])
    assert result.exit_code == 0 and result.stdout.startswith("password: ")
    bad = runner.invoke(args=["users", "create", "--email", "x@example.test", "--name", "X", "--role", "king"])
    assert bad.exit_code == 1 and "roles: Unknown role: king" in bad.stderr
    dup = runner.invoke(args=["users", "create", "--email", "CLI@example.test", "--name", "Dup", "--role", "agent"])
    assert dup.exit_code == 1 and "email" in dup.stderr


def test_admin_uploads_a_csv_in_the_browser_form(app, client, csrf_token, login, make_user):
    _admin_client(client, login, make_user)
    import io

    response = client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(CSV_GOOD.encode()), "people.csv"), "csrf_token": csrf_token("/admin/people/import")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and "2 created, 0 updated." in response.get_data(as_text=True)
    bad = client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(b"\xff\xfe\x00bad"), "people.csv"), "csrf_token": csrf_token("/admin/people/import")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "not UTF-8" in bad.get_data(as_text=True)
