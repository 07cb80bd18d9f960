"""Translatable messages for the pure (Flask-free) domain modules.

The domain modules (GIFT import, scenario and form files, the simulation engine, scoring,
...) run in the web app, in the CLI and in plain unit tests. They must not import Flask, so
they cannot call Flask-Babel's ``gettext`` themselves. Instead they mark their messages with
:func:`_` from this module, which is plain Python::

    from servicecraft.messages import _

    def _m_too_long(length: int) -> str:
        return _("the reply is %(length)s characters long", length=length)

:func:`_` hands the msgid to the installed translator and then substitutes the
``%(name)s`` values. The translator is the identity until someone calls :func:`install`:
the app factory installs one that calls Flask-Babel's ``gettext`` inside an app or request
context (see ``servicecraft.factory.install_message_translator``), so the same code speaks
the user's language in the app and English in tests and scripts that run without Flask.

``pybabel extract`` picks up ``_("...")`` calls by default, so these msgids land in
``translations/messages.pot`` with the rest. Keep each sentence one msgid with named
placeholders, so translators can move the values; write a literal ``%`` as ``%%`` in a
message that takes values.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["_", "install", "installed", "uninstall"]


def _identity(message: str) -> str:
    return message


_translate: Callable[[str], str] = _identity


def _(message: str, /, **values: object) -> str:
    """Return *message* translated, with the ``%(name)s`` *values* filled in.

    *message* is positional-only, so a placeholder may itself be called ``message``.
    """
    text = _translate(message)
    return text % values if values else text


def install(translate: Callable[[str], str]) -> None:
    """Make *translate* (msgid -> translated text) the translator every later :func:`_` uses."""
    global _translate
    _translate = translate


def uninstall() -> None:
    """Go back to the identity: messages come out in English, as written."""
    global _translate
    _translate = _identity


def installed() -> Callable[[str], str]:
    """Return the translator in use (the identity when none is installed)."""
    return _translate
