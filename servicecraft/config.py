"""Settings: defaults, then the instance folder's config.py, then environment variables."""

from __future__ import annotations

import json
import os
from datetime import timedelta

DEFAULT_SECRET = "dev-only-secret-change-me"

# Environment variables read on top of the defaults. SERVICECRAFT_<NAME> sets <NAME>.
ENV_PREFIX = "SERVICECRAFT_"


class Defaults:
    """Values used when nothing else is configured (the embedded SQLite set-up)."""

    SECRET_KEY = DEFAULT_SECRET
    SQLALCHEMY_DATABASE_URI = None  # filled in from the instance folder when unset
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "ru", "uk", "ja")
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    PASSWORD_RESET_HOURS = 48
    TIMEZONE = "UTC"
    EXTRA_CATEGORIES: tuple[str, ...] = ()
    UPLOAD_FOLDER = None  # defaults to <instance>/uploads
    PRODUCTION = False
    # Reverse proxies in front of the app (nginx, a load balancer): trust this many
    # X-Forwarded-For / X-Forwarded-Proto hops, so sign-in throttling sees the real address.
    PROXY_HOPS = 0
    # servicecraft.cache: computed figures (scorecards) kept until a commit changes their
    # tables. In Redis when CACHE_REDIS_URL (default REDIS_URL) is set, else in the process.
    CACHE_ENABLED = True
    CACHE_TTL = 300  # seconds; a backstop only (commits invalidate at once)
    CACHE_KEY_PREFIX = "servicecraft:cache:"
    CACHE_MAX_BYTES = 64 * 1024 * 1024  # in-process store only: least recently used values go first
    CACHE_DIR = None  # in-process store's generation files; defaults to <instance>/cache
    CACHE_REDIS_URL = None
    # flask-smorest: the OpenAPI document lives under the API prefix.
    API_TITLE = "Servicecraft API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


def _coerce(raw: str):
    """Read an environment value as JSON when it parses (numbers, booleans, lists), else text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def from_environment(environ=os.environ) -> dict:
    """Collect settings from ``DATABASE_URL``, ``SECRET_KEY``, ``REDIS_URL`` and ``SERVICECRAFT_*``."""
    settings: dict = {}
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("REDIS_URL"):
        settings["REDIS_URL"] = environ["REDIS_URL"]
        settings["RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
    for key, raw in environ.items():
        if key.startswith(ENV_PREFIX) and len(key) > len(ENV_PREFIX):
            settings[key[len(ENV_PREFIX):]] = _coerce(raw)
    if "DATABASE_URL" in settings:
        settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(settings.pop("DATABASE_URL"))
    return settings


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
