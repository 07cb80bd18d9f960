"""One small shared cache for computed figures, invalidated by the tables they are computed from.

A namespace names what it caches and the tables its values read; :func:`cached` returns the
stored value of (namespace, key), or calls ``compute()``, stores the result and returns it::

    SCORECARDS = cache.namespace("qa.scorecards", tables=("qa_ticket", "qa_evaluation", ...))

    data = cache.cached(SCORECARDS, (period.start, period.end, ids), compute)

The key is a tuple of plain values (its ``repr`` names the entry). Values are pickled: return
plain data (numbers, strings, tuples, dicts, small dataclasses), never ORM objects, which
belong to one session. Whoever can write to the store can make the app unpickle what they
wrote, so keep Redis private (it already carries the job queue, which RQ pickles too).

**Invalidation by generation.** A listener on the app's database connections notes the tables
every INSERT, UPDATE, DELETE or TRUNCATE writes — ORM flushes, bulk statements executed
through the session, Core and driver-level SQL alike (a session listener alone would miss the
ticket importer's driver-level executemany and the test fixtures' DELETE), and for a DELETE
the tables its ON DELETE rules reach — and once that transaction is over (after the commit,
or a rollback) bumps the generation of every namespace that reads one of them. A value is stored under the generation read *before* it
was computed, so the first read after a commit that changed its inputs computes afresh:
stale figures never outlive the commit. While the caller's own transaction has written, or
holds unflushed changes to, one of the namespace's tables, ``cached`` neither reads nor
stores (the figures would include uncommitted work). ``CACHE_TTL`` is only a backstop for
writes made outside the app (psql, another program).

**Backends.** With ``CACHE_REDIS_URL`` (default: ``REDIS_URL``) values and generations live in
Redis under ``CACHE_KEY_PREFIX``, shared by every process and app server. Without it values
live in the process (one store per app, in ``app.extensions``, the least recently used
dropped beyond ``CACHE_MAX_BYTES``) and generations in one small file per namespace under
``CACHE_DIR`` (default ``<instance>/cache``), so the web workers and CLI commands of one
server see each other's changes (several servers need Redis). Keys and files carry a hash of
the database URL, so deployments or test runs sharing a Redis or a folder stay apart. If
Redis does not answer, figures are computed (and a warning logged).

Settings (``servicecraft.config.Defaults``, or ``SERVICECRAFT_<NAME>`` in the environment):
``CACHE_ENABLED`` (true; false computes every time), ``CACHE_TTL`` (300 seconds),
``CACHE_REDIS_URL``, ``CACHE_KEY_PREFIX``, ``CACHE_MAX_BYTES`` (64 MiB a process), ``CACHE_DIR``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import random
import re
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.engine import make_url

__all__ = ["ALL", "Cache", "Namespace", "cached", "clear", "init_app", "namespace", "store_of", "tables_written_by"]

log = logging.getLogger(__name__)

EXTENSION = "servicecraft.cache"
ALL = "*"  # "some table we could not name": every namespace depends on it
_WRITTEN = "servicecraft.cache.written"  # key in a pooled connection's info dict
_COMPACT_AT = 1 << 20  # a local generation file is replaced by a new one past this size

T = TypeVar("T")


# --- Namespaces ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Namespace:
    """What is cached (``name``) and the tables its values are computed from."""

    name: str
    tables: frozenset[str]


_NAMESPACES: dict[str, Namespace] = {}


def namespace(name: str, *, tables: Iterable[str]) -> Namespace:
    """Declare (or redeclare) a namespace and the tables its values depend on."""
    declared = Namespace(name, frozenset(tables))
    _NAMESPACES[name] = declared
    return declared


def _depending_on(tables: set[str]) -> list[str]:
    if ALL in tables:
        return list(_NAMESPACES)
    return [ns.name for ns in _NAMESPACES.values() if ns.tables & tables]


# --- Which tables a statement writes -------------------------------------------------------

_NAME = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[\w$]+)'
_QUALIFIED = rf"({_NAME}(?:\s*\.\s*{_NAME})*)"
_TARGETS = (
    re.compile(rf"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+{_QUALIFIED}", re.I),
    re.compile(rf"^\s*REPLACE\s+INTO\s+{_QUALIFIED}", re.I),
    re.compile(rf"^\s*UPDATE\s+(?:OR\s+\w+\s+)?(?:ONLY\s+)?{_QUALIFIED}", re.I),
    re.compile(rf"^\s*DELETE\s+FROM\s+(?:ONLY\s+)?{_QUALIFIED}", re.I),
    re.compile(rf"^\s*MERGE\s+INTO\s+{_QUALIFIED}", re.I),
    re.compile(rf"^\s*COPY\s+{_QUALIFIED}[^;]*\bFROM\b", re.I),
)
_COPY_OUT = re.compile(r"^\s*COPY\b[^;]*\bTO\b", re.I)
_TRUNCATE = re.compile(r"^\s*TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(.*)$", re.I | re.S)
_LEADING_COMMENTS = re.compile(r"^(?:\s*(?:/\*.*?\*/|--[^\n]*(?:\n|$)))+\s*", re.S)
_WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "COPY", "TRUNCATE", "ALTER", "DROP", "WITH")


def _bare(name: str) -> str:
    """Return a table's name without schema and quotes: '"public"."qa_ticket"' -> 'qa_ticket'."""
    parts = re.findall(_NAME, name)
    return (parts[-1] if parts else name).strip('"`[] ').lower()


