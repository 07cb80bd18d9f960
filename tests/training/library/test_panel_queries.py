"""The protocol panels cost as many queries for 3N protocols and readers as for N."""

from __future__ import annotations

from datetime import date

from servicecraft.extensions import db
from tests.training.querycount import assert_constant
from training.library import services
from training.library.models import Protocol, ProtocolAcknowledgement, ProtocolVersion

N = 2
BODY = {"en": "# Title\n\n## First step\n\nDo it.\n"}


def _protocol(app, n: int, *, read_by=(), read_old_by=()) -> None:
    """Protocol *n* at version 2: *read_by* confirmed version 2, *read_old_by* only version 1."""
    with app.app_context():
        protocol = Protocol(slug=f"protocol-{n}", title={"en": f"Protocol {n}"}, current_version=2)
        protocol.versions = [ProtocolVersion(number=1, body=BODY), ProtocolVersion(number=2, body=BODY, change_note="v2")]
        db.session.add(protocol)
        db.session.flush()
        old, new = protocol.versions
        db.session.add_all([ProtocolAcknowledgement(version_id=new.id, user_id=u.id) for u in read_by]
                           + [ProtocolAcknowledgement(version_id=old.id, user_id=u.id) for u in read_old_by])
        db.session.commit()


def test_coverage_asks_the_same_queries_for_three_times_the_protocols_and_readers(app, make_user):
    manager = make_user(roles=["manager"])
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            readers = [make_user(roles=["agent"]), make_user(roles=["mentor"])]
            make_user(roles=["agent"], is_active_account=False)  # deactivated: never counted
            make_user(roles=["shopper"])  # does not have to read protocols
            _protocol(app, made["n"], read_by=readers[:1], read_old_by=readers[1:])

    def expect(html: str, factor: int) -> None:
        people = 2 * N * factor
        for n in range(1, N * factor + 1):
            assert f'Protocol {n}</a> <span class="muted small">version 2</span></td><td class="num">1</td><td class="num">{people}</td>' in html

    add(1)
    assert_constant(app, manager.id, "protocol-coverage", add, expect=expect)


def test_protocols_to_read_asks_the_same_queries_for_three_times_the_protocols(app, make_user):
    agent = make_user(roles=["agent"])
    made = {"n": 0}

    def add(times: int) -> None:
        for _ in range(times * N):
            made["n"] += 1
            _protocol(app, made["n"], read_old_by=[agent])
            made["n"] += 1
            _protocol(app, made["n"], read_by=[agent])  # read already: not listed

    def expect(html: str, factor: int) -> None:
        assert html.count('<span class="tag warn">updated</span>') == N * factor
        assert "Protocol 1</a>" in html and "Protocol 2</a>" not in html

    add(1)
    assert_constant(app, agent.id, "protocols-to-read", add, expect=expect)


def test_the_coverage_overview_counts_only_active_readers_of_the_current_version(app, make_user):
    agent, mentor = make_user(roles=["agent"]), make_user(roles=["mentor", "agent"], live_since=date(2020, 1, 1))
    gone = make_user(roles=["agent"], is_active_account=False)
    manager = make_user(roles=["manager"])
    _protocol(app, 1, read_by=[agent, gone, manager], read_old_by=[mentor])
    _protocol(app, 2)
    with app.app_context():
        db.session.add(Protocol(slug="protocol-3", title={"en": "No versions yet"}, current_version=1))
        db.session.commit()
        overview = [(p.slug, read, total) for p, read, total in services.coverage_overview()]
        assert overview == [("protocol-1", 1, 2), ("protocol-2", 0, 2)]
        for protocol in services.all_protocols()[:2]:
            coverage = services.coverage(protocol)
            assert (protocol.slug, len(coverage.read), coverage.total) in overview
