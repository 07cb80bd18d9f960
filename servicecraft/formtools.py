"""Small helpers shared by every package's forms."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import SelectChoice


def choices(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into the option objects WTForms expects."""
    return [SelectChoice(value, label) for value, label in pairs]
