"""Multilingual *text* values shared by scenario and form files (pure Python).

A *text* is either a plain string (the file's default language) or a mapping from
language code to string, e.g. ``{"en": "Hello", "ru": "Привет"}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

LANGUAGE_CODES = ("en", "ru", "uk", "ja")

Text = str | Mapping[str, str]


def is_text(value: object) -> bool:
    """Tell whether *value* has the shape of a *text* (a string or language -> string map)."""
    if isinstance(value, str):
        return True
    if isinstance(value, Mapping) and value:
        return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return False


def missing_languages(value: Text, languages: Sequence[str]) -> list[str]:
    """Return the languages of *languages* that *value* lacks.

    A plain string stands for the default (first) language only.
    """
    if isinstance(value, str):
        return [lang for lang in languages[1:]] if value.strip() else list(languages)
    return [lang for lang in languages if not str(value.get(lang, "")).strip()]


def pick(value: Text | None, language: str | None, fallbacks: Sequence[str] = ()) -> str:
    """Return *value* in *language*, else in the first fallback that has it, else any."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    for lang in (language, *fallbacks):
        if lang and value.get(lang):
            return value[lang]
    return next(iter(value.values()), "")
