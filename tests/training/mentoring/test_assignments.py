"""Assigning mentors by hand, automatically (page and CLI), and the workload."""

from __future__ import annotations

import json
import re
from datetime import date

from sqlalchemy import select

from servicecraft.extensions import db
from servicecraft.models import User

from .helpers import audit_rows, branch, fetch

ORG_CHART = """email,name,roles,branch,language,mentor_capacity,start_date
boss@org.test,Big Boss,manager,MSK,en,,2019-01-01
m.msk.ru@org.test,Masha Mentor,mentor;agent,MSK,ru,1,2018-03-01
m.msk.en@org.test,Mark Mentor,mentor;agent,MSK,en,3,2018-04-01
m.ekb.ru@org.test,Ekaterina Mentor,mentor;agent,EKB,ru,1,2017-05-01
m.full@org.test,Full Mentor,mentor,NSK,ja,0,2016-01-01
h1@org.test,Hire One,agent,MSK,ru,,2026-11-01
h2@org.test,Hire Two,agent,MSK,ru,,2026-11-02
h3@org.test,Hire Three,agent,EKB,en,,2026-10-15
h4@org.test,Hire Four,agent,NSK,ru,,2026-11-03
h5@org.test,Hire Five,agent,NSK,ja,,2026-11-04
b-late@org.test,Bea Late,agent,NSK,ja,,2026-11-05
a-late@org.test,Al Late,agent,NSK,ja,,2026-11-05
"""

EXPECTED = {
    "assigned": [
        {"newhire": "h3@org.test", "mentor": "m.ekb.ru@org.test"},  # earliest start; same branch
        {"newhire": "h1@org.test", "mentor": "m.msk.ru@org.test"},  # same branch and language
        {"newhire": "h2@org.test", "mentor": "m.msk.en@org.test"},  # same-language mentor is full: same branch
        {"newhire": "h4@org.test", "mentor": "m.msk.en@org.test"},  # no branch, ru mentors full: least loaded with room
        {"newhire": "h5@org.test", "mentor": "m.msk.en@org.test"},  # the last place anywhere
    ],
    "unassigned": ["a-late@org.test", "b-late@org.test"],  # same start date: by e-mail
}


def _mentors(app) -> dict[str, str | None]:
    with app.app_context():
        people = db.session.scalars(select(User)).all()
        by_id = {u.id: u.email for u in people}
        return {u.email: by_id.get(u.mentor_id) for u in people}


def test_cli_on_an_imported_org_chart_follows_the_rules_and_a_second_run_moves_nobody(app, runner, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(ORG_CHART, encoding="utf-8")
    imported = runner.invoke(args=["users", "import", str(path), "--json"])
    assert imported.exit_code == 0, imported.output

    preview = runner.invoke(args=["mentors", "auto-assign", "--dry-run", "--json"])
    assert preview.exit_code == 0, preview.output
    assert json.loads(preview.stdout) == EXPECTED
    assert all(mentor is None for mentor in _mentors(app).values()), "a dry run changed nothing"

    applied = runner.invoke(args=["mentors", "auto-assign", "--json"])
    assert applied.exit_code == 0, applied.output
    assert json.loads(applied.stdout) == EXPECTED
    after = _mentors(app)
    assert {row["newhire"]: row["mentor"] for row in EXPECTED["assigned"]} == {
        e: m for e, m in after.items() if m is not None}
    # Mentors (even mentor;agent rows with no go-live date) are not given a mentor themselves.
    assert after["m.msk.ru@org.test"] is None

    again = runner.invoke(args=["mentors", "auto-assign", "--json"])
    assert json.loads(again.stdout) == {"assigned": [], "unassigned": ["a-late@org.test", "b-late@org.test"]}
    assert _mentors(app) == after
    assert len(audit_rows(app, "assign_mentor")) == 5

    plain = runner.invoke(args=["mentors", "auto-assign", "--dry-run"])
    assert plain.exit_code == 0 and "a-late@org.test" in plain.output


def test_people_already_assigned_never_move_and_count_in_the_load(app, runner, make_user):
    msk = branch(app, "MSK")
    busy = make_user(roles=["mentor"], email="busy@x.test", branch_id=msk, language="ru", mentor_capacity=2)
    idle = make_user(roles=["mentor"], email="idle@x.test", branch_id=msk, language="ru", mentor_capacity=2)
    # busy already mentors one new hire in another branch: that one stays, and busy is the more loaded.
    kept = make_user(roles=["agent"], email="kept@x.test", language="en", mentor_id=busy.id, start_date=date(2026, 1, 1))
    make_user(roles=["agent"], email="new@x.test", branch_id=msk, language="ru", start_date=date(2026, 2, 1))
    result = json.loads(runner.invoke(args=["mentors", "auto-assign", "--json"]).stdout)
    assert result == {"assigned": [{"newhire": "new@x.test", "mentor": "idle@x.test"}], "unassigned": []}
    assert fetch(app, kept.id).mentor_id == busy.id
    assert idle.id != busy.id


def test_auto_assign_page_previews_then_applies(app, client, login, make_user, csrf_token):
    manager = make_user(roles=["manager"])
    mentor = make_user(roles=["mentor"], name="Mira Mentor", mentor_capacity=1)
    hire = make_user(roles=["agent"], name="Hugo Hire", start_date=date(2026, 3, 1))
    other = make_user(roles=["agent"], name="Olga Other", start_date=date(2026, 3, 2))
    login(client, manager)
    page = client.get("/training/mentoring/auto-assign")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Hugo Hire" in html and "Mira Mentor" in html and "Olga Other" in html
    assert "Preview" in html
    assert fetch(app, hire.id).mentor_id is None, "the preview changes nothing"
    response = client.post("/training/mentoring/auto-assign", data={"csrf_token": csrf_token("/training/mentoring/auto-assign")})
    assert response.status_code == 200
    assert fetch(app, hire.id).mentor_id == mentor.id and fetch(app, other.id).mentor_id is None
    assert "Left without a mentor" in response.get_data(as_text=True)
    # Without a CSRF token nothing happens.
    fresh = make_user(roles=["agent"], start_date=date(2026, 1, 1))
    make_user(roles=["mentor"], mentor_capacity=5)
    assert client.post("/training/mentoring/auto-assign", data={}).status_code == 400
    assert fetch(app, fresh.id).mentor_id is None


def _assign(client, csrf_token, newhire_id, **data):
    url = f"/training/mentoring/people/{newhire_id}/assign"
    return client.post(url, data={"csrf_token": csrf_token(url), **data})


def test_manual_assignment_refuses_bad_input_and_changes_nothing(app, client, login, make_user, csrf_token):
    manager = make_user(roles=["manager"])
    mentor = make_user(roles=["mentor", "agent"], name="Mentor Mo", mentor_capacity=2, live_since=date(2020, 1, 1))
    not_mentor = make_user(roles=["agent"], name="Plain Agent", live_since=date(2020, 1, 1))
    shopper = make_user(roles=["shopper"], name="Shop Per")
    hire = make_user(roles=["agent"], name="Nina New")
    login(client, manager)

    cases = [
        (mentor.id, {"mentor_id": mentor.id}, "nobody can mentor themselves"),
        (shopper.id, {"mentor_id": mentor.id}, "is not an agent"),
        (not_mentor.id, {"mentor_id": mentor.id}, "already live"),
        (hire.id, {"mentor_id": not_mentor.id}, "does not hold the mentor role"),
        (hire.id, {"mentor_id": 0}, "choose a mentor"),
    ]
    for person_id, data, message in cases:
        response = _assign(client, csrf_token, person_id, **data)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True), message
    assert fetch(app, hire.id).mentor_id is None and fetch(app, mentor.id).mentor_id is None
    assert fetch(app, shopper.id).mentor_id is None
    assert audit_rows(app, "assign_mentor") == []

    ok = _assign(client, csrf_token, hire.id, mentor_id=mentor.id)
    assert ok.status_code == 303 and fetch(app, hire.id).mentor_id == mentor.id
    assert audit_rows(app, "assign_mentor") == [(str(hire.id), manager.email, "")]


