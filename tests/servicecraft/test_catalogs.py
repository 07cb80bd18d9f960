"""Every string the code marks for translation is translated: Russian completely, Ukrainian
and Japanese at least for navigation and the role-play pages (the project's rule)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


@pytest.fixture(scope="module")
def extracted() -> dict[str, set[str]]:
    """msgid -> the files that use it, read from the source as `make extract-messages` does."""
    found: dict[str, set[str]] = {}
    method_map = [("**/.venv/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}},
    ):
        if filename.startswith(("tests/", ".venv/", "bench/", "build/")):
            continue
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, set()).add(filename)
    return found


def _translated(language: str) -> set[str]:
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    done = set()
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and all(strings) and not message.fuzzy:
            done.add(message.id[0] if isinstance(message.id, tuple) else message.id)
    return done


def test_every_string_has_a_russian_translation(extracted):
    missing = sorted(set(extracted) - _translated("ru"))
    assert not missing, "untranslated in ru (run `make extract-messages` and translate):\n" + "\n".join(missing[:30])


@pytest.mark.parametrize("language", ["uk", "ja"])
def test_navigation_and_role_plays_are_translated(app, extracted, language):
    from servicecraft import templating

    required = {item.label._args[0] for item in templating._NAV}  # the msgids of the lazy labels
    assert any("simulations" in item.endpoint for item in templating._NAV)
    required |= {m for m, files in extracted.items() if any("simulations" in f for f in files)}
    missing = sorted(required - _translated(language))
    assert not missing, f"untranslated in {language}:\n" + "\n".join(missing[:30])
