"""The mentoring pages, and the panels that share reads on a dashboard, cost as many queries for 3N rows as for N."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from servicecraft.extensions import db
from tests.training.courses.helpers import make_course
from tests.training.querycount import assert_constant, assert_page_constant, matching, panel_queries, panels_queries
from tests.training.simulations.helpers import EXAMPLE
from training.mentoring.models import SignOff
from training.simulations.models import GoLiveRequirement

from .helpers import branch

N = 2

# The query that reads the active new hires (agents joined to their role rows).
NEWHIRES = "FROM people_user JOIN people_user_role ON people_user_role.user_id = people_user.id"


def _required_roleplay(app, n: int) -> None:
    """Load the spec's example as role-play rp-<n> titled "Role-play <n>" and require it for going live."""
    from training.simulations import services

    with app.app_context():
        text = EXAMPLE.replace("id: double-charge", f"id: rp-{n}").replace("Charged twice for one month", f"Role-play {n}")
        version, _created = services.load_text(text, f"rp-{n}.yaml", actor=None)
        db.session.add(GoLiveRequirement(kind="scenario", slug=version.slug))
        db.session.commit()


def test_the_mentoring_index_asks_the_same_queries_for_three_times_the_mentors_and_new_hires(app, client, login, make_user):
    from training.mentoring import services

    login(client, make_user(roles=["manager"]))
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            n = made["n"]
            # A mentor and their mentee, each in a branch of their own; a new hire nobody mentors yet; and a
            # new hire whose mentor has left (not in the workload table, still named in the list of new hires).
            mentor = make_user(roles=["mentor", "agent"], name=f"Mentor {n}", mentor_capacity=2,
                               live_since=date(2020, 1, 1), branch_id=branch(app, f"M{n}"))
            make_user(roles=["agent"], name=f"Mentee {n}", mentor_id=mentor.id, branch_id=branch(app, f"E{n}"))
            make_user(roles=["agent"], name=f"Mentee {n} live", mentor_id=mentor.id, live_since=date.today())
            make_user(roles=["agent"], name=f"Unassigned {n}", branch_id=branch(app, f"U{n}"), start_date=date.today())
            former = make_user(roles=["mentor"], name=f"Former {n}", is_active_account=False)
            make_user(roles=["agent"], name=f"Orphan {n}", mentor_id=former.id)

    def expect(html: str, factor: int) -> None:
        for n in range(1, N * factor + 1):
            assert f"Mentor {n} (capacity 2)" in html and f"<td>M{n}</td>" in html
            assert f"<td>Mentee {n}</td>" in html  # the new hire they mentor, not the one already live
            assert f"Unassigned {n} <span" in html and f"<td>U{n}</td>" in html
            assert f"<td>Orphan {n}</td><td>Former {n}</td>" in html

    add(1)
    assert_page_constant(app, client, "/training/mentoring/", add, expect=expect)
    with app.app_context():
        rows = services.workload()
        counts = services.mentee_counts()
        assert [(r["mentor"].name, r["load"], [m.name for m in r["mentees"]]) for r in rows] == [
            (f"Mentor {n}", 1, [f"Mentee {n}"]) for n in sorted(range(1, 3 * N + 1), key=str)]
        assert {r["mentor"].id: r["load"] for r in rows} == {mentor_id: n for mentor_id, n in counts.items()
                                                            if mentor_id in {r["mentor"].id for r in rows}}


def test_the_signoff_page_reads_the_go_live_track_once_however_long_it_is(app, client, login, make_user):
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1))
    person = make_user(roles=["agent"], mentor_id=mentor.id, name="Nina Newhire")
    login(client, make_user(roles=["manager"]))
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            n = made["n"]
            _required_roleplay(app, n)
            make_course(app, f"track-{n}", enrol=[person])
            with app.app_context():
                db.session.add(GoLiveRequirement(kind="course", slug=f"track-{n}"))
                db.session.commit()

    def expect(html: str, factor: int) -> None:
        for n in range(1, N * factor + 1):
            assert f"<li>Pass the role-play Role-play {n}.</li>" in html
            assert f"<li>Complete the course track-{n}.</li>" in html

    add(1)
    statements = assert_page_constant(app, client, f"/training/mentoring/people/{person.id}/sign-off", add, expect=expect)
    # The blockers come from the progress the page shows: the track is read once, not twice.
    assert len(matching(statements, "FROM training_golive_requirement")) == 1