def test_reassigning_needs_a_reason_kept_in_the_audit_log(app, client, login, make_user, csrf_token):
    manager = make_user(roles=["manager"])
    first = make_user(roles=["mentor"], mentor_capacity=3)
    second = make_user(roles=["mentor"], mentor_capacity=3)
    hire = make_user(roles=["agent"], mentor_id=first.id)
    login(client, manager)
    refused = _assign(client, csrf_token, hire.id, mentor_id=second.id)
    assert refused.status_code == 422 and "Reason: say why" in refused.get_data(as_text=True)
    assert fetch(app, hire.id).mentor_id == first.id
    done = _assign(client, csrf_token, hire.id, mentor_id=second.id, reason="First mentor moves to the night shift")
    assert done.status_code == 303 and fetch(app, hire.id).mentor_id == second.id
    assert audit_rows(app, "reassign_mentor") == [(str(hire.id), manager.email, "First mentor moves to the night shift")]


def test_going_over_capacity_by_hand_needs_confirmation_and_a_reason(app, client, login, make_user, csrf_token):
    manager = make_user(roles=["admin"])
    mentor = make_user(roles=["mentor"], mentor_capacity=1)
    make_user(roles=["agent"], mentor_id=mentor.id)
    hire = make_user(roles=["agent"])
    login(client, manager)
    warned = _assign(client, csrf_token, hire.id, mentor_id=mentor.id)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 422 and "capacity of 1" in html and "confirm" in html
    no_reason = _assign(client, csrf_token, hire.id, mentor_id=mentor.id, confirm_over_capacity="y")
    assert no_reason.status_code == 422 and "takes more mentees than their capacity" in no_reason.get_data(as_text=True)
    assert fetch(app, hire.id).mentor_id is None
    done = _assign(client, csrf_token, hire.id, mentor_id=mentor.id, confirm_over_capacity="y", reason="Only Russian speaker")
    assert done.status_code == 303 and fetch(app, hire.id).mentor_id == mentor.id
    assert audit_rows(app, "assign_mentor")[-1][2] == "Only Russian speaker"
    # The workload page and the reports show the mentor over capacity.
    page = client.get("/training/mentoring/").get_data(as_text=True)
    assert "over capacity" in page
    assert re.search(r"2 mentees for a capacity of 1", client.get("/training/mentoring/reports").get_data(as_text=True))


def test_workload_lists_mentees_against_capacity(app, client, login, make_user):
    from training.mentoring import services

    mentor = make_user(roles=["mentor"], name="Wanda Workload", mentor_capacity=3)
    make_user(roles=["agent"], name="Live Former", mentor_id=mentor.id, live_since=date(2025, 1, 1))
    make_user(roles=["agent"], name="Current One", mentor_id=mentor.id)
    with app.app_context():
        rows = services.workload()
        assert [(r["mentor"].name, r["load"], r["capacity"], [m.name for m in r["mentees"]]) for r in rows] == [
            ("Wanda Workload", 1, 3, ["Current One"])]
    login(client, make_user(roles=["manager"]))
    page = client.get("/training/mentoring/").get_data(as_text=True)
    assert "Wanda Workload (capacity 3)" in page and "bar-chart" in page
