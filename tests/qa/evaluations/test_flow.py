"""Evaluations through the app: forms, drafts, evidence, validation, visibility, disputes, API."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from qa.evaluations import services
from qa.evaluations.models import Dispute, Evaluation, FormVersion
from servicecraft.auth.services import create_api_token
from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User
from tests.qa.evaluations.helpers import EXAMPLE_FORM, full_marks

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WHEN = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def people(make_user):
    mentor = make_user(roles=["mentor", "agent"], email="mentor@t.test")
    return {
        "manager": make_user(roles=["manager"], email="manager@t.test"),
        "shopper": make_user(roles=["shopper"], email="shopper@t.test"),
        "other_shopper": make_user(roles=["shopper"], email="shopper2@t.test"),
        "agent": make_user(roles=["agent"], email="agent@t.test", mentor_id=mentor.id),
        "other_agent": make_user(roles=["agent"], email="agent2@t.test"),
        "mentor": mentor,
    }


def _user(person) -> User:
    return db.session.get(User, person.id)


def _evaluation(app, people, *, status="released", answers=None):
    with app.app_context():
        version, _ = services.import_form(EXAMPLE_FORM, filename="f.yaml", actor=None)
        shopper, agent, manager = _user(people["shopper"]), _user(people["agent"]), _user(people["manager"])
        evaluation = services.start_evaluation(version, author=shopper, agent=agent, happened_at=WHEN)
        services.save_draft(evaluation, answers or full_marks(), shopper)
        if status != "draft":
            services.submit(evaluation, shopper)
        if status == "released":
            services.release(evaluation, manager)
        db.session.commit()
        return evaluation.id


def test_published_versions_are_immutable(app, people):
    with app.app_context():
        manager = _user(people["manager"])
        version, created = services.import_form(EXAMPLE_FORM, filename="f.yaml", actor=manager)
        assert created and version.status == "published"
        with pytest.raises(services.EvaluationError) as refused:
            services.update_draft(version, EXAMPLE_FORM.replace("weight: 3}", "weight: 5}"), manager)
        assert "cannot be changed" in str(refused.value)
        draft = services.new_draft(version.form, manager)
        assert draft.number == 2 and draft.status == "draft"
        services.update_draft(draft, EXAMPLE_FORM.replace("weight: 3}", "weight: 5}"), manager)
        services.publish(draft, manager)
        db.session.commit()
        assert services.latest_published("phone-shop").id == draft.id
        assert db.session.get(FormVersion, version.id).status == "retired"
        assert "weight: 3}" in db.session.get(FormVersion, version.id).source


def test_form_builder_preview_names_problems_and_publishes(app, client, people, login, csrf_token):
    login(client, people["manager"])
    token = csrf_token("/qa/evaluations/forms/new")
    bad = client.post("/qa/evaluations/forms/new", data={"csrf_token": token, "source": EXAMPLE_FORM.replace("max: 4", "max: 0"), "preview": "1"})
    assert bad.status_code == 422 and "field max" in bad.get_data(as_text=True)
    good = client.post("/qa/evaluations/forms/new", data={"csrf_token": token, "source": EXAMPLE_FORM, "preview": "1"})
    assert good.status_code == 200 and "Preview: Phone mystery shop" in good.get_data(as_text=True)
    saved = client.post("/qa/evaluations/forms/new", data={"csrf_token": token, "source": EXAMPLE_FORM, "save": "1"})
    assert saved.status_code == 302
    with app.app_context():
        version = db.session.scalar(select(FormVersion))
        assert version.status == "draft"
        version_id = version.id
    published = client.post(f"/qa/evaluations/forms/versions/{version_id}/publish", data={"csrf_token": token})
    assert published.status_code == 302
    edit = client.get(f"/qa/evaluations/forms/versions/{version_id}/edit")
    assert edit.status_code == 302  # a published version is not editable
    download = client.get(f"/qa/evaluations/forms/versions/{version_id}/download")
    assert download.get_data(as_text=True) == EXAMPLE_FORM


def test_shopper_fills_in_attaches_evidence_and_submits(app, client, people, login, csrf_token):
    evaluation_id = _evaluation(app, people, status="draft", answers={"greeting": True})
    login(client, people["shopper"])
    token = csrf_token(f"/qa/evaluations/drafts/{evaluation_id}")
    wrong = client.post(f"/qa/evaluations/drafts/{evaluation_id}", data={"csrf_token": token, "a_listened": "9", "save": "1"})
    assert wrong.status_code == 422 and "from 0 to 4" in wrong.get_data(as_text=True)
    gif = client.post(f"/qa/evaluations/drafts/{evaluation_id}/evidence",
                      data={"csrf_token": token, "item_id": "recording", "file": (io.BytesIO(JPEG), "x.mp3")},
                      content_type="multipart/form-data")
    assert gif.status_code == 422  # a JPEG is not a recording
    photo = client.post(f"/qa/evaluations/drafts/{evaluation_id}/evidence",
                        data={"csrf_token": token, "item_id": "receipt", "file": (io.BytesIO(JPEG), "r.jpg")},
                        content_type="multipart/form-data")
    assert photo.status_code == 302
    missing = client.post(f"/qa/evaluations/drafts/{evaluation_id}", data={"csrf_token": token, "submit": "1"})
    assert missing.status_code == 422 and "needs an answer" in missing.get_data(as_text=True)
    answers = {f"a_{k}": ("yes" if v is True else str(v)) for k, v in full_marks().items()}
    done = client.post(f"/qa/evaluations/drafts/{evaluation_id}", data={"csrf_token": token, "submit": "1", **answers})
    assert done.status_code == 302
    with app.app_context():
        evaluation = db.session.get(Evaluation, evaluation_id)
        assert evaluation.status == "submitted" and evaluation.score == 100.0
        assert evaluation.current_revision.answers["receipt"] == ["r.jpg"]
    # The shopper can no longer edit it; another shopper never could see it.
    assert client.get(f"/qa/evaluations/drafts/{evaluation_id}").status_code == 403
    login(client, people["other_shopper"])
    assert client.get(f"/qa/evaluations/{evaluation_id}").status_code == 403


def test_evidence_too_large_is_refused(app, people):
    evaluation_id = _evaluation(app, people, status="draft")
    with app.app_context():
        evaluation = db.session.get(Evaluation, evaluation_id)
        big = io.BytesIO(JPEG + b"\x00" * (8 * 1024 * 1024))
        with pytest.raises(services.EvaluationError) as refused:
            services.attach_evidence(evaluation, "receipt", big, "big.jpg", _user(people["shopper"]))
        assert "larger than 8 MB" in str(refused.value)
        with pytest.raises(services.EvaluationError):
            services.attach_evidence(evaluation, "greeting", io.BytesIO(JPEG), "x.jpg", _user(people["shopper"]))


def test_validator_returns_and_the_shopper_corrects(app, client, people, login, csrf_token):
    evaluation_id = _evaluation(app, people, status="submitted")
    login(client, people["manager"])
    token = csrf_token(f"/qa/evaluations/{evaluation_id}")
    client.post(f"/qa/evaluations/{evaluation_id}/return", data={"csrf_token": token, "comment": "Add the hold time"})
    login(client, people["shopper"])
    page = client.get(f"/qa/evaluations/drafts/{evaluation_id}")
    assert page.status_code == 200 and "Add the hold time" in page.get_data(as_text=True)
    token = csrf_token(f"/qa/evaluations/drafts/{evaluation_id}")
    assert client.post(f"/qa/evaluations/drafts/{evaluation_id}", data={"csrf_token": token, "submit": "1", "a_hold_time": "30"}).status_code == 302
    with app.app_context():
        evaluation = db.session.get(Evaluation, evaluation_id)
        assert evaluation.status == "submitted" and len(evaluation.revisions) == 2
        assert services.shopper_quality()[0]["returned_pct"] == 100.0


def test_agent_sees_only_own_released_and_mentor_mentees(app, client, people, login):
    released = _evaluation(app, people)
    waiting = _evaluation(app, people, status="submitted")
    login(client, people["agent"])
    assert client.get(f"/qa/evaluations/{released}").status_code == 200
    assert client.get(f"/qa/evaluations/{waiting}").status_code == 403
    mine = client.get("/qa/evaluations/").get_data(as_text=True)
    assert f"/qa/evaluations/{released}\"" in mine and f"/qa/evaluations/{waiting}\"" not in mine
    login(client, people["other_agent"])
    assert client.get(f"/qa/evaluations/{released}").status_code == 403
    login(client, people["mentor"])
    assert client.get(f"/qa/evaluations/{released}").status_code == 200
    assert client.get(f"/qa/evaluations/{waiting}").status_code == 403


def test_dispute_changes_the_score_with_a_revision_and_audit(app, client, people, login, csrf_token):
    evaluation_id = _evaluation(app, people, answers={**full_marks(), "greeting": False})
    login(client, people["agent"])
    token = csrf_token(f"/qa/evaluations/{evaluation_id}")
    assert client.post(f"/qa/evaluations/{evaluation_id}/dispute", data={"csrf_token": token, "reason": "I greeted"}).status_code == 302
    again = client.post(f"/qa/evaluations/{evaluation_id}/dispute", data={"csrf_token": token, "reason": "twice"})
    assert again.status_code == 302
    with app.app_context():
        disputes = db.session.scalars(select(Dispute)).all()
        assert len(disputes) == 1  # one open dispute at a time
        dispute_id = disputes[0].id
        before = db.session.get(Evaluation, evaluation_id).score
    login(client, people["other_agent"])
    assert client.post(f"/qa/evaluations/{evaluation_id}/dispute", data={"csrf_token": token, "reason": "x"}).status_code == 403
    login(client, people["manager"])
    token = csrf_token(f"/qa/evaluations/disputes/{dispute_id}")
    resolved = client.post(f"/qa/evaluations/disputes/{dispute_id}",
                           data={"csrf_token": token, "resolution": "The recording has it", "change": "1", "a_greeting": "yes"})
    assert resolved.status_code == 302
    with app.app_context():
        evaluation = db.session.get(Evaluation, evaluation_id)
        dispute = db.session.get(Dispute, dispute_id)
        assert dispute.status == "changed" and dispute.revision_id == evaluation.current_revision_id
        assert [r.score for r in evaluation.revisions] == [before, 100.0]
        assert evaluation.revisions[0].answers["greeting"] is False  # the old revision stays
        actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id.in_([str(evaluation_id), str(dispute_id)]))))
        assert {"disputed", "revised", "resolved"} <= actions
    login(client, people["agent"])
    assert "score changed" in client.get(f"/qa/evaluations/{evaluation_id}").get_data(as_text=True)


def test_evidence_is_served_only_to_those_who_may_see_it(app, client, people, login):
    with app.app_context():
        version, _ = services.import_form(EXAMPLE_FORM, filename="f.yaml", actor=None)
        evaluation = services.start_evaluation(version, author=_user(people["shopper"]), agent=_user(people["agent"]), happened_at=WHEN)
        evidence = services.attach_evidence(evaluation, "receipt", io.BytesIO(JPEG), "r.jpg", _user(people["shopper"]))
        db.session.commit()
        evidence_id = evidence.id
    login(client, people["agent"])
    assert client.get(f"/qa/evaluations/evidence/{evidence_id}").status_code == 403  # not released
    login(client, people["shopper"])
    response = client.get(f"/qa/evaluations/evidence/{evidence_id}")
    assert response.status_code == 200 and response.data == JPEG and response.mimetype == "image/jpeg"
    response.close()


def _bearer(app, person) -> dict:
    with app.app_context():
        _token, secret = create_api_token(_user(person), "test", actor=None)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_api_files_and_lists_evaluations_by_role(app, client, people):
    with app.app_context():
        services.import_form(EXAMPLE_FORM, filename="f.yaml", actor=None)
        db.session.commit()
    body = {"form": "phone-shop", "agent": "agent@t.test", "happened_at": "2024-05-01T10:00:00+03:00",
            "answers": {**full_marks(), "identified": "na", "polite": False}}
    assert client.post("/api/v1/evaluations", json=body).status_code == 401
    assert client.post("/api/v1/evaluations", json=body, headers=_bearer(app, people["agent"])).status_code == 403
    shopper = _bearer(app, people["shopper"])
    bad = client.post("/api/v1/evaluations", json={**body, "answers": {"greeting": "maybe", "listened": 7, "nope": 1}}, headers=shopper)
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert {"answers.greeting", "answers.listened", "answers.nope"} <= set(fields)
    missing = client.post("/api/v1/evaluations", json={**body, "answers": {"greeting": True}}, headers=shopper)
    assert missing.status_code == 422 and "answers.polite" in missing.get_json()["error"]["fields"]
    assert client.post("/api/v1/evaluations", json={**body, "agent": "ghost@t.test"}, headers=shopper).status_code == 422
    created = client.post("/api/v1/evaluations", json=body, headers=shopper)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["status"] == "submitted" and data["score"] == 0.0 and data["critical_fail"] is True

    assert client.get("/api/v1/evaluations", headers=shopper).get_json()["total"] == 1
    assert client.get("/api/v1/evaluations", headers=_bearer(app, people["other_shopper"])).get_json()["total"] == 0
    assert client.get("/api/v1/evaluations", headers=_bearer(app, people["agent"])).get_json()["total"] == 0
    manager = _bearer(app, people["manager"])
    listed = client.get("/api/v1/evaluations?form=phone-shop&status=submitted&from=2024-05-01&to=2024-05-01", headers=manager)
    assert listed.get_json()["total"] == 1
    assert client.get("/api/v1/evaluations?status=bogus", headers=manager).status_code == 422
    with app.app_context():
        services.release(db.session.get(Evaluation, data["id"]), None)
        db.session.commit()
    assert client.get("/api/v1/evaluations", headers=_bearer(app, people["agent"])).get_json()["total"] == 1
    assert client.get("/api/v1/evaluations", headers=_bearer(app, people["other_agent"])).get_json()["total"] == 0


def test_pages_render_for_managers(app, client, people, login):
    released = _evaluation(app, people)
    with app.app_context():
        services.open_dispute(db.session.get(Evaluation, released), _user(people["agent"]), "no")
        db.session.commit()
        form_id = db.session.get(Evaluation, released).form_version.form_id
    login(client, people["manager"])
    for url in ("/qa/evaluations/", "/qa/evaluations/forms", f"/qa/evaluations/forms/{form_id}", "/qa/evaluations/disputes",
                "/qa/evaluations/reports?from=2024-01-01&to=2024-06-30", f"/qa/evaluations/{released}",
                f"/qa/evaluations/{released}/revise", f"/qa/evaluations/forms/{form_id}/results", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get("/").get_data(as_text=True)
    assert "Open disputes" in home
    report = client.get("/qa/evaluations/reports?from=2024-01-01&to=2024-06-30").get_data(as_text=True)
    assert "100.0%" in report
