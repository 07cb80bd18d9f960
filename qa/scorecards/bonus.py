"""Bonus rounds (metrics.md, "Bonus rounds"): eligibility, ranking, proposal, budget split. Pure Python.

A round has a period, a budget and eligibility rules (:data:`DEFAULT_RULES`:
``tickets_solved >= 20``, no critical fail in the period, required training complete,
``composite >= 75``). Candidates are ranked by composite, ties broken by ``qa_pct``, then
``csat_pct`` (higher first; a None sorts after every number), then name. The system proposes
the eligible ones in rank order (:func:`propose`, shaped as ``bonus propose --json``); a
manager picks the final list and gives a reason for every departure from the proposal
(:func:`departures`, :func:`check_departure_reasons`); the budget is shared out in whole
cents that add up exactly to it (:func:`split_budget`).

Numbers: pass the candidates' figures exact where you have them (``CompositeResult.exact``):
the ranking compares exact values, so two composites that both show 80.0 are told apart by
the exact figure before ``qa_pct`` is looked at. The composite threshold is checked on the
composite as published (rounded half away from zero to one decimal), so the figure named in
a reason is the figure on the agent's scorecard, and an agent shown 75.0 is never told that
75.0 is below 75.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal

from qa.tickets.reference import Number, exact, round_half_away
from servicecraft.messages import _

__all__ = [
    "DEFAULT_RULES", "BonusError", "BonusRules", "Candidate", "Departure", "Proposal",
    "check_departure_reasons", "check_rules", "departures", "eligibility", "propose", "rank", "split_budget",
]


# --- Messages: kept in one place, translated through servicecraft.messages. ---------------

def _m_too_few_tickets(count: int, minimum: int) -> str:
    return _("%(count)s tickets solved, fewer than the %(minimum)s required", count=count, minimum=minimum)


def _m_critical_fail() -> str:
    return _("a critical fail in the period")


def _m_training_incomplete() -> str:
    return _("required training not complete")


def _m_no_composite() -> str:
    return _("no composite: no scorecard component has data for the period")


def _m_composite_below(value: str, minimum: str) -> str:
    return _("composite %(composite)s is below %(minimum)s", composite=value, minimum=minimum)


def _m_bad_min_tickets(value: object) -> str:
    return _("the minimum of tickets solved is %(value)s, not a whole number of 0 or more", value=repr(value))


def _m_bad_min_composite(value: object) -> str:
    return _("the minimum composite is %(value)s, not a number between 0 and 100", value=repr(value))


def _m_bad_figure(agent: str, key: str, value: object) -> str:
    return _("%(agent)s: %(key)s is %(value)s, not a number between 0 and 100", agent=agent, key=key, value=repr(value))


def _m_bad_tickets(agent: str, value: object) -> str:
    return _("%(agent)s: tickets solved is %(value)s, not a whole number of 0 or more", agent=agent, value=repr(value))


def _m_duplicate_agent(agent: str) -> str:
    return _("%(agent)s appears more than once", agent=agent)


def _m_bad_budget(value: object) -> str:
    return _("the budget %(value)s is not an amount of money", value=repr(value))


def _m_negative_budget(value: str) -> str:
    return _("the budget is %(value)s; it cannot be negative", value=value)


def _m_budget_fraction_of_cent(value: str) -> str:
    return _("the budget %(value)s has a fraction of a cent", value=value)


def _m_no_recipients(value: str) -> str:
    return _("a budget of %(value)s needs at least one recipient", value=value)


def _m_bad_mode(mode: object) -> str:
    return _("%(mode)s is not a way to split a budget (use equal or tiers)", mode=repr(mode))


def _m_tiers_missing() -> str:
    return _("splitting by tiers needs the tiers: (how many recipients, weight) pairs")


def _m_tiers_in_equal_mode() -> str:
    return _("tiers are given, but the budget is split equally")


def _m_bad_tier(position: int, tier: object) -> str:
    return _("tier %(position)s is %(tier)s, not a pair of (how many recipients, weight)", position=position, tier=repr(tier))


def _m_bad_tier_size(position: int, size: object) -> str:
    return _("tier %(position)s is for %(size)s recipients; use a whole number of 1 or more, or None for the rest (last tier only)",
             position=position, size=repr(size))


def _m_bad_tier_weight(position: int, weight: object) -> str:
    return _("tier %(position)s has weight %(weight)s; a weight is a number above zero", position=position, weight=repr(weight))


def _m_tiers_too_few(covered: int, count: int) -> str:
    return _("the tiers cover %(covered)s recipients, but there are %(count)s", covered=covered, count=count)


def _m_added(agent: str) -> str:
    return _("%(agent)s was added to the final list but was not proposed", agent=agent)


def _m_dropped(agent: str, rank: int) -> str:
    return _("%(agent)s was proposed (rank %(rank)s) but is not on the final list", agent=agent, rank=rank)


def _m_reason_missing(description: str) -> str:
    return _("%(departure)s: give a reason", departure=description)


def _m_reason_not_a_departure(agent: str) -> str:
    return _("a reason is given for %(agent)s, who is not a departure from the proposal", agent=agent)


class BonusError(ValueError):
    """Input a bonus round cannot use; ``problems`` lists every one."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, Decimal)):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    return True


