"""Scorecard components and the composite (metrics.md, "Scorecard"). Pure Python.

For an agent and a period the components are each 0..100 or None (nothing to count)::

    composite = sum(w_c * c) / sum(w_c)   over the components that are not None

with weights set by a manager (:data:`DEFAULT_WEIGHTS` otherwise). A component whose value
is None is left out, and :class:`CompositeResult` says which ones were, so the scorecard can
say so. A component with weight 0 simply does not count (it is not "left out"). Arithmetic is
exact; the composite is rounded half away from zero to one decimal at the end only, and its
exact value is kept for ranking.

Rounding happens once, at the end, so pass components unrounded where you have them:
:func:`mean_of` and :func:`share_of` give a :class:`ComponentInput` holding the exact mean
or share and how many items it rests on; a plain number (int, float, Fraction, Decimal) is
also accepted, a float taken as the decimal it prints as.

A typical use::

    components = {"qa_pct": mean_of([80, 90.5]), "csat_pct": Fraction(700, 9), "fcr_pct": None}
    result = composite(components)           # DEFAULT_WEIGHTS
    result.value, result.left_out            # -> 82.4, ('mystery_shop_pct', 'fcr_pct', ...)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from qa.tickets.reference import Number, exact, round_half_away, share
from servicecraft.messages import _

__all__ = [
    "COMPONENT_KEYS", "DEFAULT_WEIGHTS", "ComponentInput", "CompositeError", "CompositeResult",
    "check_weights", "component_label", "composite", "mean_of", "scorecard_row", "share_of",
]

# In the order the scorecard shows them.
COMPONENT_KEYS: tuple[str, ...] = (
    "qa_pct", "mystery_shop_pct", "csat_pct", "fcr_pct", "first_reply_within_24h_pct",
    "simulation_pct", "training_pct",
)

DEFAULT_WEIGHTS: Mapping[str, int] = MappingProxyType({
    "qa_pct": 25,
    "mystery_shop_pct": 20,
    "csat_pct": 15,
    "fcr_pct": 10,
    "first_reply_within_24h_pct": 10,
    "simulation_pct": 10,
    "training_pct": 10,
})


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_unknown_key(key: object) -> str:
    return _("%(key)s is not a scorecard component (use one of %(keys)s)", key=repr(key), keys=", ".join(COMPONENT_KEYS))


def _m_weight_not_number(key: str, value: object) -> str:
    return _("the weight of %(key)s is %(value)s, not a number", key=key, value=repr(value))


def _m_weight_negative(key: str, value: object) -> str:
    return _("the weight of %(key)s is %(value)s; a weight cannot be negative", key=key, value=_plain(value))


def _m_weights_all_zero() -> str:
    return _("every weight is zero: give at least one component a weight above zero")


def _m_component_not_number(key: str, value: object) -> str:
    return _("%(key)s is %(value)s, not a number", key=key, value=repr(value))


def _m_component_out_of_range(key: str, value: object) -> str:
    return _("%(key)s is %(value)s, outside 0..100", key=key, value=_plain(value))


def _m_left_out(labels: str) -> str:
    return _("left out, no data in the period: %(components)s", components=labels)


def component_label(key: str) -> str:
    """Return the component's name for people (translated when a translator is installed)."""
    label = _COMPONENT_LABELS.get(key)
    return label() if label is not None else key


# Translated on demand, one at a time (a table of scorecards asks for dozens of labels).
_COMPONENT_LABELS = {
    "qa_pct": lambda: _("QA score"),
    "mystery_shop_pct": lambda: _("mystery shopping"),
    "csat_pct": lambda: _("CSAT"),
    "fcr_pct": lambda: _("first-contact resolution"),
    "first_reply_within_24h_pct": lambda: _("first reply within 24 hours"),
    "simulation_pct": lambda: _("simulations"),
    "training_pct": lambda: _("training completed"),
}


def _plain(value: object) -> str:
    """Show a number the way people write it (75, 72.5, 1/3 as 0.333...)."""
    try:
        number = exact(value)  # type: ignore[arg-type]
    except ValueError:
        return repr(value)
    if number.denominator == 1:
        return str(number.numerator)
    return format(Decimal(number.numerator) / Decimal(number.denominator), "f").rstrip("0")


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, Decimal)):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


class CompositeError(ValueError):
    """Weights or components that cannot make a composite; ``problems`` lists every one."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# --- Components ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ComponentInput:
    """One component's exact value (0..100, None: nothing to count) and how many items it rests on."""

    value: Fraction | None
    count: int

    @property
    def rounded(self) -> float | None:
        """The value as the scorecard shows it (half away from zero, one decimal)."""
        return round_half_away(self.value)


