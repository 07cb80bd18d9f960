"""Show a form's answers in HTML fields and read them back (pure Python: no Flask, no database).

Shared by ticket reviews and calibration sheets. Each item posts one field named
``item-<id>``: yes/no items ``yes``/``no``, scale and stars items the number, timers seconds,
text items the text, and any scored item that allows it ``na``; the strings are typed by
``qa.evaluations.services.coerce_answers``. Evidence items are not asked for here (reviews and
calibration carry no uploads).
"""

from __future__ import annotations

from collections.abc import Mapping

from qa.evaluations.formfile import FormDefinition, Item
from qa.evaluations.scoring import NA, Answer
from servicecraft.messages import _
from servicecraft.texts import pick

FIELD_PREFIX = "item-"


def field_name(item: Item) -> str:
    return FIELD_PREFIX + item.id


def raw_answers(form: FormDefinition, data: Mapping[str, str]) -> dict[str, str]:
    """Return the posted strings by item id, for ``qa.evaluations.services.coerce_answers``."""
    return {item.id: data.get(field_name(item), "") for item in form.items() if not item.is_evidence}


def display(item: Item, value: Answer) -> str:
    """Return an answer as a reviewer reads it."""
    if value is None or value == "":
        return "—"
    if item.is_scored and isinstance(value, str) and value.lower() == NA:
        return _("N/A")
    if item.type == "yes_no":
        return _("Yes") if value else _("No")
    if item.type == "scale":
        return _("%(value)s of %(max)s", value=value, max=item.max)
    if item.type == "stars":
        return _("%(value)s of 5 stars", value=value)
    if item.type == "timer":
        return _("%(seconds)s s", seconds=value)
    return str(value)


def form_value(item: Item, value: Answer) -> str:
    """Return an answer as the HTML field shows it again."""
    if value is None:
        return ""
    if item.type == "yes_no" and isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def item_text(item: Item, language: str | None) -> str:
    return pick(item.text, language, ("en",))




def pick_text(value, language: str | None) -> str:
    return pick(value, language, ("en",))


__all__ = ["FIELD_PREFIX", "display", "field_name", "form_value", "item_text", "pick_text", "raw_answers"]
