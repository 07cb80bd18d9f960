"""Plans, check-ins and the mentor's page, through the real app and database."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from servicecraft.extensions import db
from servicecraft.models import AuditEntry, User
from training.onboarding import services
from training.onboarding.models import CheckIn, CheckInNote, Plan, PlanItem, PlanTemplate, PlanTemplateItem


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def _template(app, name="Plan", items=None, branch_id=None, active=True) -> int:
    items = items or [("a", 0, "either", []), ("b", 5, "newhire", ["a"]), ("c", 10, "mentor", ["b"])]
    with app.app_context():
        t = PlanTemplate(name=name, role="agent", branch_id=branch_id, is_active=active)
        for n, (key, offset, who, deps) in enumerate(items, 1):
            t.items.append(PlanTemplateItem(key=key, position=n, title={"en": f"Item {key}"}, kind="task",
                                            due_offset_days=offset, ticked_by=who, depends_on=deps))
        db.session.add(t)
        db.session.commit()
        return t.id


@pytest.fixture
def people(make_user):
    mentor = make_user(roles=["mentor", "agent"], name="Mentor One", live_since=date(2020, 1, 1))
    other_mentor = make_user(roles=["mentor"], name="Mentor Two")
    hire = make_user(roles=["agent"], name="New Hire", mentor_id=mentor.id, start_date=date.today() - timedelta(days=7))
    other_hire = make_user(roles=["agent"], name="Other Hire", mentor_id=other_mentor.id, start_date=date.today())
    manager = make_user(roles=["manager"])
    admin = make_user(roles=["admin"])
    return {"mentor": mentor, "other_mentor": other_mentor, "hire": hire, "other_hire": other_hire,
            "manager": manager, "admin": admin}


def _plan(app, person, template_id) -> dict[str, int]:
    with app.app_context():
        plan = services.instantiate_plan(db.session.get(User, person.id), db.session.get(PlanTemplate, template_id), None)
        db.session.commit()
        return {i.key: i.id for i in plan.items}


# --- templates ------------------------------------------------------------------------------------

def test_a_circular_dependency_is_refused_with_its_cycle_and_nothing_is_saved(app, client, login, people):
    _template(app, items=[("a", 5, "either", []), ("b", 5, "either", ["a"])])
    login(client, people["manager"])
    with app.app_context():
        item_a = db.session.scalar(select(PlanTemplateItem).where(PlanTemplateItem.key == "a")).id
    path = f"/training/onboarding/template-items/{item_a}"
    token = _token(client, path)
    response = client.post(path, data={"csrf_token": token, "key": "a", "title_en": "Item a", "kind": "task",
                                       "due_offset_days": "5", "ticked_by": "either", "depends_on": ["b"]})
    assert response.status_code == 422
    assert "Circular dependency: a → b → a" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PlanTemplateItem, item_a).depends_on == []
        assert not db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "item-changed"))


def test_a_manager_builds_a_template_through_the_pages(app, client, login, people):
    login(client, people["manager"])
    token = _token(client, "/training/onboarding/templates/new")
    response = client.post("/training/onboarding/templates/new", data={
        "csrf_token": token, "name": "Ural plan", "role": "agent", "branch_id": "0", "is_active": "y"})
    assert response.status_code == 302
    with app.app_context():
        tmpl = db.session.scalar(select(PlanTemplate).where(PlanTemplate.name == "Ural plan"))
    new_item = f"/training/onboarding/templates/{tmpl.id}/items/new"
    ok = client.post(new_item, data={"csrf_token": token, "key": "shadow", "title_en": "Shadow calls", "kind": "shadowing",
                                     "due_offset_days": "3", "ticked_by": "newhire"})
    assert ok.status_code == 302
    late = client.post(new_item, data={"csrf_token": token, "key": "early", "title_en": "Early", "kind": "task",
                                       "due_offset_days": "1", "ticked_by": "mentor", "depends_on": ["shadow"]})
    assert late.status_code == 422 and "depends on shadow, due later on day 3" in late.get_data(as_text=True)
    no_link = client.post(new_item, data={"csrf_token": token, "key": "course", "title_en": "Course", "kind": "course",
                                          "due_offset_days": "5", "ticked_by": "newhire"})
    assert no_link.status_code == 422 and "needs a link" in no_link.get_data(as_text=True)
    negative = client.post(new_item, data={"csrf_token": token, "key": "neg", "title_en": "Neg", "kind": "task",
                                           "due_offset_days": "-2", "ticked_by": "newhire"})
    assert negative.status_code == 422
    with app.app_context():
        assert [i.key for i in db.session.get(PlanTemplate, tmpl.id).items] == ["shadow"]
    page = client.get(f"/training/onboarding/templates/{tmpl.id}").get_data(as_text=True)
    assert "Shadow calls" in page


# --- plans ------------------------------------------------------------------------------------------

def test_instantiation_counts_due_dates_from_the_start_date(app, people):
    template_id = _template(app)
    ids = _plan(app, people["hire"], template_id)
    with app.app_context():
        start = people["hire"].start_date
        due = {key: db.session.get(PlanItem, i).due_date for key, i in ids.items()}
        assert due == {"a": start, "b": start + timedelta(days=5), "c": start + timedelta(days=10)}
        with pytest.raises(services.OnboardingError):
            services.instantiate_plan(db.session.get(User, people["hire"].id), db.session.get(PlanTemplate, template_id), None)


def test_a_new_hire_created_by_an_admin_gets_the_matching_plan(app, client, login, people):
    from servicecraft.models import Branch

    with app.app_context():
        branch = Branch(code="EKB", name="Yekaterinburg")
        db.session.add(branch)
        db.session.commit()
        branch_id = branch.id
    _template(app, name="Everyone", items=[("x", 1, "either", [])])
    _template(app, name="Branch plan", items=[("y", 2, "either", [])], branch_id=branch_id)
    _template(app, name="Inactive", items=[("z", 2, "either", [])], branch_id=branch_id, active=False)
    login(client, people["admin"])
    token = _token(client, "/admin/people/new")
    response = client.post("/admin/people/new", data={
        "csrf_token": token, "email": "fresh@example.test", "name": "Fresh Hire", "roles": ["agent"], "language": "en",
        "timezone": "UTC", "team_id": "0", "branch_id": str(branch_id), "start_date": "2026-02-02",
        "mentor_capacity": "0", "is_active": "y"})
    assert response.status_code == 302
    manager = client.post("/admin/people/new", data={
        "csrf_token": token, "email": "boss@example.test", "name": "Boss", "roles": ["manager"], "language": "en",
        "timezone": "UTC", "team_id": "0", "branch_id": "0", "mentor_capacity": "0", "is_active": "y"})
    assert manager.status_code == 302
    with app.app_context():
        fresh = db.session.scalar(select(User).where(User.email == "fresh@example.test"))
        plan = db.session.scalar(select(Plan).where(Plan.user_id == fresh.id))
        assert plan is not None and plan.name == "Branch plan"
        assert [(i.key, i.due_date) for i in plan.items] == [("y", date(2026, 2, 4))]
        boss = db.session.scalar(select(User).where(User.email == "boss@example.test"))
        assert services.plan_of(boss) is None
        # Changing the person again never makes a second plan.
        services.auto_instantiate(fresh, None)
        assert db.session.scalar(select(func.count(Plan.id)).where(Plan.user_id == fresh.id)) == 1


def test_tick_rules_follow_the_template_and_dependencies(app, client, login, people):
    ids = _plan(app, people["hire"], _template(app))
    url = "/training/onboarding/items/{}/{}"
    hire_client = app.test_client()
    login(hire_client, people["hire"])
    token = _token(hire_client, "/training/onboarding/mine")
    # b waits for a.
    blocked = hire_client.post(url.format(ids["b"], "tick"), data={"csrf_token": token}, follow_redirects=True)
    assert "waits for Item a" in blocked.get_data(as_text=True)
    assert hire_client.post(url.format(ids["a"], "tick"), data={"csrf_token": token}).status_code == 302
    assert hire_client.post(url.format(ids["b"], "tick"), data={"csrf_token": token}).status_code == 302
    # c is the mentor's to tick.
    assert hire_client.post(url.format(ids["c"], "tick"), data={"csrf_token": token}).status_code == 403
    other = app.test_client()
    login(other, people["other_mentor"])
    other_token = _token(other, "/training/onboarding/mentees")
    assert other.post(url.format(ids["c"], "tick"), data={"csrf_token": other_token}).status_code == 403
    mentor = app.test_client()
    login(mentor, people["mentor"])
    mentor_token = _token(mentor, "/training/onboarding/mentees")
    # b is the new hire's only: the mentor may not untick it.
    assert mentor.post(url.format(ids["b"], "untick"), data={"csrf_token": mentor_token}).status_code == 403
    assert mentor.post(url.format(ids["c"], "tick"), data={"csrf_token": mentor_token}).status_code == 302
    # a cannot be unticked while b (which depends on it) is done.
    refused = hire_client.post(url.format(ids["a"], "untick"), data={"csrf_token": token, "reason": "oops"}, follow_redirects=True)
    assert "cannot be unticked" in refused.get_data(as_text=True)
    mentor.post(url.format(ids["c"], "untick"), data={"csrf_token": mentor_token, "reason": "Not really done"})
    with app.app_context():
        assert db.session.get(PlanItem, ids["a"]).is_done and db.session.get(PlanItem, ids["b"]).is_done
        assert not db.session.get(PlanItem, ids["c"]).is_done
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "item-unticked"))
        assert entry.reason == "Not really done" and entry.actor_id == people["mentor"].id


def test_overdue_items_are_flagged(app, client, login, people):
    _plan(app, people["hire"], _template(app))  # started 7 days ago: a (day 0) and b (day 5) are overdue
    login(client, people["hire"])
    page = client.get("/training/onboarding/mine").get_data(as_text=True)
    assert page.count("Overdue since") == 2
    home = client.get("/").get_data(as_text=True)
    assert "Next in your plan" in home and "2 items are overdue" in home
    mentor = app.test_client()
    login(mentor, people["mentor"])
    home = mentor.get("/").get_data(as_text=True)
    assert "overdue plan items" in home and "Item a" in home


def test_a_new_hire_sees_only_their_own_plan_and_a_mentor_only_their_mentees(app, client, login, people):
    template_id = _template(app)
    _plan(app, people["hire"], template_id)
    other_ids = _plan(app, people["other_hire"], template_id)
    login(client, people["hire"])
    assert client.get(f"/training/onboarding/people/{people['other_hire'].id}").status_code == 403
    assert client.get(f"/training/onboarding/people/{people['hire'].id}").status_code == 302
    token = _token(client, "/training/onboarding/mine")
    assert client.post(f"/training/onboarding/items/{other_ids['a']}/tick", data={"csrf_token": token}).status_code == 403
    mentor = app.test_client()
    login(mentor, people["mentor"])
    assert mentor.get(f"/training/onboarding/people/{people['hire'].id}").status_code == 200
    assert mentor.get(f"/training/onboarding/people/{people['other_hire'].id}").status_code == 403
    assert mentor.get(f"/training/onboarding/people/{people['other_hire'].id}/check-ins/new").status_code == 403
    dashboard = mentor.get("/training/onboarding/mentees").get_data(as_text=True)
    assert "New Hire" in dashboard and "Other Hire" not in dashboard
    manager = app.test_client()
    login(manager, people["manager"])
    assert manager.get(f"/training/onboarding/people/{people['other_hire'].id}").status_code == 200


# --- check-ins ----------------------------------------------------------------------------------------

def _checkin(app, people) -> int:
    with app.app_context():
        mentor, hire = db.session.get(User, people["mentor"].id), db.session.get(User, people["hire"].id)
        checkin = services.schedule_checkin(mentor, hire, datetime.now(UTC) - timedelta(days=1), "First week")
        db.session.commit()
        return checkin.id


def test_a_mentor_schedules_a_checkin_through_the_page(app, client, login, people):
    login(client, people["mentor"])
    path = f"/training/onboarding/people/{people['hire'].id}/check-ins/new"
    token = _token(client, path)
    bad = client.post(path, data={"csrf_token": token, "scheduled_at": "", "agenda": "x"})
    assert bad.status_code == 422 and "Give the date and time" in bad.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": token, "scheduled_at": "2026-05-04T10:30", "agenda": "Courses"})
    assert response.status_code == 302
    with app.app_context():
        checkin = db.session.scalar(select(CheckIn))
        assert checkin.mentee_id == people["hire"].id and checkin.agenda == "Courses"


def test_private_notes_are_only_for_their_author_and_shared_notes_reach_the_new_hire(app, client, login, people):
    checkin_id = _checkin(app, people)
    path = f"/training/onboarding/check-ins/{checkin_id}"
    login(client, people["mentor"])
    token = _token(client, path)
    client.post(path + "/notes", data={"kind_name": "shared", "shared-csrf_token": token, "shared-body": "SHARED-TEXT one"})
    client.post(path + "/notes", data={"kind_name": "private", "private-csrf_token": token, "private-body": "SECRET-TEXT"})
    page = client.get(path).get_data(as_text=True)
    assert "SHARED-TEXT one" in page and "SECRET-TEXT" in page
    hire = app.test_client()
    login(hire, people["hire"])
    hire_page = hire.get(path).get_data(as_text=True)
    assert "SHARED-TEXT one" in hire_page and "SECRET-TEXT" not in hire_page
    assert "SHARED-TEXT one" in hire.get("/training/onboarding/mine").get_data(as_text=True)
    hire_token = _token(hire, path)
    assert hire.post(path + "/notes", data={"kind_name": "shared", "shared-csrf_token": hire_token,
                                            "shared-body": "changed"}).status_code == 403
    for who in ("manager", "admin"):
        other = app.test_client()
        login(other, people[who])
        text = other.get(path).get_data(as_text=True)
        assert "SHARED-TEXT one" in text and "SECRET-TEXT" not in text
        assert "visible only to the mentor who wrote them" in text
        audit_page = other.get("/admin/audit?entity=checkin").get_data(as_text=True) if who == "admin" else ""
        assert "SECRET-TEXT" not in audit_page
    other_mentor = app.test_client()
    login(other_mentor, people["other_mentor"])
    assert other_mentor.get(path).status_code == 403
    with app.app_context():
        assert services.note_history(db.session.get(CheckIn, checkin_id), "private",
                                     db.session.get(User, people["other_mentor"].id)) == []


def test_editing_notes_keeps_every_version_and_audits_it(app, client, login, people):
    checkin_id = _checkin(app, people)
    path = f"/training/onboarding/check-ins/{checkin_id}"
    login(client, people["mentor"])
    token = _token(client, path)
    for body in ("First version", "Second version", "Second version"):
        client.post(path + "/notes", data={"kind_name": "shared", "shared-csrf_token": token, "shared-body": body})
    page = client.get(path).get_data(as_text=True)
    assert "Second version" in page and "First version" in page and "Earlier versions (1)" in page
    with app.app_context():
        notes = db.session.scalars(select(CheckInNote).order_by(CheckInNote.version)).all()
        assert [(n.version, n.body) for n in notes] == [(1, "First version"), (2, "Second version")]
        edit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "shared-notes-edited"))
        assert edit.before["body"] == "First version" and edit.after["version"] == 2


def test_action_items_and_links(app, client, login, people):
    checkin_id = _checkin(app, people)
    path = f"/training/onboarding/check-ins/{checkin_id}"
    login(client, people["mentor"])
    token = _token(client, path)
    missing = client.post(path + "/actions", data={"csrf_token": token, "title": "", "owner": "newhire"})
    assert missing.status_code == 422
    client.post(path + "/actions", data={"csrf_token": token, "title": "Read the refund protocol", "owner": "newhire",
                                         "due_date": (date.today() - timedelta(days=1)).isoformat()})
    client.post(path + "/actions", data={"csrf_token": token, "title": "Send the cheat sheet", "owner": "mentor"})
    bad_link = client.post(path + "/links", data={"csrf_token": token, "target": "quiz:999"})
    assert bad_link.status_code == 422
    with app.app_context():
        actions = {a.title: a.id for a in db.session.get(CheckIn, checkin_id).actions}
    hire = app.test_client()
    login(hire, people["hire"])
    mine = hire.get("/training/onboarding/mine").get_data(as_text=True)
    assert "Read the refund protocol" in mine and "Overdue since" in mine
    hire_token = _token(hire, "/training/onboarding/mine")
    toggle = "/training/onboarding/actions/{}/toggle"
    assert hire.post(toggle.format(actions["Send the cheat sheet"]), data={"csrf_token": hire_token}).status_code == 403
    assert hire.post(toggle.format(actions["Read the refund protocol"]), data={"csrf_token": hire_token}).status_code == 302
    with app.app_context():
        assert db.session.get(CheckIn, checkin_id).actions[0].is_done
    dashboard = client.get("/training/onboarding/mentees").get_data(as_text=True)
    assert "1 check-in due" in dashboard


def test_checkin_status_and_last_contact(app, client, login, people):
    checkin_id = _checkin(app, people)
    login(client, people["mentor"])
    path = f"/training/onboarding/check-ins/{checkin_id}"
    token = _token(client, path)
    assert "Overdue: not marked as held" in client.get(path).get_data(as_text=True)
    client.post(path + "/status", data={"csrf_token": token, "status": "held"})
    with app.app_context():
        assert services.last_contact(db.session.get(User, people["hire"].id)) is not None
    assert "0 check-ins due" in client.get("/training/onboarding/mentees").get_data(as_text=True)


def test_the_demo_step_is_rerunnable(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        plans_before = db.session.scalar(select(func.count(Plan.id)))
        checkins_before = db.session.scalar(select(func.count(CheckIn.id)))
        anna = db.session.scalar(select(User).where(User.email == "newhire@demo.test"))
        assert services.plan_of(anna) is not None and checkins_before == 3
        assert any(i.is_done for i in services.plan_of(anna).items)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Plan.id))) == plans_before
        assert db.session.scalar(select(func.count(CheckIn.id))) == checkins_before
