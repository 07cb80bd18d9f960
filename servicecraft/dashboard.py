"""Dashboard panels: each package contributes panels for the roles they concern.

A panel is a template fragment plus a function that gathers its data for the viewer. The
home page shows, in order, every panel whose roles meet the viewer's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    name: str
    roles: tuple[str, ...]
    template: str
    context: Callable[[object], dict | None]
    order: int = 100
    # Only for agents still onboarding, or only for agents already live.
    newhire: bool | None = None


_PANELS: dict[str, Panel] = {}


def panel(name: str, *, roles: tuple[str, ...], template: str, order: int = 100, newhire: bool | None = None):
    """Register the decorated function as the data source of a dashboard panel."""

    def decorate(func):
        _PANELS[name] = Panel(name, roles, template, func, order, newhire)
        return func

    return decorate


def panels_for(user) -> list[tuple[Panel, dict]]:
    """Return the panels *user* sees with their data; a panel returning None is skipped."""
    shown = []
    for item in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        if not user.has_role(*item.roles):
            continue
        if item.newhire is not None and item.newhire != user.is_newhire:
            continue
        data = item.context(user)
        if data is not None:
            shown.append((item, data))
    return shown