def test_the_signoff_record_asks_the_same_queries_for_three_times_the_signers(app, client, login, make_user):
    person = make_user(roles=["agent"], name="Lara Live", start_date=date(2025, 1, 1), live_since=date(2025, 3, 1))
    login(client, make_user(roles=["manager"]))
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            signer = make_user(roles=["mentor"], name=f"Signer {made['n']}")
            with app.app_context():
                db.session.add(SignOff(newhire_id=person.id, signed_by_id=signer.id, start_date=date(2025, 1, 1),
                                       live_since=date(2025, 3, 1), signed_at=datetime(2025, 3, 1, 12, tzinfo=UTC),
                                       track={"scenarios": [], "courses": [], "met": 0, "total": 0}))
                db.session.commit()

    def expect(html: str, factor: int) -> None:
        assert all(f"Signed off by Signer {n} on" in html for n in range(1, N * factor + 1))
        assert html.count("59 days after the start date") == N * factor

    add(1)
    assert_page_constant(app, client, f"/training/mentoring/people/{person.id}/sign-off", add, expect=expect)


def test_the_unassigned_panel_asks_the_same_queries_for_three_times_the_new_hires(app, make_user):
    manager = make_user(roles=["manager"])
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            make_user(roles=["agent"], name=f"Waiting {made['n']}", branch_id=branch(app, f"W{made['n']}"))

    def expect(html: str, factor: int) -> None:
        assert all(f">Waiting {n}</a> · W{n} · " in html for n in range(1, N * factor + 1))

    add(1)
    assert_constant(app, manager.id, "mentoring-unassigned", add, expect=expect)


def test_the_funnel_and_the_unassigned_panel_read_the_new_hires_once(app, make_user):
    manager = make_user(roles=["manager"])
    mentor = make_user(roles=["mentor"], live_since=date(2020, 1, 1), mentor_capacity=50)
    for n in range(3):
        make_user(roles=["agent"], name=f"Waiting {n}", branch_id=branch(app, f"W{n}"), start_date=date.today())
        make_user(roles=["agent"], mentor_id=mentor.id, start_date=date.today() - timedelta(days=n))
    funnel, _html = panel_queries(app, manager.id, "mentoring-funnel")
    both, html = panels_queries(app, manager.id, ["mentoring-funnel", "mentoring-unassigned"])
    assert "Waiting 2</a> · W2 · " in html
    assert len(matching(both, NEWHIRES)) == 1
    assert len(both) == funnel, "the unassigned panel adds no query after the funnel"


def test_the_mentor_dashboard_reads_the_mentees_once(app, make_user):
    from tests.training.mentoring.helpers import define_track

    define_track(app)
    mentor = make_user(roles=["mentor", "agent"], live_since=date(2020, 1, 1), mentor_capacity=50)
    names = ["mentoring-signoff", "onboarding-checkins", "mentees-training"]
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            make_user(roles=["agent"], mentor_id=mentor.id, name=f"Mentee {made['n']}")

    add(1)
    first, html = panels_queries(app, mentor.id, names)
    assert html.count("1 item missing") == N
    add(2)
    again, html = panels_queries(app, mentor.id, names)
    assert html.count("1 item missing") == 3 * N
    assert len(again) == len(first)
    # Sign-off, check-ins and overdue training all start from the one list of mentees.
    assert len(matching(again, "FROM people_user WHERE people_user.mentor_id", without="JOIN")) == 1


def test_a_change_between_two_requests_shows_on_the_next_dashboard(app, client, login, make_user):
    mentor = make_user(roles=["mentor", "agent"], live_since=date(2020, 1, 1), mentor_capacity=5)
    make_user(roles=["agent"], mentor_id=mentor.id, name="First Mentee")
    login(client, mentor)
    page = client.get("/").get_data(as_text=True)
    assert "First Mentee" in page and "Second Mentee" not in page
    make_user(roles=["agent"], mentor_id=mentor.id, name="Second Mentee")
    page = client.get("/").get_data(as_text=True)
    assert "Second Mentee</a> ·" in page  # the sign-off panel read the mentees again
