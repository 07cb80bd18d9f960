"""A read shared by the panels of one request: kept for that request only, forgotten when the session writes."""

from __future__ import annotations

from datetime import date

from servicecraft.extensions import db
from servicecraft.models import User
from training.memo import per_request
from training.people import all_mentees


def test_a_read_is_kept_for_one_request_and_never_across_requests(app):
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    with app.app_context():
        assert per_request("key", load) == 1
        assert per_request("key", load) == 2, "outside a request nothing is kept"
        with app.test_request_context("/"):
            assert per_request("key", load) == 3
            assert per_request("key", load) == 3
            assert per_request("other key", load) == 4
        # Same app context (so the same flask.g), another request: read again.
        with app.test_request_context("/"):
            assert per_request("key", load) == 5


def test_a_write_in_the_request_forgets_what_was_read(app, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    make_user(roles=["agent"], mentor_id=mentor.id, name="Anna")
    later = make_user(roles=["agent"], name="Boris")
    with app.test_request_context("/"):
        person = db.session.get(User, mentor.id)
        assert [u.name for u in all_mentees(person)] == ["Anna"]
        db.session.get(User, later.id).mentor_id = mentor.id  # not flushed yet: the next read must see it
        assert [u.name for u in all_mentees(person)] == ["Anna", "Boris"]
        assert [u.name for u in all_mentees(person)] == ["Anna", "Boris"]
        db.session.rollback()
        assert [u.name for u in all_mentees(person)] == ["Anna"]
        db.session.get(User, later.id).mentor_id = mentor.id
        db.session.flush()
        assert [u.name for u in all_mentees(person)] == ["Anna", "Boris"]
        db.session.rollback()