def _plain(value: Number) -> str:
    """Show a threshold the way people write it: 75, 72.5."""
    number = exact(value)
    if number.denominator == 1:
        return str(number.numerator)
    return format(Decimal(number.numerator) / Decimal(number.denominator), "f").rstrip("0")


def _shown(value: Number) -> str:
    """Show a figure as published: one decimal, rounded half away from zero (71.2, 80.0)."""
    return f"{round_half_away(value):.1f}"


# --- Rules and candidates ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BonusRules:
    """A round's eligibility rules; change one with ``dataclasses.replace(DEFAULT_RULES, ...)``."""

    min_tickets: int = 20
    no_critical_fail: bool = True
    training_complete: bool = True
    min_composite: Number = 75


DEFAULT_RULES = BonusRules()


def check_rules(rules: BonusRules) -> list[str]:
    """Return every problem with the rules (empty when they are fine)."""
    problems = []
    if isinstance(rules.min_tickets, bool) or not isinstance(rules.min_tickets, int) or rules.min_tickets < 0:
        problems.append(_m_bad_min_tickets(rules.min_tickets))
    if not _is_number(rules.min_composite) or not 0 <= exact(rules.min_composite) <= 100:
        problems.append(_m_bad_min_composite(rules.min_composite))
    return problems


@dataclass(frozen=True, slots=True)
class Candidate:
    """One agent's figures for the round's period (composite, qa_pct, csat_pct: 0..100 or None)."""

    agent: str                 # e-mail
    name: str
    composite: Number | None
    qa_pct: Number | None
    csat_pct: Number | None
    tickets_solved: int
    critical_fail: bool
    training_complete: bool

    def problems(self) -> list[str]:
        """Return every problem with the figures (empty when they are fine)."""
        problems = []
        for key in ("composite", "qa_pct", "csat_pct"):
            value = getattr(self, key)
            if value is not None and (not _is_number(value) or not 0 <= exact(value) <= 100):
                problems.append(_m_bad_figure(self.agent, key, value))
        tickets = self.tickets_solved
        if isinstance(tickets, bool) or not isinstance(tickets, int) or tickets < 0:
            problems.append(_m_bad_tickets(self.agent, tickets))
        return problems


def _check_candidates(candidates: Sequence[Candidate]) -> None:
    problems: list[str] = []
    seen: set[str] = set()
    for candidate in candidates:
        problems.extend(candidate.problems())
        if candidate.agent in seen:
            problems.append(_m_duplicate_agent(candidate.agent))
        seen.add(candidate.agent)
    if problems:
        raise BonusError(problems)


def eligibility(candidate: Candidate, rules: BonusRules = DEFAULT_RULES) -> list[str]:
    """Return every reason the candidate is not eligible, in plain words naming the numbers; [] if eligible."""
    problems = check_rules(rules) + candidate.problems()
    if problems:
        raise BonusError(problems)
    reasons = []
    if candidate.tickets_solved < rules.min_tickets:
        reasons.append(_m_too_few_tickets(candidate.tickets_solved, rules.min_tickets))
    if rules.no_critical_fail and candidate.critical_fail:
        reasons.append(_m_critical_fail())
    if rules.training_complete and not candidate.training_complete:
        reasons.append(_m_training_incomplete())
    if candidate.composite is None:
        reasons.append(_m_no_composite())
    elif exact(round_half_away(candidate.composite)) < exact(rules.min_composite):
        reasons.append(_m_composite_below(_shown(candidate.composite), _plain(rules.min_composite)))
    return reasons


