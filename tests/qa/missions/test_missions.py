"""Mystery-shop missions through the real app: claim, work, submit, validate, pay."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from qa.evaluations import services as evaluations
from qa.missions import services
from qa.missions.models import Mission, MissionEvent
from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User
from tests.qa.missions.helpers import FULL_ANSWERS, PNG, make_mission


@pytest.fixture
def people(make_user):
    return {
        "manager": make_user(roles=["manager"], name="Quinn Lead"),
        "shopper": make_user(roles=["shopper"], name="Sam Shopper"),
        "shopper2": make_user(roles=["shopper"], name="Tess Shopper"),
    }


def _mission(app, people, **options) -> int:
    with app.app_context():
        manager = db.session.get(User, people["manager"].id)
        shopper = db.session.get(User, people[options.pop("shopper")].id) if "shopper" in options else None
        mission = make_mission(manager, shopper=shopper, **options)
        db.session.commit()
        return mission.id


def _get(app, mission_id) -> Mission:
    db.session.remove()
    return db.session.get(Mission, mission_id)


def _post_work(client, csrf_token, mission_id, answers=None, action="save", files=None):
    data = {"csrf_token": _token_for(client, f"/qa/missions/{mission_id}"), "action": action, **(answers or {})}
    for name, (content, filename) in (files or {}).items():
        data[name] = FileStorage(io.BytesIO(content), filename=filename)
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(MultiDict(data))
    return client.post(f"/qa/missions/{mission_id}/work", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_only_the_first_of_two_racing_shoppers_gets_a_mission(app, people, login, csrf_token):
    mission_id = _mission(app, people, publish=True)
    first, second = app.test_client(), app.test_client()
    login(first, people["shopper"])
    login(second, people["shopper2"])
    board = second.get("/qa/missions/board").get_data(as_text=True)
    assert "Branch visit" in board
    token1, token2 = _token_for(first, "/qa/missions/board"), _token_for(second, "/qa/missions/board")

    won = first.post(f"/qa/missions/{mission_id}/claim", data={"csrf_token": token1})
    assert won.status_code == 302 and won.headers["Location"].endswith(f"/qa/missions/{mission_id}")
    lost = second.post(f"/qa/missions/{mission_id}/claim", data={"csrf_token": token2}, follow_redirects=True)
    assert "another shopper has just claimed this mission" in lost.get_data(as_text=True)
    with app.app_context():
        mission = db.session.get(Mission, mission_id)
        assert mission.shopper_id == people["shopper"].id and mission.status == "assigned"
        assert [e.action for e in mission.events] == ["created", "published", "claimed"]
    # The claimed mission has left the job board, and the loser cannot open it.
    assert "Branch visit" not in second.get("/qa/missions/board").get_data(as_text=True)
    assert second.get(f"/qa/missions/{mission_id}").status_code == 403


def test_the_claim_is_a_conditional_update_not_a_check_of_a_stale_object(app, people):
    mission_id = _mission(app, people, publish=True)
    with app.app_context():
        loser = db.session.get(User, people["shopper2"].id)
        stale = db.session.get(Mission, mission_id)
        assert stale.status == "published"
        # Another request claims it meanwhile, on its own connection.
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE qa_mission SET status = 'assigned', shopper_id = :s WHERE id = :i"),
                         {"s": people["shopper"].id, "i": mission_id})
        with pytest.raises(services.MissionError, match="another shopper"):
            services.claim(mission_id, loser)
        db.session.rollback()
        assert db.session.get(Mission, mission_id).shopper_id == people["shopper"].id


def test_timer_seconds_and_a_draft_are_saved(app, people, login, csrf_token):
    mission_id = _mission(app, people, shopper="shopper")
    client = app.test_client()
    login(client, people["shopper"])
    page = client.get(f"/qa/missions/{mission_id}").get_data(as_text=True)
    assert "Ask about <strong>accounts</strong>" in page and 'data-timer-input="input-queue_time"' in page
    response = _post_work(client, csrf_token, mission_id, {
        "answer-queue_time": "95", "answer-greeted": "no", "answer-notes": "Long queue at the desk.",
        "timer_started_at": "2026-05-04T09:00:00.000Z", "timer_stopped_at": "2026-05-04T09:01:35.000Z"})
    assert response.status_code == 302
    with app.app_context():
        mission = _get(app, mission_id)
        assert mission.status == "in_progress" and mission.wait_seconds == 95
        assert mission.timer_started_at == datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
        assert mission.timer_stopped_at == datetime(2026, 5, 4, 9, 1, 35, tzinfo=UTC)
        assert mission.evaluation.draft_answers == {"queue_time": 95, "greeted": False, "notes": "Long queue at the desk."}
        assert mission.evaluation.kind == "mystery_shop" and mission.evaluation.agent_id == mission.agent_id
    page = client.get(f"/qa/missions/{mission_id}").get_data(as_text=True)
    assert 'name="answer-greeted" value="no" checked' in page and 'value="95"' in page
    # Clearing an answer in a later save removes it from the draft.
    _post_work(client, csrf_token, mission_id, {"answer-queue_time": "95", "answer-greeted": ""})
    with app.app_context():
        assert "greeted" not in _get(app, mission_id).evaluation.draft_answers


def test_a_bad_answer_is_named_and_nothing_is_saved(app, people, login, csrf_token):
    mission_id = _mission(app, people, shopper="shopper")
    client = app.test_client()
    login(client, people["shopper"])
    _post_work(client, csrf_token, mission_id, {"answer-queue_time": "60"})
    response = _post_work(client, csrf_token, mission_id, {"answer-queue_time": "soon", "answer-expertise": "9"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give the waiting time as a number of seconds" in html and "from 0 to 4" in html
    with app.app_context():
        assert _get(app, mission_id).evaluation.draft_answers == {"queue_time": 60}


def test_evidence_of_the_wrong_type_or_too_large_is_refused(app, people, login, csrf_token):
    mission_id = _mission(app, people, shopper="shopper")
    client = app.test_client()
    login(client, people["shopper"])
    wrong = _post_work(client, csrf_token, mission_id, {"answer-queue_time": "30"},
                       files={"evidence-receipt_photo": (b"%PDF-1.4 not a photo", "receipt.png")})
    assert wrong.status_code == 422
    assert "This file type is not accepted" in wrong.get_data(as_text=True)
    huge = _post_work(client, csrf_token, mission_id, {"answer-queue_time": "30"},
                      files={"evidence-receipt_photo": (PNG + b"\0" * (8 * 1024 * 1024 + 10), "big.png")})
    assert huge.status_code == 422
    assert "larger than 8 MB" in huge.get_data(as_text=True)
    with app.app_context():
        mission = _get(app, mission_id)
        assert mission.evaluation is None or (not mission.evaluation.evidence and not mission.evaluation.draft_answers)
    good = _post_work(client, csrf_token, mission_id, {"answer-queue_time": "30"},
                      files={"evidence-receipt_photo": (PNG, "receipt.png")})
    assert good.status_code == 302
    with app.app_context():
        mission = _get(app, mission_id)
        [evidence] = mission.evaluation.evidence
        assert evidence.content_type == "image/png" and evidence.item_id == "receipt_photo"
        evidence_id = evidence.id
    photo = client.get(f"/qa/missions/{mission_id}/evidence/{evidence_id}")
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
    photo.close()  # the file is streamed
    other = app.test_client()
    login(other, people["shopper2"])
    assert other.get(f"/qa/missions/{mission_id}/evidence/{evidence_id}").status_code == 403


def test_a_shopper_cannot_work_on_or_submit_a_mission_that_is_not_theirs(app, people, login, csrf_token, make_user):
    mission_id = _mission(app, people, shopper="shopper")
    other = app.test_client()
    login(other, people["shopper2"])
    assert other.get(f"/qa/missions/{mission_id}").status_code == 403
    token = _token_for(other)
    assert other.post(f"/qa/missions/{mission_id}/work", data={"csrf_token": token, "action": "submit",
                                                                 **FULL_ANSWERS}).status_code == 403
    assert other.post(f"/qa/missions/{mission_id}/submit", data={"csrf_token": token}).status_code == 403
    # Agents never see missions.
    agent = make_user(roles=["agent"])
    agent_client = app.test_client()
    login(agent_client, agent)
    assert agent_client.get("/qa/missions/").status_code == 403
    assert agent_client.get(f"/qa/missions/{mission_id}").status_code == 403
    with app.app_context():
        assert _get(app, mission_id).status == "assigned"


def test_submit_needs_every_required_answer_and_keeps_the_draft(app, people, login, csrf_token):
    mission_id = _mission(app, people, shopper="shopper")
    client = app.test_client()
    login(client, people["shopper"])
    response = _post_work(client, csrf_token, mission_id, {"answer-queue_time": "30"}, action="submit")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "was not submitted" in html and "needs an answer" in html
    with app.app_context():
        mission = _get(app, mission_id)
        assert mission.status == "in_progress" and mission.evaluation.draft_answers == {"queue_time": 30}
        assert mission.evaluation.status == "draft"


def test_return_correct_resubmit_validate_release_and_pay(app, people, login, csrf_token):
    mission_id = _mission(app, people, shopper="shopper")
    shopper, lead = app.test_client(), app.test_client()
    login(shopper, people["shopper"])
    login(lead, people["manager"])
    answers = dict(FULL_ANSWERS, **{"answer-queue_time": "700"})
    submitted = _submit(shopper, mission_id, answers)
    assert submitted.status_code == 302

    queue = lead.get("/qa/missions/queue").get_data(as_text=True)
    assert "Branch visit" in queue
    page = lead.get(f"/qa/missions/{mission_id}").get_data(as_text=True)
    assert "700 s" in page and "Validate and release" in page
    with app.app_context():
        mission = _get(app, mission_id)
        first_score = mission.evaluation.score
        agent = db.session.get(User, mission.agent_id)
        assert not evaluations.can_view_evaluation(agent, mission.evaluation)

    token = _token_for(lead, f"/qa/missions/{mission_id}")
    empty = lead.post(f"/qa/missions/{mission_id}/return", data={"csrf_token": token, "comment": " "})
    assert empty.status_code in (302, 303)
    with app.app_context():
        assert _get(app, mission_id).status == "submitted"
    lead.post(f"/qa/missions/{mission_id}/return", data={"csrf_token": token, "comment": "The queue time looks wrong; check it."})
    with app.app_context():
        assert _get(app, mission_id).status == "returned"

    page = shopper.get(f"/qa/missions/{mission_id}").get_data(as_text=True)
    assert "The queue time looks wrong; check it." in page and "Resubmit the shop" in page
    assert _submit(shopper, mission_id, dict(FULL_ANSWERS, **{"answer-queue_time": "240"})).status_code == 302

    validated = lead.post(f"/qa/missions/{mission_id}/validate", data={"csrf_token": token})
    assert validated.status_code == 302
    with app.app_context():
        mission = _get(app, mission_id)
        assert mission.status == "validated" and mission.fee_status == "due"
        evaluation = mission.evaluation
        assert evaluation.status == "released"
        assert [r.answers["queue_time"] for r in evaluation.revisions] == [700, 240]
        assert evaluation.score > first_score  # the corrected timer is within the 600 s limit
        agent = db.session.get(User, mission.agent_id)
        assert evaluations.can_view_evaluation(agent, evaluation)
        assert [e.action for e in mission.events] == [
            "created", "assigned", "started", "submitted", "returned", "resubmitted", "validated"]
        assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.entity == "qa_mission", AuditEntry.action == "return"))

    # Already validated: neither saving nor submitting is possible any more.
    again = _submit(shopper, mission_id, FULL_ANSWERS)
    assert again.status_code == 409 and "already been submitted" in again.get_data(as_text=True)
    assert shopper.post(f"/qa/missions/{mission_id}/submit",
                        data={"csrf_token": _token_for(shopper)}).status_code == 409

    history = shopper.get("/qa/missions/history").get_data(as_text=True)
    assert "€25.50" in history and "due" in history
    lead.post(f"/qa/missions/{mission_id}/paid", data={"csrf_token": token})
    with app.app_context():
        mission = _get(app, mission_id)
        assert mission.fee_status == "paid" and mission.fee_paid_at is not None
        assert services.fee_totals([mission]) == {"due": {}, "paid": {"EUR": 25.5}}
    assert "paid on" in shopper.get("/qa/missions/history").get_data(as_text=True)
    twice = lead.post(f"/qa/missions/{mission_id}/paid", data={"csrf_token": token})
    assert twice.status_code == 409


def _token_for(client, path="/qa/missions/"):
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    return match.group(1)


def _submit(client, mission_id, answers):
    data = {"csrf_token": _token_for(client, f"/qa/missions/{mission_id}"), "action": "submit", **answers}
    return client.post(f"/qa/missions/{mission_id}/work", data=data, content_type="multipart/form-data")


def test_a_qa_lead_creates_assigns_and_cancels_a_mission(app, people, login):
    with app.app_context():
        manager = db.session.get(User, people["manager"].id)
        make_mission(manager, title="Seed")  # loads the forms and a branch
        db.session.commit()
        from qa.evaluations.services import latest_published
        from servicecraft.models import Branch

        version_id = latest_published("phone-shop").id
        branch_id = db.session.scalar(select(Branch.id).where(Branch.code == "MB1"))
    lead = app.test_client()
    login(lead, people["manager"])
    token = _token_for(lead, "/qa/missions/new")
    form = {"csrf_token": token, "title": "Phone shop: MB1", "channel": "phone", "form_version_id": version_id,
            "branch_id": branch_id, "agent_id": 0, "window_start": "2030-05-01T09:00", "window_end": "2030-04-30T18:00",
            "brief": "Call.", "scenario_slug": "", "fee": "12.50", "currency": "eur"}
    bad = lead.post("/qa/missions/new", data=form)
    assert bad.status_code == 422 and "must end after it starts" in bad.get_data(as_text=True)
    no_target = lead.post("/qa/missions/new", data=dict(form, branch_id=0, window_end="2030-05-02T18:00"))
    assert no_target.status_code == 422 and "branch or the agent" in no_target.get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalar(select(Mission.id).where(Mission.title == "Phone shop: MB1"))
    created = lead.post("/qa/missions/new", data=dict(form, window_end="2030-05-02T18:00"))
    assert created.status_code == 302
    with app.app_context():
        mission = db.session.scalar(select(Mission).where(Mission.title == "Phone shop: MB1"))
        assert mission.status == "draft" and mission.fee_cents == 1250 and mission.currency == "EUR"
        mission_id = mission.id
    lead.post(f"/qa/missions/{mission_id}/assign", data={"csrf_token": token, "shopper_id": people["shopper2"].id})
    with app.app_context():
        assert _get(app, mission_id).shopper_id == people["shopper2"].id
    mine = app.test_client()
    login(mine, people["shopper2"])
    assert "Phone shop: MB1" in mine.get("/qa/missions/").get_data(as_text=True)
    lead.post(f"/qa/missions/{mission_id}/cancel", data={"csrf_token": token, "reason": "Budget cut"})
    with app.app_context():
        mission = _get(app, mission_id)
        assert mission.status == "cancelled"
        assert db.session.scalar(select(MissionEvent.note).where(MissionEvent.action == "cancelled")) == "Budget cut"
    assert lead.post(f"/qa/missions/{mission_id}/cancel", data={"csrf_token": token}).status_code == 409


def test_the_board_shows_only_published_unclaimed_missions_in_their_window(app, people, login):
    open_id = _mission(app, people, publish=True, title="Open one")
    _mission(app, people, title="Still a draft")
    _mission(app, people, shopper="shopper2", title="Already given")
    with app.app_context():
        late = db.session.get(Mission, _mission(app, people, publish=True, title="Window over"))
        late.window_start = datetime.now(UTC) - timedelta(days=3)
        late.window_end = datetime.now(UTC) - timedelta(days=1)
        db.session.commit()
        late_id = late.id
    client = app.test_client()
    login(client, people["shopper"])
    board = client.get("/qa/missions/board").get_data(as_text=True)
    assert "Open one" in board
    assert "Still a draft" not in board and "Already given" not in board and "Window over" not in board
    assert f"/qa/missions/{open_id}/claim" in board
    token = _token_for(client, "/qa/missions/board")
    late_claim = client.post(f"/qa/missions/{late_id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "time window of this mission is over" in late_claim.get_data(as_text=True)
    mine = client.get("/qa/missions/").get_data(as_text=True)
    assert "Already given" not in mine
    assert "Job board: 1 mission to claim" in mine  # counted as the board lists them
    assert "1 mission on the job board" in client.get("/").get_data(as_text=True)


def test_dashboard_panels(app, people, login):
    mission_id = _mission(app, people, shopper="shopper", title="Next one")
    shopper = app.test_client()
    login(shopper, people["shopper"])
    home = shopper.get("/").get_data(as_text=True)
    assert "Next due: Next one" in home and f"/qa/missions/{mission_id}" in home
    assert _submit(shopper, mission_id, FULL_ANSWERS).status_code == 302
    with app.app_context():
        from qa.missions.features import validate_panel

        manager = db.session.get(User, people["manager"].id)
        data = validate_panel(manager)
        assert [m.id for m in data["missions"]] == [mission_id] and data["count"] == 1


def test_demo_missions_cover_every_state_and_rerun_without_duplicates(app):
    from servicecraft import demo

    with app.app_context():
        demo.load()
        first = db.session.scalar(select(db.func.count(Mission.id)))
        demo.load(force=True)
        assert db.session.scalar(select(db.func.count(Mission.id))) == first
        states = set(db.session.scalars(select(Mission.status)))
        assert states == {"draft", "published", "assigned", "in_progress", "submitted", "returned", "validated", "cancelled"}
        fees = set(db.session.scalars(select(Mission.fee_status).where(Mission.fee_status.isnot(None))))
        assert fees == {"due", "paid"}
        shoppers = set(db.session.scalars(select(User.email).join(Mission, Mission.shopper_id == User.id)))
        assert shoppers == {"shopper@demo.test", "shopper2@demo.test"}
