"""Calibration sessions through the app: blind sheets, reveal, figures, agreed answers."""

import re
import warnings

import krippendorff
import pytest
from sqlalchemy import select

from qa.calibration.models import CalibrationSession, CalibrationSheet
from qa.calibration.stats import item_fractions
from qa.evaluations import services as evaluation_services
from servicecraft.extensions import db
from servicecraft.models import AuditEntry
from tests.qa.reviews.helpers import good_answers, review_form

NAN = float("nan")


def _people(make_user):
    owner = make_user(roles=["manager"], name="Olive Owner")
    second = make_user(roles=["manager"], name="Sam Second")
    mentor = make_user(roles=["mentor", "agent"], name="Mira Mentor")
    return owner, second, mentor


def _open(app, client, csrf_token, login, owner, reviewers):
    with app.app_context():
        version_id = review_form().id
        db.session.commit()
    login(client, owner)
    response = client.post("/qa/calibration/new", data={
        "csrf_token": csrf_token("/qa/calibration/new"), "title": "Refund call", "form_version_id": version_id,
        "description": "Customer asks for a refund of a double charge.", "reviewer_ids": [r.id for r in reviewers]})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalar(select(CalibrationSession.id).order_by(CalibrationSession.id.desc()))


def _submit(app, login, person, session_id, answers):
    client = app.test_client()
    login(client, person)
    html = client.get(f"/qa/calibration/{session_id}/sheet").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/qa/calibration/{session_id}/sheet", data={**answers, "csrf_token": token, "action": "submit"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


SHEETS = [
    good_answers(),
    {**good_answers(), "item-accuracy": "1", "item-literate": "yes", "item-apologised": "yes"},
    {**good_answers(), "item-accuracy": "2", "item-fair_solution": "1", "item-concise": "no"},
]


