"""The protocol library through the real app: loading, reading, acknowledging, publishing, coverage."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from servicecraft.extensions import db
from servicecraft.models import AuditEntry, Branch, Team
from training.curriculum.loader import load_protocols
from training.library import services
from training.library.models import Protocol, ProtocolAcknowledgement, ProtocolVersion


def _load(app) -> None:
    with app.app_context():
        services.load_starter_protocols()
        db.session.commit()


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Protocol.id))),
            db.session.scalar(select(func.count(ProtocolVersion.id))),
            db.session.scalar(select(func.count(AuditEntry.id))),
        )


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    return match.group(1) or match.group(2)


def test_starter_protocols_load_idempotently(app):
    _load(app)
    first = _counts(app)
    _load(app)
    assert _counts(app) == first
    shipped = load_protocols()
    assert first[0] == len(shipped)
    assert first[1] == sum(len(p.versions) for p in shipped)
    with app.app_context():
        rt = services.get_protocol("response-times")
        assert rt.current_version == 2 and [v.number for v in rt.versions] == [1, 2]
        assert set(rt.versions[1].body) == {"en", "ru"}
        assert rt.title["ru"] == "Сроки ответа и сроки решения"


def test_protocol_link_gives_the_localised_anchor(app):
    _load(app)
    spec = next(p for p in load_protocols() if p.slug == "response-times")
    section = spec.sections[1]
    with app.test_request_context():
        ru = services.protocol_link("response-times", section.anchor, "ru")
        en = services.protocol_link("response-times", section.anchor, "en")
        # A language the protocol lacks shows English, so the English anchor is right.
        ja = services.protocol_link("response-times", section.anchor, "ja")
        unknown = services.protocol_link("no-such-protocol", "x", "ru")
        whole = services.protocol_link("response-times", None, "ru")
    assert ru == f"/training/protocols/response-times#{section.anchors['ru']}"
    assert re.search(r"[а-я]", ru)
    assert en == f"/training/protocols/response-times#{section.anchor}"
    assert ja == en
    assert unknown == "/training/protocols/no-such-protocol#x"
    assert whole == "/training/protocols/response-times"


def test_protocol_page_renders_in_the_readers_language_with_anchors(app, client, make_user, login):
    _load(app)
    reader = make_user(roles=["agent"], language="ru")
    login(client, reader)
    response = client.get("/training/protocols/response-times")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    spec = next(p for p in load_protocols() if p.slug == "response-times")
    assert html.count("<h1") == 1
    assert spec.title["ru"] in html
    for section in spec.sections:
        assert f'id="{section.anchors["ru"]}"' in html
    assert 'action="/training/protocols/response-times/acknowledge"' in html
    # An older version: readable, linked back to the current one, and not confirmable.
    old = client.get("/training/protocols/response-times?version=1").get_data(as_text=True)
    only_v1 = [line for line in spec.text("ru", 1).splitlines() if line.strip() and line not in spec.text("ru", 2).splitlines()]
    assert only_v1 and only_v1[0][:40] in old and only_v1[0][:40] not in html
    assert 'action="/training/protocols/response-times/acknowledge"' not in old
    assert client.get("/training/protocols/response-times?version=9").status_code == 404
    assert client.get("/training/protocols/nothing-here").status_code == 404


def test_acknowledgement_is_recorded_once(app, client, make_user, login):
    _load(app)
    agent = make_user(roles=["agent"])
    login(client, agent)
    token = _token(client, "/training/protocols/response-times")
    with app.app_context():
        assert len(services.pending_acknowledgements(db.session.get(type(agent), agent.id))) == len(load_protocols())
    for _ in range(2):
        response = client.post("/training/protocols/response-times/acknowledge", data={"csrf_token": token, "version": "2"})
        assert response.status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(ProtocolAcknowledgement).where(ProtocolAcknowledgement.user_id == agent.id)).all()
        assert len(rows) == 1 and rows[0].version.number == 2
        pending = services.pending_acknowledgements(db.session.get(type(agent), agent.id))
        assert "response-times" not in [v.protocol.slug for v in pending]
    page = client.get("/training/protocols/response-times").get_data(as_text=True)
    assert "You confirmed reading this version" in page and "I have read this version" not in page
    # An old version cannot be confirmed in place of the current one.
    stale = client.post("/training/protocols/response-times/acknowledge", data={"csrf_token": token, "version": "1"})
    assert stale.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(ProtocolAcknowledgement.id))) == 1
    # Without the CSRF token nothing is recorded.
    assert client.post("/training/protocols/routing/acknowledge", data={"version": "1"}).status_code == 400


def test_shoppers_and_managers_do_not_acknowledge(app, client, make_user, login):
    _load(app)
    manager = make_user(roles=["manager"])
    login(client, manager)
    token = _token(client, "/training/protocols/routing")
    assert client.post("/training/protocols/routing/acknowledge", data={"csrf_token": token, "version": "1"}).status_code == 403
    with app.app_context():
        assert services.pending_acknowledgements(db.session.get(type(manager), manager.id)) == []


def test_manager_sees_who_has_not_acknowledged_by_branch_and_team(app, client, make_user, login):
    _load(app)
    with app.app_context():
        branch = Branch(code="EKB", name="Yekaterinburg", region="Ural")
        db.session.add(branch)
        db.session.flush()
        team = Team(name="Branch service Ural", branch_id=branch.id)
        db.session.add(team)
        db.session.commit()
        branch_id, team_id = branch.id, team.id
    read = make_user(roles=["agent"], name="Artem Fedorov", branch_id=branch_id, team_id=team_id)
    make_user(roles=["agent"], name="Natalia Egorova", branch_id=branch_id, team_id=team_id)
    old_reader = make_user(roles=["mentor", "agent"], name="Elena Kuznetsova")
    make_user(roles=["shopper"], name="Vera Shopper")
    with app.app_context():
        rt = services.get_protocol("response-times")
        db.session.add(ProtocolAcknowledgement(version_id=rt.versions[1].id, user_id=read.id))
        db.session.add(ProtocolAcknowledgement(version_id=rt.versions[0].id, user_id=old_reader.id))
        db.session.commit()
    manager = make_user(roles=["manager"])
    login(client, manager)
    response = client.get("/training/protocols/response-times/acknowledgements")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    missing = html.split("Not read yet", 1)[1].split("</section>", 1)[0]
    assert "Natalia Egorova" in missing and "Elena Kuznetsova" in missing and "Artem Fedorov" not in missing
    assert "Vera Shopper" not in html
    assert "1 of 3 agents and mentors have read version 2; 2 have not." in html
    assert "Version 1" in missing  # Elena read the old version
    assert "<svg" in html
    by_team = client.get(f"/training/protocols/response-times/acknowledgements?team={team_id}").get_data(as_text=True)
    assert "1 of 2 agents and mentors" in by_team and "Elena Kuznetsova" not in by_team
    home = client.get("/").get_data(as_text=True)
    assert "Protocol acknowledgement coverage" in home


def test_publishing_a_version_is_audited_and_bad_input_saves_nothing(app, client, make_user, login):
    _load(app)
    manager = make_user(roles=["manager"])
    login(client, manager)
    page = client.get("/training/protocols/routing/publish")
    assert page.status_code == 200
    token = _token(client, "/training/protocols/routing/publish")
    spec = next(p for p in load_protocols() if p.slug == "routing")
    en, ru = spec.text("en"), spec.text("ru")
    before = _counts(app)
    # No change note, and a Russian text with a section missing: refused, field by field.
    bad = client.post("/training/protocols/routing/publish", data={
        "csrf_token": token, "change_note": "", "body_en": en + "\n## Escalation\n\nCall the lead.\n", "body_ru": ru,
    })
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Say what changed" in text and "every language must list the same sections" in text
    assert _counts(app) == before
    good = client.post("/training/protocols/routing/publish", data={
        "csrf_token": token, "change_note": "Added escalation.",
        "body_en": en + "\n## Escalation\n\nCall the lead.\n", "body_ru": ru + "\n## Эскалация\n\nПозвоните старшему.\n",
    })
    assert good.status_code == 302
    with app.app_context():
        routing = services.get_protocol("routing")
        assert routing.current_version == 2 and routing.versions[-1].published_by_id == manager.id
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "publish_version"))
        assert entry.actor_id == manager.id and entry.entity_id == str(routing.id) and entry.reason == "Added escalation."
        assert entry.after["current_version"] == 2
    # Agents must read the new version now.
    agent = make_user(roles=["agent"])
    other = app.test_client()
    login(other, agent)
    assert "Protocols to read" in other.get("/").get_data(as_text=True)


def test_agents_cannot_publish(app, client, make_user, login):
    _load(app)
    login(client, make_user(roles=["agent", "mentor"]))
    assert client.get("/training/protocols/routing/publish").status_code == 403


def test_changes_page_shows_added_and_removed_text(app, client, make_user, login):
    _load(app)
    login(client, make_user(roles=["agent"]))
    response = client.get("/training/protocols/response-times/changes")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<del>" in html and "<ins>" in html
    assert "three" in html and "two" in html  # updates every three -> two working days
    assert "removed" in html and "added" in html  # labels, not colour alone
    same = client.get("/training/protocols/response-times/changes?old=2&new=2").get_data(as_text=True)
    assert "Pick two different versions" in same
    assert client.get("/training/protocols/response-times/changes?old=7").status_code == 404


def test_index_tells_what_is_not_read_yet(app, client, make_user, login):
    _load(app)
    agent = make_user(roles=["agent"])
    with app.app_context():
        rt = services.get_protocol("response-times")
        db.session.add(ProtocolAcknowledgement(version_id=rt.versions[0].id, user_id=agent.id))
        db.session.commit()
    login(client, agent)
    html = client.get("/training/protocols/").get_data(as_text=True)
    assert "New version to read" in html and "Not read yet" in html
    assert 'href="/training/protocols/"' in client.get("/").get_data(as_text=True)


def test_shoppers_have_no_protocols_link(app, client, make_user, login):
    login(client, make_user(roles=["shopper"]))
    assert 'href="/training/protocols/"' not in client.get("/").get_data(as_text=True)


def test_demo_step_is_rerunnable(app):
    from servicecraft import demo
    from training.library.features import protocols

    with app.app_context():
        ctx: dict = {}
        demo.people(ctx)
        protocols(ctx)
        db.session.commit()
        acks = db.session.scalar(select(func.count(ProtocolAcknowledgement.id)))
        versions = db.session.scalar(select(func.count(ProtocolVersion.id)))
        protocols(ctx)
        db.session.commit()
        assert db.session.scalar(select(func.count(ProtocolAcknowledgement.id))) == acks > 0
        assert db.session.scalar(select(func.count(ProtocolVersion.id))) == versions
        rt = services.get_protocol("response-times")
        latest = {a.user_id for a in db.session.scalars(select(ProtocolAcknowledgement).where(ProtocolAcknowledgement.version_id == rt.versions[1].id))}
        first = {a.user_id for a in db.session.scalars(select(ProtocolAcknowledgement).where(ProtocolAcknowledgement.version_id == rt.versions[0].id))}
        assert latest and first - latest  # some read version 2, others only version 1
