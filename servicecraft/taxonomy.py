"""The request taxonomy support teams classify requests under (pure Python).

`main/sub` codes as fixed in the scenario format spec; deployments may add their own
through the ``SERVICECRAFT_EXTRA_CATEGORIES`` setting.
"""

from __future__ import annotations

from collections.abc import Iterable

CATEGORIES: tuple[str, ...] = (
    "technical/connection",
    "technical/software-error",
    "technical/device",
    "product/information",
    "product/defect",
    "service/information",
    "service/quality",
    "service/wait-time",
    "access/resource",
    "order/new",
    "order/delivery",
    "order/return",
    "payment/billing-error",
    "payment/refund",
    "payment/delay",
    "payment/pricing-info",
    "complaint/staff-behaviour",
)


def all_categories(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Return the built-in categories followed by a deployment's extra ones."""
    seen = list(CATEGORIES)
    for code in extra:
        if code not in seen:
            seen.append(code)
    return tuple(seen)


def is_category(code: object, extra: Iterable[str] = ()) -> bool:
    """Tell whether *code* is a known `main/sub` category."""
    return isinstance(code, str) and code in all_categories(extra)


def main_part(code: str) -> str:
    """Return the `main` half of a `main/sub` code."""
    return code.split("/", 1)[0]