def _descending(value: Number | None) -> tuple[int, Fraction]:
    return (1, Fraction(0)) if value is None else (0, -exact(value))


def _rank_key(candidate: Candidate) -> tuple[Any, ...]:
    return (_descending(candidate.composite), _descending(candidate.qa_pct), _descending(candidate.csat_pct),
            candidate.name.casefold(), candidate.name, candidate.agent)


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Return the candidates in rank order.

    By composite, higher first; ties by qa_pct, then csat_pct (higher first, None after every
    number), then name (case-insensitively; the e-mail settles identical names).
    """
    chosen = list(candidates)
    _check_candidates(chosen)
    return sorted(chosen, key=_rank_key)


# --- The proposal --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Proposal:
    """The system's proposal, as ``bonus propose --json`` prints it (:meth:`as_json`).

    ``eligible``: ``{"agent", "rank", "composite"}`` in rank order (rank 1 first, composite as
    published); ``ineligible``: ``{"agent", "reasons"}``, also in rank order. ``ranked`` keeps
    the eligible candidates themselves, in the same order.
    """

    eligible: tuple[dict[str, Any], ...]
    ineligible: tuple[dict[str, Any], ...]
    ranked: tuple[Candidate, ...] = field(default=())

    @property
    def agents(self) -> list[str]:
        """The proposed recipients' e-mails, in rank order."""
        return [row["agent"] for row in self.eligible]

    def as_json(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "eligible": [dict(row) for row in self.eligible],
            "ineligible": [{"agent": row["agent"], "reasons": list(row["reasons"])} for row in self.ineligible],
        }


def propose(candidates: Iterable[Candidate], rules: BonusRules = DEFAULT_RULES) -> Proposal:
    """Propose the eligible candidates in rank order; list the others with every reason."""
    problems = check_rules(rules)
    if problems:
        raise BonusError(problems)
    eligible: list[dict[str, Any]] = []
    ineligible: list[dict[str, Any]] = []
    ranked: list[Candidate] = []
    for candidate in rank(candidates):
        reasons = eligibility(candidate, rules)
        if reasons:
            ineligible.append({"agent": candidate.agent, "reasons": reasons})
        else:
            ranked.append(candidate)
            eligible.append({"agent": candidate.agent, "rank": len(ranked),
                             "composite": round_half_away(candidate.composite)})
    return Proposal(tuple(eligible), tuple(ineligible), tuple(ranked))


# --- Departures from the proposal ----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Departure:
    """One difference between the proposal and the final list: an agent ``added`` or ``dropped``."""

    agent: str
    kind: Literal["added", "dropped"]
    rank: int | None = None                 # the proposed rank of a dropped agent
    ineligible_reasons: tuple[str, ...] = ()  # why an added agent was not proposed, if a candidate

    def describe(self) -> str:
        if self.kind == "added":
            return _m_added(self.agent)
        return _m_dropped(self.agent, self.rank or 0)


def departures(proposal: Proposal, final_list: Iterable[str]) -> list[Departure]:
    """Return the departures of *final_list* (e-mails) from the proposal.

    Agents added who were not proposed come first, in the final list's order; then the
    proposed agents dropped, in rank order. Reordering is not a departure.
    """
    final = list(final_list)
    duplicates = sorted({agent for agent in final if final.count(agent) > 1})
    if duplicates:
        raise BonusError([_m_duplicate_agent(agent) for agent in duplicates])
    proposed = {row["agent"]: row["rank"] for row in proposal.eligible}
    why_not = {row["agent"]: tuple(row["reasons"]) for row in proposal.ineligible}
    chosen = set(final)
    added = [Departure(agent, "added", None, why_not.get(agent, ())) for agent in final if agent not in proposed]
    dropped = [Departure(row["agent"], "dropped", row["rank"]) for row in proposal.eligible if row["agent"] not in chosen]
    return added + dropped


