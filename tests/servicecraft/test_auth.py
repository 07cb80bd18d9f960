"""Sign-in through the real form, throttling, sign-out, passwords and reset links."""

from __future__ import annotations

import re

from tests.conftest import TEST_PASSWORD


def _sign_in(client, csrf_token, email, password=TEST_PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(), **extra})


def test_login_form_has_labelled_fields_and_a_sign_in_button(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<label for="email">Email</label>', html)
    assert re.search(r'<label for="password">Password</label>', html)
    assert 'value="Sign in"' in html
    assert 'name="csrf_token"' in html
    assert html.count("<h1") == 1


def test_correct_password_signs_in_and_shows_the_dashboard(client, csrf_token, make_user):
    user = make_user(roles=["agent"], name="Nina Agent")
    response = _sign_in(client, csrf_token, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, Nina Agent" in page


def test_email_is_matched_case_insensitively(client, csrf_token, make_user):
    make_user(email="mixed@example.test")
    assert _sign_in(client, csrf_token, "  MIXED@Example.test ").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, csrf_token, make_user):
    user = make_user()
    response = _sign_in(client, csrf_token, user.email, "not the password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_email_gets_the_same_message(client, csrf_token):
    response = _sign_in(client, csrf_token, "nobody@example.test", "whatever-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_deactivated_person_cannot_sign_in(client, csrf_token, make_user):
    user = make_user(is_active_account=False)
    assert _sign_in(client, csrf_token, user.email).status_code == 401


def test_repeated_wrong_passwords_are_throttled_per_account(client, csrf_token, make_user):
    user = make_user()
    for _ in range(5):
        assert _sign_in(client, csrf_token, user.email, "wrong-password").status_code == 401
    blocked = _sign_in(client, csrf_token, user.email)  # even the right password now waits
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_throttle_counts_only_failures(client, csrf_token, make_user):
    user = make_user()
    for _ in range(8):
        assert _sign_in(client, csrf_token, user.email).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token("/")})


def test_throttle_per_address_covers_many_accounts(app, client, csrf_token):
    for n in range(20):
        assert _sign_in(client, csrf_token, f"guess{n}@example.test", "wrong-password").status_code == 401
    assert _sign_in(client, csrf_token, "another@example.test", "wrong-password").status_code == 429


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The form expired or was forged" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_forged_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400


def test_logout_is_a_post_and_ends_the_session(client, csrf_token, make_user, login):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token("/")})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(client, csrf_token, make_user):
    user = make_user()
    response = _sign_in(client, csrf_token, user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_parameter_never_leaves_the_site(client, csrf_token, make_user):
    user = make_user()
    token = csrf_token()
    response = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_signed_out_visitor_is_sent_to_sign_in_and_back(client, csrf_token, make_user):
    user = make_user(roles=["agent"])
    response = client.get("/profile")
    assert response.status_code == 302 and "/login?next=/profile" in response.headers["Location"]
    token = csrf_token()
    response = client.post("/login?next=/profile", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/profile"


def test_person_changes_their_password_and_other_sessions_end(app, client, csrf_token, make_user, login):
    user = make_user()
    other_device = app.test_client()
    login(other_device, user)
    login(client, user)
    response = client.post(
        "/profile/password",
        data={"current": TEST_PASSWORD, "new": "a brand new secret", "confirm": "a brand new secret", "csrf_token": csrf_token("/profile")},
    )
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200  # this session stays
    assert other_device.get("/profile").status_code == 302  # the other one is signed out
    client.post("/logout", data={"csrf_token": csrf_token("/")})
    assert _sign_in(client, csrf_token, user.email, "a brand new secret").status_code == 302


def test_password_change_needs_the_current_password_and_a_long_new_one(client, csrf_token, make_user, login):
    login(client, make_user())
    token = csrf_token("/profile")
    wrong = client.post("/profile/password", data={"current": "nope", "new": "long enough pw", "confirm": "long enough pw", "csrf_token": token})
    assert wrong.status_code == 422 and "This is not your current password." in wrong.get_data(as_text=True)
    short = client.post("/profile/password", data={"current": TEST_PASSWORD, "new": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 422 and "Use at least 10 characters." in short.get_data(as_text=True)


def test_reset_link_from_an_admin_works_once(app, client, csrf_token, make_user, login):
    admin = make_user(roles=["admin"])
    person = make_user(roles=["agent"])
    login(client, admin)
    response = client.post(f"/admin/people/{person.id}/reset-link", data={"csrf_token": csrf_token("/")}, follow_redirects=True)
    link = re.search(r"http://localhost(/reset/[A-Za-z0-9_\-]+)", response.get_data(as_text=True)).group(1)
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    html = visitor.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    done = visitor.post(link, data={"new": "fresh password 1", "confirm": "fresh password 1", "csrf_token": token})
    assert done.status_code == 302
    assert visitor.get(link).status_code == 404  # used once
    again = visitor.post("/login", data={"email": person.email, "password": "fresh password 1", "csrf_token": token})
    assert again.status_code == 302


def test_user_changes_their_language(client, csrf_token, make_user, login):
    login(client, make_user())
    response = client.post("/profile/preferences", data={"language": "ru", "timezone": "Europe/Moscow", "csrf_token": csrf_token("/profile")})
    assert response.status_code == 302
    assert "Ваш профиль" in client.get("/profile").get_data(as_text=True)