def test_reviewers_score_blind_until_the_owner_reveals(app, client, make_user, login, csrf_token):
    owner, second, mentor = _people(make_user)
    session_id = _open(app, client, csrf_token, login, owner, [second, mentor])
    second_client = _submit(app, login, second, session_id, SHEETS[1])
    with app.app_context():
        sheets = {s.reviewer_id: s.id for s in db.session.scalars(select(CalibrationSheet))}
    # The mentor has not submitted yet and cannot see the second reviewer's sheet.
    mentor_client = app.test_client()
    login(mentor_client, mentor)
    assert mentor_client.get(f"/qa/calibration/sheets/{sheets[second.id]}").status_code == 403
    page = mentor_client.get(f"/qa/calibration/{session_id}").get_data(as_text=True)
    assert f"/qa/calibration/sheets/{sheets[second.id]}" not in page and "overall-alpha" not in page
    # Not even the owner sees the answers before the reveal.
    assert client.get(f"/qa/calibration/sheets/{sheets[second.id]}").status_code == 403
    # The reviewer sees their own sheet.
    assert second_client.get(f"/qa/calibration/sheets/{sheets[second.id]}").status_code == 200
    # A reveal with one submitted sheet is refused.
    token = csrf_token(f"/qa/calibration/{session_id}")
    client.post(f"/qa/calibration/{session_id}/reveal", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(CalibrationSession, session_id).status == "open"
    _submit(app, login, mentor, session_id, SHEETS[2])
    # Another manager who does not own the session cannot reveal it.
    stranger = make_user(roles=["manager"])
    stranger_client = app.test_client()
    login(stranger_client, stranger)
    html = stranger_client.get(f"/qa/calibration/{session_id}").get_data(as_text=True)
    stoken = re.search(r'name="csrf_token" value="([^"]+)"', html)
    stoken = stoken.group(1) if stoken else csrf_token("/qa/calibration/")
    assert stranger_client.post(f"/qa/calibration/{session_id}/reveal", data={"csrf_token": stoken}).status_code == 403
    assert client.post(f"/qa/calibration/{session_id}/reveal", data={"csrf_token": token}).status_code == 302
    assert mentor_client.get(f"/qa/calibration/sheets/{sheets[second.id]}").status_code == 200
    # A revealed session's sheets are final.
    again = mentor_client.get(f"/qa/calibration/{session_id}/sheet").get_data(as_text=True)
    assert 'name="item-accuracy"' not in again


def test_an_uninvited_mentor_cannot_open_the_session(app, client, make_user, login, csrf_token):
    owner, second, mentor = _people(make_user)
    session_id = _open(app, client, csrf_token, login, owner, [owner, second])
    other = app.test_client()
    login(other, mentor)
    assert other.get(f"/qa/calibration/{session_id}").status_code == 403
    assert other.get(f"/qa/calibration/{session_id}/sheet").status_code == 403
    assert "Refund call" not in other.get("/qa/calibration/").get_data(as_text=True)


def _reference_alpha(rows):
    data = [[NAN if v is None else v for v in row] for row in rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"))


def test_alpha_on_the_page_equals_the_krippendorff_package(app, client, make_user, login, csrf_token):
    owner, second, mentor = _people(make_user)
    session_id = _open(app, client, csrf_token, login, owner, [owner, second, mentor])
    for person, answers in zip((owner, second, mentor), SHEETS):
        _submit(app, login, person, session_id, answers)
    token = csrf_token(f"/qa/calibration/{session_id}")
    client.post(f"/qa/calibration/{session_id}/reveal", data={"csrf_token": token})
    page = client.get(f"/qa/calibration/{session_id}").get_data(as_text=True)
    shown = float(re.search(r'id="overall-alpha" data-alpha="([^"]+)"', page).group(1))
    with app.app_context():
        form = evaluation_services.definition(review_form())
        session = db.session.get(CalibrationSession, session_id)
        rows = []
        for sheet in session.sheets:   # one row per reviewer, one column per scored item
            fractions = item_fractions(form, sheet.answers)
            rows.append([fractions[item.id] for item in form.scored_items()])
    expected = _reference_alpha(rows)
    assert shown == pytest.approx(expected, abs=1e-9)
    assert f"{expected:.3f}" in page
    # Spread of scores is shown too.
    assert "3 scores from" in page


def test_agreed_answers_are_recorded_and_audited(app, client, make_user, login, csrf_token):
    owner, second, mentor = _people(make_user)
    session_id = _open(app, client, csrf_token, login, owner, [second, mentor])
    # Before the reveal there is nothing to agree on.
    assert client.get(f"/qa/calibration/{session_id}/agreed").status_code == 302
    _submit(app, login, second, session_id, SHEETS[0])
    _submit(app, login, mentor, session_id, SHEETS[1])
    token = csrf_token(f"/qa/calibration/{session_id}")
    client.post(f"/qa/calibration/{session_id}/reveal", data={"csrf_token": token})
    incomplete = {**SHEETS[0]}
    del incomplete["item-polite"]
    response = client.post(f"/qa/calibration/{session_id}/agreed", data={**incomplete, "csrf_token": token})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(CalibrationSession, session_id).reference_answers is None
    response = client.post(f"/qa/calibration/{session_id}/agreed",
                           data={**SHEETS[0], "csrf_token": token, "notes": "Accuracy is 3: one detail was missing."})
    assert response.status_code == 302
    with app.app_context():
        session = db.session.get(CalibrationSession, session_id)
        assert session.status == "agreed" and session.reference_answers["accuracy"] == 3
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "calibration_session",
                                                           AuditEntry.action == "agree"))
        assert entry.after["reference_answers"]["accuracy"] == 3 and entry.actor_id == owner.id
    page = client.get(f"/qa/calibration/{session_id}").get_data(as_text=True)
    assert "Accuracy is 3" in page and "recorded the agreed answers" in page
    # Changing them needs a reason, and keeps the earlier answers in the audit log.
    changed = {**SHEETS[0], "item-accuracy": "4"}
    response = client.post(f"/qa/calibration/{session_id}/agreed", data={**changed, "csrf_token": token})
    assert response.status_code == 422 and "Say why the agreed answers change." in response.get_data(as_text=True)
    response = client.post(f"/qa/calibration/{session_id}/agreed",
                           data={**changed, "csrf_token": token, "reason": "Re-listened: it was complete."})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "revise_agreed"))
        assert entry.before["reference_answers"]["accuracy"] == 3 and entry.after["reference_answers"]["accuracy"] == 4
        assert entry.reason == "Re-listened: it was complete."


def test_a_session_needs_two_reviewers_and_an_interaction(app, client, make_user, login, csrf_token):
    owner, second, _mentor = _people(make_user)
    with app.app_context():
        version_id = review_form().id
        db.session.commit()
    login(client, owner)
    response = client.post("/qa/calibration/new", data={
        "csrf_token": csrf_token("/qa/calibration/new"), "title": "X", "form_version_id": version_id,
        "reviewer_ids": [second.id]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Invite at least two reviewers." in page
    assert "Pick a ticket, or describe the interaction or give its recording." in page
    with app.app_context():
        assert db.session.scalar(select(CalibrationSession)) is None