def tables_written_by(statement: str) -> set[str]:
    """Return the tables a SQL statement writes (``{ALL}`` when it cannot tell, empty for a read)."""
    statement = statement.lstrip()
    if statement.startswith(("/*", "--")):
        statement = _LEADING_COMMENTS.sub("", statement)
    head = statement[:10].upper()
    if not head.startswith(_WRITE_WORDS):
        return set()
    if head.startswith(("ALTER", "DROP")):
        return {ALL}
    if head.startswith("WITH"):  # a CTE: writes only if a data-changing statement follows
        if not re.search(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", statement, re.I):
            return set()
        return {ALL}
    truncate = _TRUNCATE.match(statement)
    if truncate:
        if re.search(r"\bCASCADE\b", statement, re.I):
            return {ALL}  # PostgreSQL also empties every table referring to these
        names = re.split(r"\s+(?:RESTART|CONTINUE|RESTRICT)\b", truncate.group(1), maxsplit=1, flags=re.I)[0]
        return {_bare(name) for name in names.split(",") if name.strip()} or {ALL}
    for pattern in _TARGETS:
        found = pattern.match(statement)
        if found:
            return {_bare(found.group(1))}
    if _COPY_OUT.match(statement):
        return set()
    return {ALL}


def _dml_tables(statement) -> set[str]:
    """Return the target tables of a compiled INSERT/UPDATE/DELETE construct."""
    target = getattr(statement, "table", None)
    names: set[str] = set()
    seen = 0
    stack = [target]
    while stack and seen < 20:
        seen += 1
        item = stack.pop()
        if item is None:
            continue
        name = getattr(item, "name", None)
        if isinstance(name, str) and getattr(item, "element", None) is None:
            names.add(name.lower())
        elif getattr(item, "element", None) is not None:  # an alias
            stack.append(item.element)
        elif getattr(item, "left", None) is not None:  # a join (multi-table UPDATE)
            stack.extend((item.left, item.right))
    return names


def _delete_reach(metadata) -> dict[str, frozenset[str]]:
    """Return, per table, the tables a DELETE on it changes through ON DELETE rules (transitively)."""
    direct: dict[str, set[tuple[str, bool]]] = defaultdict(set)
    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            rule = (fk.ondelete or "").upper()
            if rule not in ("CASCADE", "SET NULL", "SET DEFAULT"):
                continue
            parent = fk.target_fullname.rsplit(".", 1)[0].rsplit(".", 1)[-1].lower()
            direct[parent].add((table.name.lower(), rule == "CASCADE"))
    reach: dict[str, frozenset[str]] = {}
    for start in direct:
        found: set[str] = set()
        todo = [start]
        while todo:
            for child, cascades in direct.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    if cascades:
                        todo.append(child)
        reach[start] = frozenset(found)
    return reach


# --- Backends --------------------------------------------------------------------------------

class LocalBackend:
    """Values in this process (LRU with TTL); generations in files shared by the server's processes."""

    def __init__(self, folder: Path | None, prefix: str, max_bytes: int):
        self._values: OrderedDict[tuple[str, str], tuple[float, Any, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._counters: dict[str, int] = defaultdict(int)
        self._prefix = re.sub(r"[^\w.-]", "_", prefix)
        self._max_bytes = max(1, int(max_bytes))
        self._folder = None
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                log.warning("cache: cannot create %s (%s); generations stay in this process", folder, error)
            else:
                if os.access(folder, os.W_OK):
                    self._folder = folder
                else:
                    log.warning("cache: %s is not writable; generations stay in this process", folder)

    def _path(self, ns: str) -> Path:
        assert self._folder is not None
        return self._folder / (self._prefix + re.sub(r"[^\w.-]", "_", ns) + ".gen")

    def generation(self, ns: str):
        if self._folder is None:
            return self._counters[ns]
        try:
            st = os.stat(self._path(ns))
        except FileNotFoundError:
            return (0, 0)
        return (st.st_ino, st.st_size)

    def read(self, ns: str, digest: str):
        gen = self.generation(ns)
        with self._lock:
            entry = self._values.get((ns, digest))
            if entry is None:
                return gen, None
            expires, tag, blob = entry
            if tag != gen or expires <= time.monotonic():
                self._drop((ns, digest))
                return gen, None
            self._values.move_to_end((ns, digest))
            return gen, blob

    def write(self, ns: str, digest: str, gen, blob: bytes, ttl: float) -> None:
        if len(blob) > self._max_bytes:
            return
        with self._lock:
            self._drop((ns, digest))
            self._values[(ns, digest)] = (time.monotonic() + ttl, gen, blob)
            self._bytes += len(blob)
            while self._bytes > self._max_bytes:  # least recently used first
                self._drop(next(iter(self._values)))

    def _drop(self, key: tuple[str, str]) -> None:
        entry = self._values.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[2])

    def bump(self, names: Iterable[str]) -> None:
        for ns in names:
            if self._folder is None:
                with self._lock:
                    self._counters[ns] += 1
                continue
            path = self._path(ns)
            # One byte appended per change: the size only grows, so (inode, size) never repeats;
            # a new file (a new inode) replaces a big one.
            try:
                if path.stat().st_size >= _COMPACT_AT:
                    fresh = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
                    fresh.write_bytes(b"+")
                    os.replace(fresh, path)
                    continue
            except FileNotFoundError:
                pass
            with open(path, "ab") as handle:
                handle.write(b"+")

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0


class RedisBackend:
    """Values and generations in Redis, shared by every process and server."""

    def __init__(self, url: str, prefix: str):
        from redis import Redis

        self._redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._prefix = prefix

    def _gen_key(self, ns: str) -> str:
        return f"{self._prefix}gen:{ns}"

    def _value_key(self, ns: str, digest: str) -> str:
        return f"{self._prefix}value:{ns}:{digest}"

    def read(self, ns: str, digest: str):
        gen, stored = self._redis.mget(self._gen_key(ns), self._value_key(ns, digest))
        if gen is None:
            # A random start: a generation lost (Redis flushed) never comes back to an old value.
            self._redis.set(self._gen_key(ns), random.getrandbits(48), nx=True)
            return self._redis.get(self._gen_key(ns)), None
        if stored is not None:
            tag, _sep, blob = stored.partition(b"|")
            if tag == gen:
                return gen, blob
        return gen, None

    def write(self, ns: str, digest: str, gen, blob: bytes, ttl: float) -> None:
        if gen is None:
            return
        self._redis.set(self._value_key(ns, digest), gen + b"|" + blob, ex=max(1, int(ttl)))

    def bump(self, names: Iterable[str]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for ns in names:
            pipe.incr(self._gen_key(ns))
        pipe.execute()

    def clear(self) -> None:
        keys = list(self._redis.scan_iter(match=self._prefix + "*", count=500))
        for start in range(0, len(keys), 500):
            self._redis.delete(*keys[start:start + 500])


def _backend_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis import RedisError
    except ImportError:  # pragma: no cover - redis comes with RQ
        return (OSError,)
    return (OSError, RedisError)


# --- The cache of one app --------------------------------------------------------------------

class Cache:
    """The cache of one app: a backend, its settings, and the connection listeners that invalidate it."""

    def __init__(self, backend, *, enabled: bool = True, ttl: float = 300):
        self.backend = backend
        self.enabled = enabled
        self.ttl = float(ttl)
        self._metadata = None
        self._reach: dict[str, frozenset[str]] | None = None
        self._errors = _backend_errors()

    # reading ---------------------------------------------------------------------------------

    def cached(self, ns: Namespace | str, key: Any, compute: Callable[[], T], ttl: float | None = None) -> T:
        """Return the value of *key* in *ns*, computing and storing it when missing or stale."""
        ns = _NAMESPACES[ns] if isinstance(ns, str) else ns
        if not self.enabled or _own_writes(ns.tables):
            return compute()
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:40]
        try:
            gen, blob = self.backend.read(ns.name, digest)
        except self._errors as error:
            log.warning("cache: cannot read %s (%s); computing", ns.name, error)
            return compute()
        if blob is not None:
            try:
                return pickle.loads(blob)
            except Exception as error:  # e.g. a value written by an older version of the code
                log.warning("cache: dropping an unreadable value of %s (%s)", ns.name, error)
        value = compute()
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.backend.write(ns.name, digest, gen, blob, self.ttl if ttl is None else ttl)
        except self._errors as error:
            log.warning("cache: cannot store %s (%s)", ns.name, error)
        return value

    # invalidating ----------------------------------------------------------------------------

    def bump(self, names: Iterable[str]) -> None:
        """Start a new generation of these namespaces (their stored values become stale)."""
        names = list(names)
        if not names:
            return
        try:
            self.backend.bump(names)
        except self._errors as error:
            log.error("cache: cannot invalidate %s (%s); values may be stale for up to %ss",
                      ", ".join(names), error, int(self.ttl))

    def tables_changed(self, tables: set[str]) -> None:
        """Bump every namespace depending on one of *tables* (``ALL``: every namespace)."""
        self.bump(_depending_on(tables))

    def clear(self) -> None:
        """Drop every stored value (in Redis, every key under the prefix: generations restart at random)."""
        self.backend.clear()

    def watch(self, engine, metadata) -> None:
        """Listen to *engine*'s connections: note written tables, bump when their transaction is over."""
        self._metadata = metadata

        def noted(conn, cursor, statement, parameters, context, executemany):
            tables = self._written(context, statement)
            if tables:
                conn.info.setdefault(_WRITTEN, set()).update(tables)

        def transaction_over(info) -> None:
            written = info.pop(_WRITTEN, None) if info is not None else None
            if written:
                self.tables_changed(written)

        # The previous transaction on this connection is over when the next one begins, or when
        # the connection goes back to the pool (after its commit or rollback).
        event.listen(engine, "after_cursor_execute", noted)
        event.listen(engine, "begin", lambda conn: transaction_over(conn.info))
        event.listen(engine, "checkin", lambda dbapi_conn, record: transaction_over(getattr(record, "info", None)))
        event.listen(engine, "invalidate", lambda dbapi_conn, record, exc: transaction_over(getattr(record, "info", None)))

    def _written(self, context, statement: str) -> set[str]:
        compiled = getattr(context, "compiled", None)
        if context is not None and (context.isinsert or context.isupdate or context.isdelete) and compiled is not None:
            tables = _dml_tables(compiled.statement) or tables_written_by(statement)
            is_delete = context.isdelete
        else:
            tables = tables_written_by(statement)
            is_delete = statement.lstrip()[:6].upper() in ("DELETE", "TRUNCA")
        if is_delete and ALL not in tables:
            if self._reach is None:  # on first use: every model is imported by then
                self._reach = _delete_reach(self._metadata)
            for table in list(tables):
                tables |= self._reach.get(table, frozenset())
        return tables


def _tables_of(obj) -> set[str]:
    try:
        return {table.name.lower() for table in inspect(obj).mapper.tables}
    except Exception:  # not a mapped object
        return {ALL}


def _own_writes(tables: frozenset[str]) -> bool:
    """Tell whether the current session holds changes, flushed or not, to one of *tables*."""
    from servicecraft.extensions import db

    registry = db.session.registry
    if not registry.has():
        return False
    session = registry()
    for obj in (*session.new, *session.dirty, *session.deleted):
        changed = _tables_of(obj)
        if ALL in changed or changed & tables:
            return True
    if not session.in_transaction():
        return False
    written = session.connection().info.get(_WRITTEN)
    return bool(written) and (ALL in written or bool(written & tables))


# --- The app's cache -------------------------------------------------------------------------

def init_app(app: Flask) -> Cache:
    """Create the app's cache from its settings (see the module's docstring) and watch its database."""
    config = app.config
    ttl = float(config.get("CACHE_TTL") or 300)
    # Figures belong to one database: two deployments (or test runs) sharing a Redis or an
    # instance folder never see each other's values or generations.
    database = make_url(config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
    prefix = str(config.get("CACHE_KEY_PREFIX") or "servicecraft:cache:") + hashlib.sha256(
        database.encode()).hexdigest()[:10] + ":"
    url = config.get("CACHE_REDIS_URL") or config.get("REDIS_URL")
    if url:
        backend: Any = RedisBackend(url, prefix)
    else:
        folder = config.get("CACHE_DIR") or Path(app.instance_path) / "cache"
        backend = LocalBackend(Path(folder), prefix, int(config.get("CACHE_MAX_BYTES") or 64 << 20))
    store = Cache(backend, enabled=bool(config.get("CACHE_ENABLED", True)), ttl=ttl)
    app.extensions[EXTENSION] = store
    if store.enabled:
        from servicecraft.extensions import db

        with app.app_context():
            for engine in db.engines.values():
                store.watch(engine, db.metadata)
    return store


def store_of(app: Flask | None = None) -> Cache | None:
    """Return the cache of *app* (default: the current app), or None outside an app."""
    if app is None:
        if not has_app_context():
            return None
        app = current_app
    return app.extensions.get(EXTENSION)


def cached(ns: Namespace | str, key: Any, compute: Callable[[], T], ttl: float | None = None) -> T:
    """Return the current app's cached value of *key* in *ns* (see :meth:`Cache.cached`); outside an app, compute."""
    store = store_of()
    if store is None:
        return compute()
    return store.cached(ns, key, compute, ttl)


def clear(app: Flask | None = None) -> None:
    """Drop every value stored by the app's cache."""
    store = store_of(app)
    if store is not None:
        store.clear()
