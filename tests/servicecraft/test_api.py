"""The JSON API: bearer tokens, JSON errors, the OpenAPI document."""

from __future__ import annotations

import re

from servicecraft.extensions import db
from servicecraft.models import ApiToken


def _token_for(runner, email, name="tests"):
    result = runner.invoke(args=["tokens", "create", email, "--name", name])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_api_answers_401_json_without_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"]["code"] == "unauthorized" and "Bearer" in body["error"]["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_cli_token_acts_for_its_user(client, runner, make_user):
    user = make_user(roles=["mentor", "agent"], name="Maria Mentor")
    token = _token_for(runner, user.email)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == user.email and body["roles"] == ["agent", "mentor"] and body["name"] == "Maria Mentor"


def test_token_is_stored_hashed_and_last_use_recorded(app, client, runner, make_user):
    user = make_user()
    token = _token_for(runner, user.email)
    with app.app_context():
        stored = db.session.query(ApiToken).one()
        assert token not in (stored.token_hash, stored.prefix) and stored.last_used_at is None
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    with app.app_context():
        assert db.session.query(ApiToken).one().last_used_at is not None


def test_revoked_token_and_wrong_token_get_401(client, runner, make_user, login, csrf_token):
    user = make_user()
    token = _token_for(runner, user.email)
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer sc_wrong"}).status_code == 401
    login(client, user)
    html = client.get("/profile").get_data(as_text=True)
    revoke_url = re.search(r'action="(/profile/tokens/\d+/revoke)"', html).group(1)
    assert client.post(revoke_url, data={"csrf_token": csrf_token("/profile")}).status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_tokens_are_created_on_the_profile_page_and_shown_once(client, login, make_user, csrf_token):
    login(client, make_user())
    response = client.post("/profile/tokens", data={"name": "BI tool", "csrf_token": csrf_token("/profile")})
    secret = re.search(r'id="new-token" class="mono" readonly value="(sc_[^"]+)"', response.get_data(as_text=True)).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in client.get("/profile").get_data(as_text=True)


def test_session_cookie_does_not_authenticate_the_api(client, login, make_user):
    login(client, make_user())
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_someone_elses_token_cannot_be_revoked(client, runner, login, make_user, csrf_token):
    owner = make_user()
    token = _token_for(runner, owner.email)
    login(client, make_user())
    response = client.post("/profile/tokens/1/revoke", data={"csrf_token": csrf_token("/profile")})
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_cli_refuses_a_token_for_an_unknown_person(runner):
    result = runner.invoke(args=["tokens", "create", "ghost@example.test", "--name", "x"])
    assert result.exit_code == 1 and "nobody has the address" in result.stderr


def test_unknown_api_url_and_wrong_method_answer_json(client):
    missing = client.get("/api/v1/does-not-exist")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/api/v1/me")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/me" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    me = spec["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert me["$ref"].endswith("/Me")


def test_patch_me_changes_language_and_refuses_bad_input(app, client, runner, make_user):
    user = make_user(language="en")
    headers = {"Authorization": f"Bearer {_token_for(runner, user.email)}"}
    ok = client.patch("/api/v1/me", json={"language": "ru", "timezone": "Europe/Moscow"}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["language"] == "ru"
    bad_json = client.patch("/api/v1/me", data="{not json", content_type="application/json", headers=headers)
    assert bad_json.status_code == 400 and bad_json.get_json()["error"]["code"] == "bad_request"
    invalid = client.patch("/api/v1/me", json={"language": "xx", "colour": "red"}, headers=headers)
    body = invalid.get_json()["error"]
    assert invalid.status_code == 422 and set(body["fields"]) == {"language", "colour"}
    with app.app_context():
        from servicecraft.models import AuditEntry, User

        assert db.session.get(User, user.id).timezone == "Europe/Moscow"
        assert db.session.query(AuditEntry).filter_by(action="preferences_changed").count() == 1
