"""Go-live sign-off: refused with what is missing, done once the track is passed, manager override."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from servicecraft.extensions import db
from training.mentoring.models import SignOff

from .helpers import audit_rows, define_track, fetch, pass_track


def _url(person_id: int) -> str:
    return f"/training/mentoring/people/{person_id}/sign-off"


def _sign(client, csrf_token, person_id, **data):
    return client.post(_url(person_id), data={"csrf_token": csrf_token(_url(person_id)), **data})


def _signoffs(app) -> list[SignOff]:
    with app.app_context():
        rows = db.session.scalars(select(SignOff)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_mentor_is_refused_with_what_is_missing_then_signs_off_after_the_track(app, client, login, make_user, csrf_token):
    slug = define_track(app)
    mentor = make_user(roles=["mentor", "agent"], live_since=date(2020, 1, 1))
    start = date.today() - timedelta(days=45)
    hire = make_user(roles=["agent"], name="Nadia New", mentor_id=mentor.id, start_date=start)
    pass_track(app, hire.id, slug, passed=False)
    login(client, mentor)

    page = client.get(_url(hire.id)).get_data(as_text=True)
    assert "cannot be signed off yet" in page and "Pass the role-play Charged twice for one month." in page
    refused = _sign(client, csrf_token, hire.id)
    assert refused.status_code == 422
    assert "Pass the role-play Charged twice for one month." in refused.get_data(as_text=True)
    assert fetch(app, hire.id).live_since is None and _signoffs(app) == []
    # A mentor cannot override, even with a reason.
    _sign(client, csrf_token, hire.id, override_reason="trust me")
    assert fetch(app, hire.id).live_since is None

    pass_track(app, hire.id, slug)
    assert "The go-live track is passed" in client.get(_url(hire.id)).get_data(as_text=True)
    done = _sign(client, csrf_token, hire.id)
    assert done.status_code == 303
    person = fetch(app, hire.id)
    assert person.live_since == date.today() and not person.is_newhire
    [record] = _signoffs(app)
    assert record.signed_by_id == mentor.id and record.mentor_id == mentor.id and not record.is_override
    assert record.track["complete"] is True and record.days_to_live == 45
    assert [(e, a) for e, a, _r in audit_rows(app, "sign_off")] == [(str(hire.id), mentor.email)]
    # Signing off twice is refused.
    assert "is live since" in client.get(_url(hire.id)).get_data(as_text=True)
    again = _sign(client, csrf_token, hire.id)
    assert again.status_code == 422 and "already live" in again.get_data(as_text=True)
    assert len(_signoffs(app)) == 1


def test_a_mentor_cannot_sign_off_someone_elses_mentee(app, client, login, make_user, csrf_token):
    slug = define_track(app)
    mine = make_user(roles=["mentor"])
    theirs = make_user(roles=["mentor"])
    hire = make_user(roles=["agent"], mentor_id=theirs.id)
    pass_track(app, hire.id, slug)
    login(client, mine)
    assert client.get(_url(hire.id)).status_code == 403
    # With a valid CSRF token (from a page this mentor may open) the answer is still 403.
    response = client.post(_url(hire.id), data={"csrf_token": csrf_token("/")})
    assert response.status_code == 403
    assert fetch(app, hire.id).live_since is None and _signoffs(app) == []


def test_a_manager_overrides_only_with_a_written_reason(app, client, login, make_user, csrf_token):
    define_track(app)
    mentor = make_user(roles=["mentor"])
    hire = make_user(roles=["agent"], mentor_id=mentor.id, start_date=date.today() - timedelta(days=20))
    manager = make_user(roles=["manager"])
    login(client, manager)
    page = client.get(_url(hire.id)).get_data(as_text=True)
    assert "Sign off anyway" in page
    refused = _sign(client, csrf_token, hire.id, override_reason="   ")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "a manager may sign off anyway with a written reason" in html
    assert "Pass the role-play" in html and fetch(app, hire.id).live_since is None
    done = _sign(client, csrf_token, hire.id, override_reason="Experienced agent rehired from a partner centre")
    assert done.status_code == 303 and fetch(app, hire.id).live_since == date.today()
    [record] = _signoffs(app)
    assert record.is_override and record.override_reason == "Experienced agent rehired from a partner centre"
    assert record.signed_by_id == manager.id and record.mentor_id == mentor.id
    assert audit_rows(app, "sign_off_override") == [(str(hire.id), manager.email, "Experienced agent rehired from a partner centre")]


def test_without_a_go_live_track_the_blockers_say_so(app, make_user):
    from servicecraft.models import User
    from training.mentoring import services

    hire = make_user(roles=["agent"])
    with app.app_context():
        person = db.session.get(User, hire.id)
        assert services.sign_off_blockers(person) == [
            "No go-live track is defined yet: an admin sets the required role-plays and courses."]


def test_time_to_golive_per_branch_and_mentor_uses_the_signoffs(app, client, login, make_user, csrf_token):
    from servicecraft.models import User
    from training.mentoring import services

    from .helpers import branch

    slug = define_track(app)
    msk = branch(app, "MSK")
    mentor = make_user(roles=["mentor"], name="Tima Timer")
    for days in (30, 40, 80):
        hire = make_user(roles=["agent"], mentor_id=mentor.id, branch_id=msk, start_date=date.today() - timedelta(days=days))
        pass_track(app, hire.id, slug)
        with app.app_context():
            services.sign_off(db.session.get(User, hire.id), db.session.get(User, mentor.id))
            db.session.commit()
    with app.app_context():
        times = services.time_to_golive()
        assert [(r["label"], r["median"], r["count"]) for r in times["mentors"]] == [("Tima Timer", 40, 3)]
        assert [(r["median"], r["fastest"], r["slowest"]) for r in times["branches"]] == [(40, 30, 80)]
        assert services.funnel()["live"] == 3
    login(client, make_user(roles=["manager"]))
    html = client.get("/training/mentoring/reports").get_data(as_text=True)
    assert "Tima Timer" in html and "Median days" in html
