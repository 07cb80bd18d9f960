"""Pull incremental changes from a configured help desk's API, page by page, with a stored cursor.

Endpoints (the vendors' documented incremental APIs):

- Zendesk: ``GET /api/v2/incremental/tickets/cursor.json?start_time=0&include=metric_sets,users``,
  then ``?cursor=<after_cursor>`` until ``end_of_stream``.
- Freshdesk: ``GET /api/v2/agents`` and ``GET /api/v2/tickets?updated_since=<cursor>&include=stats
  &order_by=updated_at&order_type=asc&per_page=100&page=N`` until a short page; the cursor is the
  newest ``updated_at`` stored.
- Zammad: ``GET /api/v1/tickets/search?query=updated_at:>=<cursor>&expand=true&sort_by=updated_at
  &order_by=asc&per_page=100&page=N`` until a short page.

Each page is imported and committed together with the cursor after it, so a run that fails
(network, a bad page) keeps what it stored and the next run resumes from there: nothing is
lost, and re-reading a page only finds its tickets unchanged. HTTP goes through an injectable
``fetch(url, headers) -> (status, body)`` so tests can point it at a local server.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import quote, urlencode

from flask_babel import gettext as _
from sqlalchemy import select

from qa.tickets import importer
from qa.tickets.models import HelpdeskConnection
from qa.tickets.sources import iter_file
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.jobs import JobFailed, enqueue, job

Fetch = Callable[[str, dict], tuple[int, bytes]]
PER_PAGE = 100
MAX_PAGES = 10_000
TIMEOUT = 60


class SyncError(Exception):
    """A sync could not run or stopped; what was stored before the failure stays stored."""


def urllib_fetch(url: str, headers: dict) -> tuple[int, bytes]:
    """GET `url` with the standard library; return (status, body)."""
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - configured https URL
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read() or b""
    except (urllib.error.URLError, OSError) as error:
        raise SyncError(_("The help desk could not be reached: %(reason)s.",
                          reason=str(getattr(error, "reason", error)))) from None


def _auth_headers(connection: HelpdeskConnection) -> dict:
    headers = {"Accept": "application/json", "User-Agent": "Servicecraft ticket sync"}
    token = connection.api_token or ""
    if connection.source == "zendesk" and token:
        pair = f"{connection.username or ''}/token:{token}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    elif connection.source == "freshdesk" and token:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{token}:X".encode()).decode()
    elif connection.source == "zammad" and token:
        headers["Authorization"] = f"Token token={token}"
    return headers


def _get(fetch: Fetch, url: str, headers: dict) -> bytes:
    status, body = fetch(url, headers)
    if status != 200:
        raise SyncError(_("The help desk answered %(status)d to %(url)s.", status=status, url=url))
    return body


def _store_page(connection: HelpdeskConnection, body: bytes, url: str, totals: dict) -> importer.ImportResult:
    result = importer.import_records(iter_file(connection.source, body))
    if result.is_refused:
        db.session.rollback()
        raise SyncError(_("A page from %(url)s was refused, nothing of it stored: %(problems)s",
                          url=url, problems="; ".join(result.errors[:5])))
    for key in ("created", "updated", "unchanged", "stale"):
        totals[key] += getattr(result, key)
    totals["pages"] += 1
    return result


def _commit_cursor(connection: HelpdeskConnection, cursor: str | None) -> None:
    connection.cursor = cursor
    connection.last_sync_at = utcnow()
    db.session.commit()


def _sync_zendesk(connection, fetch: Fetch, headers: dict, totals: dict) -> None:
    base = connection.base_url.rstrip("/") + "/api/v2/incremental/tickets/cursor.json"
    for _page in range(MAX_PAGES):
        query = {"include": "metric_sets,users"}
        if connection.cursor:
            query["cursor"] = connection.cursor
        else:
            query["start_time"] = "0"
        url = base + "?" + urlencode(query)
        body = _get(fetch, url, headers)
        page = _json(body, url)
        _store_page(connection, body, url, totals)
        after = page.get("after_cursor") if isinstance(page, dict) else None
        _commit_cursor(connection, after or connection.cursor)
        if not isinstance(page, dict) or page.get("end_of_stream") or not after:
            return


def _newest(items: list, key: str, known: str | None) -> str | None:
    times = [item.get(key) for item in items if isinstance(item, dict) and isinstance(item.get(key), str)]
    candidates = [t for t in times if t] + ([known] if known else [])
    return max(candidates) if candidates else None


def _sync_paged(connection, fetch: Fetch, headers: dict, totals: dict, url_of: Callable[[int], str]) -> None:
    cursor = connection.cursor
    for number in range(1, MAX_PAGES + 1):
        url = url_of(number)
        body = _get(fetch, url, headers)
        items = _json(body, url)
        if not isinstance(items, list):
            raise SyncError(_("The help desk's answer to %(url)s is not a list of tickets.", url=url))
        if items:
            _store_page(connection, body, url, totals)
            cursor = _newest(items, "updated_at", cursor)
            # The stored cursor moves only once the paged run is complete: page numbers shift
            # while tickets change, so resuming mid-run is done by re-reading from the old time.
            db.session.commit()
        if len(items) < PER_PAGE:
            break
    _commit_cursor(connection, cursor)


def _sync_freshdesk(connection, fetch: Fetch, headers: dict, totals: dict) -> None:
    base = connection.base_url.rstrip("/")
    for number in range(1, MAX_PAGES + 1):
        url = f"{base}/api/v2/agents?per_page={PER_PAGE}&page={number}"
        body = _get(fetch, url, headers)
        agents = _json(body, url)
        if agents:
            _store_page(connection, body, url, totals)
            totals["pages"] -= 1
        if not isinstance(agents, list) or len(agents) < PER_PAGE:
            break
    since = connection.cursor or "1970-01-01T00:00:00Z"

    def url_of(number: int) -> str:
        return (f"{base}/api/v2/tickets?updated_since={quote(since)}&include=stats&order_by=updated_at"
                f"&order_type=asc&per_page={PER_PAGE}&page={number}")

    _sync_paged(connection, fetch, headers, totals, url_of)


def _sync_zammad(connection, fetch: Fetch, headers: dict, totals: dict) -> None:
    base = connection.base_url.rstrip("/")
    since = connection.cursor

    def url_of(number: int) -> str:
        if since:
            return (f"{base}/api/v1/tickets/search?query={quote('updated_at:>=' + since)}&expand=true"
                    f"&sort_by=updated_at&order_by=asc&per_page={PER_PAGE}&page={number}")
        return f"{base}/api/v1/tickets?expand=true&per_page={PER_PAGE}&page={number}"

    _sync_paged(connection, fetch, headers, totals, url_of)


def _json(body: bytes, url: str):
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise SyncError(_("The help desk's answer to %(url)s is not JSON.", url=url)) from None


_SYNCERS = {"zendesk": _sync_zendesk, "freshdesk": _sync_freshdesk, "zammad": _sync_zammad}


def sync_connection(connection: HelpdeskConnection, *, fetch: Fetch | None = None) -> dict:
    """Pull every change since the connection's cursor; commit page by page; return the totals.

    On a failure the pages stored so far stay stored, the error is recorded on the
    connection, and SyncError is raised.
    """
    if connection.source not in _SYNCERS:
        raise SyncError(_("%(source)s cannot be synced; import its exports instead.", source=connection.source))
    if not connection.base_url:
        raise SyncError(_("The %(source)s connection has no address to sync from.", source=connection.source))
    totals = {"pages": 0, "created": 0, "updated": 0, "unchanged": 0, "stale": 0, "errors": []}
    connection_id = connection.id
    try:
        _SYNCERS[connection.source](connection, fetch or urllib_fetch, _auth_headers(connection), totals)
    except SyncError as error:
        db.session.rollback()
        failed = db.session.get(HelpdeskConnection, connection_id)
        failed.last_sync_error = str(error)[:1000]
        failed.last_sync_result = totals
        result = importer.ImportResult(**{k: totals[k] for k in ("created", "updated", "unchanged", "stale")},
                                       errors=[str(error)])
        importer.log_import(result, source=failed.source, via="sync")
        db.session.commit()
        raise
    connection.last_sync_error = None
    connection.last_sync_result = totals
    connection.last_sync_at = utcnow()
    result = importer.ImportResult(**{k: totals[k] for k in ("created", "updated", "unchanged", "stale")})
    importer.log_import(result, source=connection.source, via="sync")
    db.session.commit()
    return totals


def sync_source(source: str, *, fetch: Fetch | None = None) -> dict:
    """Sync the configured connection of `source` (the CLI's `tickets sync --source`)."""
    connection = db.session.scalar(select(HelpdeskConnection).where(HelpdeskConnection.source == source))
    if connection is None:
        raise SyncError(_("No %(source)s connection is configured; an admin adds it under Tickets, Connections.",
                          source=source))
    return sync_connection(connection, fetch=fetch)


@job("tickets.sync")
def sync_job(ctx, source: str, title: str = "") -> dict:
    """Background sync of one connection (started by admins, webhooks or a scheduler)."""
    ctx.progress(5, _("Fetching changes from %(source)s", source=source))
    try:
        return sync_source(source)
    except SyncError as error:
        raise JobFailed(str(error)) from None


def schedule(connection: HelpdeskConnection, *, actor=None):
    """Queue a sync of `connection` (commits the caller's transaction first, as jobs do)."""
    return enqueue("tickets.sync", actor=actor, source=connection.source,
                   title=_("Sync from %(source)s", source=connection.source))