def check_departure_reasons(found: Iterable[Departure], reasons: Mapping[str, str | None]) -> list[str]:
    """Return every problem with the manager's reasons (agent e-mail -> reason); [] when each departure has one.

    A reason that is empty or only blanks is no reason; a reason for an agent who is not a
    departure is reported too (it would be stored against nothing).
    """
    problems = []
    agents = set()
    for departure in found:
        agents.add(departure.agent)
        reason = reasons.get(departure.agent)
        if not isinstance(reason, str) or not reason.strip():
            problems.append(_m_reason_missing(departure.describe()))
    for agent in reasons:
        if agent not in agents:
            problems.append(_m_reason_not_a_departure(agent))
    return problems


# --- Sharing out the budget ----------------------------------------------------------------

def _money(value: object) -> Fraction:
    """Return a budget as an exact number of currency units, or raise BonusError."""
    if isinstance(value, bool):
        raise BonusError([_m_bad_budget(value)])
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise BonusError([_m_bad_budget(value)]) from None
    if not _is_number(value):
        raise BonusError([_m_bad_budget(value)])
    amount = exact(value)  # type: ignore[arg-type]
    if amount < 0:
        raise BonusError([_m_negative_budget(_plain(amount))])
    if (amount * 100).denominator != 1:
        raise BonusError([_m_budget_fraction_of_cent(_plain(amount))])
    return amount


def _tier_weights(tiers: Sequence[Any], count: int) -> list[Fraction]:
    problems: list[str] = []
    weights: list[Fraction] = []
    open_ended = False
    for position, tier in enumerate(tiers, start=1):
        if not isinstance(tier, (tuple, list)) or len(tier) != 2:
            problems.append(_m_bad_tier(position, tier))
            continue
        size, weight = tier
        last = position == len(tiers)
        if size is None and last:
            open_ended = True
        elif size is None or isinstance(size, bool) or not isinstance(size, int) or size < 1:
            problems.append(_m_bad_tier_size(position, size))
            continue
        if not _is_number(weight) or exact(weight) <= 0:
            problems.append(_m_bad_tier_weight(position, weight))
            continue
        weights.extend([exact(weight)] * (count if size is None else size))
    if not problems and not open_ended and len(weights) < count:
        problems.append(_m_tiers_too_few(len(weights), count))
    if problems:
        raise BonusError(problems)
    return weights[:count]


def split_budget(budget: Decimal | int | str, recipients: Sequence[str], mode: str = "equal",
                 tiers: Sequence[tuple[int | None, Number]] | None = None) -> dict[str, Decimal]:
    """Share *budget* among *recipients* (e-mails, in rank order) in whole cents that sum exactly to it.

    ``mode="equal"``: everyone the same. ``mode="tiers"``: *tiers* is a list of
    ``(how many recipients, weight)`` pairs from rank 1 down, the last one's count may be None
    for "the rest"; e.g. ``[(1, 3), (2, 2), (None, 1)]`` gives rank 1 three shares, ranks 2-3
    two, everyone else one. Each part is the exact share rounded down to the cent; the cents
    left over go one each to the largest fractions, ties to the higher rank, so the parts add
    up to the budget and the result is the same every time. Returns e-mail -> Decimal
    (two decimals), in the recipients' order. Raises :class:`BonusError` for a negative budget,
    a fraction of a cent, a budget above zero with nobody to receive it, or bad tiers.
    """
    amount = _money(budget)
    people = list(recipients)
    duplicates = sorted({agent for agent in people if people.count(agent) > 1})
    if duplicates:
        raise BonusError([_m_duplicate_agent(agent) for agent in duplicates])
    if mode == "equal":
        if tiers is not None:
            raise BonusError([_m_tiers_in_equal_mode()])
        weights = [Fraction(1)] * len(people)
    elif mode == "tiers":
        if tiers is None:
            raise BonusError([_m_tiers_missing()])
        weights = _tier_weights(list(tiers), len(people))
    else:
        raise BonusError([_m_bad_mode(mode)])
    if not people:
        if amount:
            raise BonusError([_m_no_recipients(_plain(amount))])
        return {}
    cents = int(amount * 100)
    total = sum(weights, Fraction(0))
    shares = [cents * weight / total for weight in weights]
    parts = [math.floor(part) for part in shares]
    left = cents - sum(parts)
    order = sorted(range(len(people)), key=lambda index: (-(shares[index] - parts[index]), index))
    for index in order[:left]:
        parts[index] += 1
    return {agent: Decimal(f"{part // 100}.{part % 100:02d}") for agent, part in zip(people, parts)}  # exact at any size
