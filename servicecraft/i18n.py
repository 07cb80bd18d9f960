"""Locale and time-zone selection, and the languages the interface speaks."""

from __future__ import annotations

from flask import current_app, has_app_context, has_request_context, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "uk": "Українська", "ja": "日本語"}


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """The user's own setting, else the language chosen on the sign-in page, else the browser's."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # the CLI speaks English
    languages = supported_languages()
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def organisation_timezone() -> str:
    """Return the organisation's time zone (setting TIMEZONE): periods and reports use it."""
    if has_app_context():
        return current_app.config.get("TIMEZONE") or "UTC"
    return "UTC"


def select_timezone() -> str:
    if has_request_context() and getattr(current_user, "is_authenticated", False) and current_user.timezone:
        return current_user.timezone
    return current_app.config["TIMEZONE"]
