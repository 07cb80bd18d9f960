"""servicecraft.cache through a real app and database, in the process and in Redis."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text, update

from qa.tickets.importer import import_records
from qa.tickets.models import Ticket
from qa.tickets.normalize import NormalizedTicket
from servicecraft import cache, create_app
from servicecraft.extensions import db
from servicecraft.models import Team

REDIS = "redis://127.0.0.1:6379/0"
TICKETS = cache.namespace("test.tickets", tables=("qa_ticket",))
ENROLMENTS = cache.namespace("test.enrolments", tables=("training_enrolment",))


def _redis_or_skip() -> None:
    from redis import Redis, RedisError

    try:
        Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except RedisError:
        pytest.skip(f"no Redis at {REDIS}")


def _app_on(app, tmp_path, **settings):
    """Another app on the test database, with its own cache settings (a prefix of its own)."""
    return create_app({"TESTING": True, "SECRET_KEY": "x" * 20,
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "CACHE_KEY_PREFIX": f"servicecraft-test-{uuid.uuid4().hex}:",
                       "CACHE_DIR": str(tmp_path / "cache"), **settings})


def _dispose(other) -> None:
    """Close the pool of another app (once its app contexts are over, so every connection is back)."""
    with other.app_context():
        db.engine.dispose()


def _redis_keys(prefix: str) -> list[bytes]:
    from redis import Redis

    return list(Redis.from_url(REDIS).scan_iter(match=prefix + "*"))


@pytest.fixture(params=["in-process", "redis"])
def cached_app(request, app, tmp_path):
    settings = {}
    if request.param == "redis":
        _redis_or_skip()
        settings["CACHE_REDIS_URL"] = REDIS
    other = _app_on(app, tmp_path, **settings)
    yield other
    cache.clear(other)
    if request.param == "redis":
        assert _redis_keys(other.config["CACHE_KEY_PREFIX"]) == []
    _dispose(other)


def _ticket(external_id: str, **values) -> Ticket:
    moment = datetime(2024, 3, 4, 12, tzinfo=UTC)
    return Ticket(source="zendesk", external_id=external_id, source_updated_at=moment, status="solved",
                  solved_at=moment, **values)


def _normalized(external_id: str) -> NormalizedTicket:
    moment = datetime(2024, 3, 4, 12, tzinfo=UTC)
    return NormalizedTicket(source="zendesk", external_id=external_id, source_updated_at=moment, agent_external_id=None,
                            group_external_id=None, channel="email", priority=None, status="open", category=None,
                            created_at=moment, first_reply_at=None, solved_at=None, first_reply_minutes=None,
                            resolution_minutes=None, reopens=None, agent_replies=None, csat=None, raw={})


class Counter:
    """A compute function that counts the tickets and how often it ran."""

    def __init__(self):
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return db.session.scalar(select(func.count(Ticket.id)))


def test_a_value_is_kept_until_a_commit_writes_one_of_its_tables(cached_app):
    count = Counter()
    with cached_app.app_context():
        assert cache.cached(TICKETS, ("all",), count) == 0
        assert cache.cached(TICKETS, ("all",), count) == 0
        assert cache.cached(TICKETS, ("other key",), count) == 0
        assert count.calls == 2
        db.session.add(Team(name="Unrelated"))
        db.session.commit()
        assert cache.cached(TICKETS, ("all",), count) == 0 and count.calls == 2  # not a table it reads
        db.session.add(_ticket("1"))
        db.session.commit()
        assert cache.cached(TICKETS, ("all",), count) == 1 and count.calls == 3
        assert cache.cached(TICKETS, ("all",), count) == 1 and count.calls == 3


def test_bulk_driver_level_and_raw_writes_invalidate(cached_app):
    with cached_app.app_context():
        db.session.add_all([_ticket("1"), _ticket("2")])
        db.session.commit()

        def positive():
            return db.session.scalar(select(func.count(Ticket.id)).where(Ticket.csat == "positive"))

        def total():
            return db.session.scalar(select(func.count(Ticket.id)))

        assert cache.cached(TICKETS, ("positive",), positive) == 0
        db.session.execute(update(Ticket).where(Ticket.external_id == "1").values(csat="positive"))  # bulk UPDATE
        db.session.commit()
        assert cache.cached(TICKETS, ("positive",), positive) == 1

        assert cache.cached(TICKETS, ("total",), total) == 2
        result = import_records([_normalized("3")])  # new tickets go in with the driver's executemany
        assert not result.errors and result.created == 1
        db.session.commit()
        assert cache.cached(TICKETS, ("total",), total) == 3

        with db.engine.begin() as connection:  # SQL on a connection of its own, outside the session
            connection.execute(text("DELETE FROM qa_ticket WHERE external_id = '3'"))
        assert cache.cached(TICKETS, ("total",), total) == 2


def test_uncommitted_changes_are_neither_served_nor_stored(cached_app):
    count = Counter()
    with cached_app.app_context():
        assert cache.cached(TICKETS, ("all",), count) == 0
        db.session.add(_ticket("1"))
        assert cache.cached(TICKETS, ("all",), count) == 1  # the session's own pending ticket counts
        db.session.flush()
        assert cache.cached(TICKETS, ("all",), count) == 1
        with cached_app.app_context():  # another request meanwhile: the committed figure, from the cache
            assert cache.cached(TICKETS, ("all",), count) == 0
        db.session.rollback()
        assert cache.cached(TICKETS, ("all",), count) == 0


def test_a_delete_reaches_the_tables_of_its_on_delete_rules(cached_app):
    runs = []
    with cached_app.app_context():
        assert cache.cached(ENROLMENTS, ("x",), lambda: runs.append(1) or len(runs)) == 1
        assert cache.cached(ENROLMENTS, ("x",), lambda: runs.append(1) or len(runs)) == 1
        # training_enrolment.user_id is ON DELETE CASCADE: deleting people deletes enrolments.
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM people_user WHERE id = -1"))
        assert cache.cached(ENROLMENTS, ("x",), lambda: runs.append(1) or len(runs)) == 2


def test_each_app_keeps_its_own_values(app, tmp_path):
    first, second = _app_on(app, tmp_path), _app_on(app, tmp_path)
    with first.app_context():
        assert cache.cached(TICKETS, ("k",), lambda: "first") == "first"
        assert cache.cached(TICKETS, ("k",), lambda: "again") == "first"
    with second.app_context():
        assert cache.cached(TICKETS, ("k",), lambda: "second") == "second"
    for other in (first, second):
        _dispose(other)


def test_the_processes_of_one_server_see_each_other_s_commits(app, tmp_path):
    """In-process values, generations in files: a commit in one worker (or a CLI command) reaches the others."""
    prefix = f"servicecraft-test-{uuid.uuid4().hex}:"
    worker, command = _app_on(app, tmp_path, CACHE_KEY_PREFIX=prefix), _app_on(app, tmp_path, CACHE_KEY_PREFIX=prefix)
    count = Counter()
    with worker.app_context():
        assert cache.cached(TICKETS, ("all",), count) == 0
        assert cache.cached(TICKETS, ("all",), count) == 0
    with command.app_context():
        db.session.add(_ticket("1"))
        db.session.commit()
    with worker.app_context():
        assert cache.cached(TICKETS, ("all",), count) == 1
    assert count.calls == 2
    for other in (worker, command):
        _dispose(other)


def test_the_in_process_store_drops_the_least_recently_used_beyond_its_size(app, tmp_path):
    small = _app_on(app, tmp_path, CACHE_MAX_BYTES=1000)  # two values of 400 bytes fit, not three
    runs: list[str] = []

    def value(name):
        return lambda: runs.append(name) or name * 400

    with small.app_context():
        for name in ("a", "b", "a", "c", "a", "b"):
            cache.cached(TICKETS, (name,), value(name))
    assert runs == ["a", "b", "c", "b"]  # "a" was read again before "c" came: "b" went
    _dispose(small)


def test_a_disabled_cache_computes_every_time(app, tmp_path):
    off = _app_on(app, tmp_path, CACHE_ENABLED=False)
    count = Counter()
    with off.app_context():
        cache.cached(TICKETS, ("all",), count)
        cache.cached(TICKETS, ("all",), count)
    _dispose(off)
    assert count.calls == 2
    assert cache.cached(TICKETS, ("all",), lambda: "no app") == "no app"  # outside an app: computed


def test_without_redis_figures_are_computed_and_commits_still_work(app, tmp_path):
    down = _app_on(app, tmp_path, CACHE_REDIS_URL="redis://127.0.0.1:9/0")  # nothing listens there
    count = Counter()
    with down.app_context():
        assert cache.cached(TICKETS, ("all",), count) == 0
        db.session.add(_ticket("1"))
        db.session.commit()  # the generation cannot be bumped: logged, not raised
        assert cache.cached(TICKETS, ("all",), count) == 1
    _dispose(down)
    assert count.calls == 2


@pytest.mark.parametrize(("statement", "tables"), [
    ("SELECT count(*) FROM qa_ticket", set()),
    ("select 1 for update", set()),
    ('INSERT INTO "qa_ticket" (source) VALUES (?)', {"qa_ticket"}),
    ("INSERT OR REPLACE INTO qa_ticket VALUES (1)", {"qa_ticket"}),
    ('UPDATE "public"."qa_ticket" SET csat = %(csat)s', {"qa_ticket"}),
    ("DELETE FROM qa_ticket WHERE id = 1", {"qa_ticket"}),
    ('TRUNCATE "qa_ticket", "qa_ticket_rating" RESTART IDENTITY', {"qa_ticket", "qa_ticket_rating"}),
    ('TRUNCATE "people_user" RESTART IDENTITY CASCADE', {cache.ALL}),
    ("ALTER TABLE qa_ticket ADD COLUMN x INTEGER", {cache.ALL}),
    ("WITH gone AS (DELETE FROM qa_ticket RETURNING id) SELECT count(*) FROM gone", {cache.ALL}),
    ("WITH t AS (SELECT 1) SELECT * FROM t", set()),
    ("COPY qa_ticket (id, source) FROM STDIN", {"qa_ticket"}),
    ("COPY qa_ticket TO STDOUT", set()),
    ("SAVEPOINT sa_savepoint_1", set()),
    ("/* import */ -- batch 2\n  INSERT INTO qa_ticket_rating VALUES (1)", {"qa_ticket_rating"}),
])
def test_which_tables_a_statement_writes(statement, tables):
    assert cache.tables_written_by(statement) == tables