def mean_of(values: Iterable[Number | None]) -> ComponentInput:
    """Return the exact mean of scores (QA reviews, mystery shops, role-plays) with their count.

    A None score (an evaluation with every item N/A) is left out; no scores at all give a
    value of None, never 0.
    """
    scores = [exact(value) for value in values if value is not None]
    if not scores:
        return ComponentInput(None, 0)
    # The exact sum over a common denominator: one Fraction at the end instead of one per
    # addition (a scorecards page takes dozens of means over every agent).
    common = math.lcm(*(score.denominator for score in scores))
    total = sum(score.numerator * (common // score.denominator) for score in scores)
    return ComponentInput(Fraction(total, common * len(scores)), len(scores))


def share_of(part: int, whole: int) -> ComponentInput:
    """Return part/whole as a percentage (e.g. assigned courses completed), resting on *whole* items."""
    return ComponentInput(share(part, whole), whole)


def _component_value(value: object) -> object:
    return value.value if isinstance(value, ComponentInput) else value


# --- Weights and the composite -------------------------------------------------------------

def check_weights(weights: Mapping[str, Any]) -> list[str]:
    """Return every problem with a manager's weights (empty when they are fine).

    Keys are component keys (:data:`COMPONENT_KEYS`); a component missing from the mapping
    has weight 0. Weights are non-negative numbers, at least one above zero.
    """
    problems: list[str] = []
    total = Fraction(0)
    for key, weight in weights.items():
        if key not in COMPONENT_KEYS:
            problems.append(_m_unknown_key(key))
        elif not _is_number(weight):
            problems.append(_m_weight_not_number(key, weight))
        elif exact(weight) < 0:
            problems.append(_m_weight_negative(key, weight))
        else:
            total += exact(weight)
    if not problems and total == 0:
        problems.append(_m_weights_all_zero())
    return problems


@dataclass(frozen=True, slots=True)
class CompositeResult:
    """A composite: ``value`` as shown (None when no weighted component has data) and ``exact``."""

    value: float | None
    exact: Fraction | None
    used: tuple[str, ...]       # weighted components that had data, in COMPONENT_KEYS order
    left_out: tuple[str, ...]   # weighted components left out because they were None
    weights: Mapping[str, Fraction]

    def note(self) -> str | None:
        """Return the scorecard's sentence naming the components left out, or None if none were."""
        if not self.left_out:
            return None
        return _m_left_out(", ".join(component_label(key) for key in self.left_out))


def composite(components: Mapping[str, Any], weights: Mapping[str, Any] = DEFAULT_WEIGHTS) -> CompositeResult:
    """Return the composite of an agent's components under *weights*.

    *components* maps component keys to a number (0..100), None or a :class:`ComponentInput`;
    a key that is missing counts as None and other keys (a whole scorecard row, say) are
    ignored. Raises :class:`CompositeError` listing every problem with the weights or the values.
    """
    problems = check_weights(weights)
    for key in COMPONENT_KEYS:
        value = _component_value(components.get(key))
        if value is None:
            continue
        if not _is_number(value):
            problems.append(_m_component_not_number(key, value))
        elif not 0 <= exact(value) <= 100:
            problems.append(_m_component_out_of_range(key, value))
    if problems:
        raise CompositeError(problems)
    chosen = {key: exact(weights[key]) for key in COMPONENT_KEYS if key in weights and exact(weights[key]) > 0}
    used: list[str] = []
    left_out: list[str] = []
    weighted_sum = Fraction(0)
    weight_sum = Fraction(0)
    for key, weight in chosen.items():
        value = _component_value(components.get(key))
        if value is None:
            left_out.append(key)
            continue
        used.append(key)
        weighted_sum += weight * exact(value)  # type: ignore[arg-type]
        weight_sum += weight
    value_exact = weighted_sum / weight_sum if weight_sum else None
    return CompositeResult(round_half_away(value_exact), value_exact, tuple(used), tuple(left_out),
                           MappingProxyType(chosen))


def scorecard_row(agent: str, name: str, figures: Mapping[str, Any], components: Mapping[str, Any],
                  weights: Mapping[str, Any] = DEFAULT_WEIGHTS) -> dict[str, Any]:
    """Return one `scorecards export` row: ``agent`` (e-mail), ``name``, the figures, the components, ``composite``.

    *figures* are the agent's ticket metrics (already rounded, as metrics_by_agent gives
    them); *components* as for :func:`composite`, each shown rounded. Where a component is
    also a ticket metric (csat_pct, ...) the component's value is the one shown.
    """
    merged = {key: components[key] if key in components else figures.get(key) for key in COMPONENT_KEYS}
    result = composite(merged, weights)  # checks every value first
    row: dict[str, Any] = {"agent": agent, "name": name}
    row.update(figures)
    for key in COMPONENT_KEYS:
        row[key] = round_half_away(_component_value(merged[key]))  # type: ignore[arg-type]
    row["composite"] = result.value
    return row
