"""Use-cases of qa.bonus: open, propose, choose, submit, approve or send back a bonus round.

Every function takes the acting person, changes state, flushes and never commits; bad input
or a step out of turn raises :class:`BonusRoundError` (``problems``: field -> message).
The rules themselves (eligibility, ranking, departures, the budget split) are the pure
module ``qa.scorecards.bonus``; the figures come from ``qa.scorecards.services``.

Freezing: the proposal stores every candidate's scorecard numbers (``BonusRound.snapshot``)
and the weights used; nothing recomputes them after that except an explicit new proposal,
which a submitted or approved round refuses. Approval marks the round frozen: its numbers,
recipients and amounts are read from the stored rows only, so later ticket imports never
change them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, select

from qa.bonus.models import EDITABLE, SPLIT_MODES, BonusDecision, BonusRecipient, BonusRound
from qa.scorecards import bonus as rules_module
from qa.scorecards.bonus import DEFAULT_RULES, BonusError, BonusRules, Candidate
from qa.scorecards.composite import check_weights
from qa.tickets.reference import Period
from servicecraft import audit
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.i18n import organisation_timezone
from servicecraft.models import User
from servicecraft.permissions import is_manager, signed_in


class BonusRoundError(Exception):
    """A bonus-round step was refused; the message says why (``problems``: field -> message)."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None, *, status: int = 422):
        self.problems = dict(problems or {})
        self.status = status
        super().__init__(message)


def _refuse(problems: Mapping[str, str]) -> BonusRoundError:
    return BonusRoundError("; ".join(problems.values()), problems)


# --- rules and money ---------------------------------------------------------------------------


def rules_from(data: Mapping[str, Any] | None) -> BonusRules:
    """Return the round's stored rules as BonusRules (missing keys take the defaults)."""
    data = dict(data or {})
    known = {k: data[k] for k in ("min_tickets", "no_critical_fail", "training_complete", "min_composite") if k in data}
    return replace(DEFAULT_RULES, **known)


def rules_as_json(rules: BonusRules) -> dict:
    plain = asdict(rules)
    value = plain["min_composite"]
    plain["min_composite"] = int(value) if float(value) == int(float(value)) else float(value)
    return plain


def parse_money(value: object, field: str = "budget") -> int:
    """Return an amount as whole cents, or raise BonusRoundError naming the field."""
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise _refuse({field: _("The budget %(value)s is not an amount of money.", value=value)}) from None
    if amount < 0:
        raise _refuse({field: _("The budget cannot be negative (it is %(value)s).", value=value)})
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise _refuse({field: _("The budget %(value)s has a fraction of a cent.", value=value)})
    return int(cents)


def cents_text(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents // 100}.{cents % 100:02d}"


def parse_tiers(text: str | None) -> list[list] | None:
    """Parse "1:3, 2:2, *:1" (how many recipients : weight; * for the rest) into tier pairs."""
    if text is None or not str(text).strip():
        return None
    tiers: list[list] = []
    for position, part in enumerate(str(text).replace(";", ",").split(","), start=1):
        part = part.strip()
        if not part:
            continue
        size, sep, weight = part.partition(":")
        try:
            if not sep:
                raise ValueError
            count = None if size.strip() in ("*", "") else int(size)
            share = Decimal(weight.strip())
        except (ValueError, InvalidOperation):
            raise _refuse({"tiers": _("Tier %(position)s (%(tier)s) is not written as recipients:weight, e.g. 1:3.",
                                      position=position, tier=part)}) from None
        tiers.append([count, int(share) if share == share.to_integral_value() else float(share)])
    return tiers or None


def tiers_text(tiers: list | None) -> str:
    if not tiers:
        return ""
    return ", ".join(f"{'*' if size is None else size}:{weight}" for size, weight in tiers)


def _check_split(mode: str, tiers: list | None) -> None:
    if mode not in SPLIT_MODES:
        raise _refuse({"split_mode": _("Split the budget equally or by tiers.")})
    if mode == "tiers" and not tiers:
        raise _refuse({"tiers": _("Splitting by tiers needs the tiers, e.g. 1:3, 2:2, *:1.")})
    if mode == "tiers":
        try:  # checks the tiers' shape on a long enough list of placeholders
            rules_module.split_budget(0, [], "tiers", [tuple(t) for t in tiers])
        except BonusError as error:
            raise _refuse({"tiers": "; ".join(error.problems)}) from None


# --- the figures behind a proposal ----------------------------------------------------------


def _timezone() -> str:
    return organisation_timezone()


def period_of(period_from: date, period_to: date) -> Period:
    return Period.of(period_from, period_to, _timezone())


def current_weights() -> dict:
    """Return the scorecard weights managers set (qa.scorecards), as plain JSON numbers."""
    from qa.scorecards import services as scorecards

    return {key: (int(v) if float(v) == int(float(v)) else float(v)) for key, v in dict(scorecards.active_weights()).items()}


@dataclass
class Figures:
    """The proposal and the numbers it rests on."""

    proposal: rules_module.Proposal
    snapshot: dict[str, dict]   # agent id (str) -> scorecard export row + critical_fail, training_complete
    users: dict[str, User]      # e-mail -> person


def figures_for(period_from: date, period_to: date, rules: BonusRules, weights: Mapping[str, Any] | None = None) -> Figures:
    """Compute every agent's scorecard for the period and the proposal under *rules*."""
    from qa.scorecards import services as scorecards

    if period_to < period_from:
        raise _refuse({"period_to": _("The period ends (%(end)s) before it starts (%(start)s).",
                                      end=period_to.isoformat(), start=period_from.isoformat())})
    problems = rules_module.check_rules(rules)
    if problems:
        raise _refuse({"rules": "; ".join(problems)})
    period = period_of(period_from, period_to)
    try:
        rows = scorecards.scorecards(period, weights=dict(weights) if weights is not None else None)
    except scorecards.ScorecardError as error:
        raise _refuse({"weights": str(error)}) from None
    candidates = []
    snapshot: dict[str, dict] = {}
    users: dict[str, User] = {}
    for row in rows:
        figures = scorecards.row_as_export(row)
        figures["critical_fail"] = row.critical_fail
        figures["training_complete"] = row.training_complete
        figures["courses_assigned"] = row.courses_assigned
        figures["courses_completed"] = row.courses_completed
        figures["left_out"] = list(row.left_out)
        snapshot[str(row.agent_id)] = figures
        users[row.email] = row.user
        candidates.append(Candidate(
            agent=row.email, name=row.name, composite=row.composite.exact, qa_pct=row.components["qa_pct"].value,
            csat_pct=row.components["csat_pct"].value, tickets_solved=int(figures.get("tickets_solved") or 0),
            critical_fail=row.critical_fail, training_complete=row.training_complete,
        ))
    try:
        proposal = rules_module.propose(candidates, rules)
    except BonusError as error:
        raise _refuse({"rules": "; ".join(error.problems)}) from None
    return Figures(proposal, snapshot, users)


# --- the steps of a round -------------------------------------------------------------------


def _log(round_: BonusRound, actor: User | None, action: str, *, reason: str = "", detail: dict | None = None,
         before: dict | None = None, after: dict | None = None) -> None:
    round_.decisions.append(BonusDecision(revision=round_.revision, action=action, actor_id=actor.id if actor else None,
                                          reason=reason or "", detail=detail))
    audit.record(actor, "bonus_round", round_.id, action, before=before, after=after, reason=reason)


def _require_editable(round_: BonusRound) -> None:
    if round_.is_frozen:
        raise BonusRoundError(_("This round is approved and frozen; it cannot be changed."), status=409)
    if round_.status not in EDITABLE:
        raise BonusRoundError(_("This round is awaiting approval; it cannot be changed until it is sent back."), status=409)


def _require_manager(actor) -> None:
    if not is_manager(actor):
        raise BonusRoundError(_("Only managers and admins run bonus rounds."), status=403)


def open_round(actor: User, name: str, period_from: date | None, period_to: date | None, budget: object,
               rules: BonusRules | Mapping[str, Any] | None = None, split: str = "equal", tiers: list | None = None,
               currency: str = "EUR") -> BonusRound:
    """Open a round (draft) with the current scorecard weights; refuse bad periods, budgets, rules, weights."""
    _require_manager(actor)
    problems: dict[str, str] = {}
    if not (name or "").strip():
        problems["name"] = _("Give the round a name.")
    if period_from is None:
        problems["period_from"] = _("Give the first day of the period.")
    if period_to is None:
        problems["period_to"] = _("Give the last day of the period.")
    if period_from and period_to and period_to < period_from:
        problems["period_to"] = _("The period ends (%(end)s) before it starts (%(start)s).",
                                  end=period_to.isoformat(), start=period_from.isoformat())
    cents = 0
    try:
        cents = parse_money(budget)
    except BonusRoundError as error:
        problems.update(error.problems)
    chosen_rules = rules if isinstance(rules, BonusRules) else rules_from(rules)
    rule_problems = rules_module.check_rules(chosen_rules)
    if rule_problems:
        problems["rules"] = "; ".join(rule_problems)
    try:
        _check_split(split, tiers if split == "tiers" else None)
    except BonusRoundError as error:
        problems.update(error.problems)
    currency = (currency or "EUR").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        problems["currency"] = _("The currency is a three-letter code such as EUR.")
    weights = current_weights()
    weight_problems = check_weights(weights)
    if weight_problems:
        problems["weights"] = "; ".join(weight_problems)
    if problems:
        raise _refuse(problems)
    round_ = BonusRound(
        name=name.strip(), period_from=period_from, period_to=period_to, budget_cents=cents, currency=currency,
        rules=rules_as_json(chosen_rules), split_mode=split, tiers=tiers if split == "tiers" else None,
        status="draft", revision=0, weights=weights, opened_by_id=actor.id, recipients=[], decisions=[],
    )
    db.session.add(round_)
    db.session.flush()
    _log(round_, actor, "opened", after={"name": round_.name, "period": [period_from, period_to], "budget": round_.budget,
                                          "currency": currency, "rules": round_.rules, "split": split, "tiers": round_.tiers,
                                          "weights": weights})
    db.session.flush()
    return round_


def propose_round(round_: BonusRound, actor: User | None = None) -> BonusRound:
    """Compute the proposal: every candidate's numbers stored, eligible in rank order, exclusions with reasons."""
    _require_editable(round_)
    figures = figures_for(round_.period_from, round_.period_to, rules_from(round_.rules), round_.weights)
    proposal = figures.proposal
    eligible = {row["agent"]: row for row in proposal.eligible}
    ineligible = {row["agent"]: row["reasons"] for row in proposal.ineligible}
    order = [row["agent"] for row in proposal.eligible] + [row["agent"] for row in proposal.ineligible]
    round_.recipients.clear()
    db.session.flush()
    for position, email in enumerate(order, start=1):
        user = figures.users[email]
        numbers = figures.snapshot[str(user.id)]
        row = eligible.get(email)
        round_.recipients.append(BonusRecipient(
            agent_id=user.id, position=position, rank=row["rank"] if row else None, composite=numbers.get("composite"),
            tickets_solved=int(numbers.get("tickets_solved") or 0), is_proposed=row is not None,
            ineligible_reasons=list(ineligible.get(email, [])), chosen=row is not None, departure_reason=None,
        ))
    round_.snapshot = figures.snapshot
    round_.proposal = proposal.as_json()
    round_.status = "proposed"
    round_.proposed_at = utcnow()
    db.session.flush()
    _apply_amounts(round_, strict=False)
    _log(round_, actor, "proposed", detail={"proposal": round_.proposal},
         after={"eligible": len(proposal.eligible), "ineligible": len(proposal.ineligible)})
    db.session.flush()
    return round_


def _final_emails(round_: BonusRound) -> list[str]:
    return [r.agent.email for r in sorted((r for r in round_.recipients if r.chosen), key=lambda r: r.position)]


def _apply_amounts(round_: BonusRound, *, strict: bool = True) -> None:
    chosen = sorted((r for r in round_.recipients if r.chosen), key=lambda r: r.position)
    tiers = [tuple(t) for t in round_.tiers] if round_.split_mode == "tiers" and round_.tiers else None
    try:
        amounts = rules_module.split_budget(round_.budget, [r.agent.email for r in chosen], round_.split_mode, tiers)
    except BonusError as error:
        if strict:
            raise _refuse({"chosen": "; ".join(error.problems)}) from None
        amounts = {}
    for recipient in round_.recipients:
        recipient.final_position = None
        recipient.amount_cents = None
    for place, recipient in enumerate(chosen, start=1):
        recipient.final_position = place
        if recipient.agent.email in amounts:
            recipient.amount_cents = int(amounts[recipient.agent.email] * 100)


def choose(round_: BonusRound, actor: User, final_agent_ids: Iterable[int], reasons: Mapping[int, str] | None = None) -> BonusRound:
    """Set the final list; every departure from the proposal needs a reason; amounts via split_budget."""
    _require_manager(actor)
    _require_editable(round_)
    if round_.proposal is None:
        raise BonusRoundError(_("Make the proposal first."), status=409)
    by_id = {r.agent_id: r for r in round_.recipients}
    final_ids = []
    for agent_id in final_agent_ids:
        agent_id = int(agent_id)
        if agent_id not in by_id:
            raise _refuse({"chosen": _("Person %(id)s is not a candidate of this round.", id=agent_id)})
        if agent_id not in final_ids:
            final_ids.append(agent_id)
    email_of = {r.agent_id: r.agent.email for r in round_.recipients}
    given = {email_of[int(k)]: (v or "").strip() for k, v in (reasons or {}).items() if int(k) in email_of and (v or "").strip()}
    proposal = rules_module.Proposal(tuple(round_.proposal["eligible"]), tuple(round_.proposal["ineligible"]))
    found = rules_module.departures(proposal, [email_of[i] for i in final_ids])
    departing = {d.agent for d in found}
    problems = rules_module.check_departure_reasons(found, {k: v for k, v in given.items() if k in departing})
    if problems:
        raise _refuse({"reasons": "; ".join(problems)})
    before = {"final": _final_emails(round_)}
    for recipient in round_.recipients:
        recipient.chosen = recipient.agent_id in final_ids
        recipient.departure_reason = given.get(recipient.agent.email) if recipient.agent.email in departing else None
    db.session.flush()
    _apply_amounts(round_)
    detail = {"final": [{"agent": r.agent.email, "amount": r.amount} for r in round_.chosen],
              "departures": [{"agent": d.agent, "kind": d.kind, "reason": given.get(d.agent)} for d in found]}
    _log(round_, actor, "chosen", detail=detail, before=before, after={"final": _final_emails(round_)},
         reason="; ".join(f"{d.agent}: {given.get(d.agent)}" for d in found))
    db.session.flush()
    return round_


def submit(round_: BonusRound, actor: User) -> BonusRound:
    """Send the final list for approval by a second manager (a new revision of the decision)."""
    _require_manager(actor)
    _require_editable(round_)
    if round_.proposal is None:
        raise BonusRoundError(_("Make the proposal first."), status=409)
    _apply_amounts(round_)  # refuses a budget above zero with nobody to receive it
    round_.revision += 1
    round_.status = "submitted"
    round_.submitted_by_id = actor.id
    round_.submitted_at = utcnow()
    db.session.flush()
    _log(round_, actor, "submitted", detail=_final_detail(round_), after={"status": "submitted", "revision": round_.revision})
    db.session.flush()
    return round_


def _final_detail(round_: BonusRound) -> dict:
    return {"final": [{"agent": r.agent.email, "composite": r.composite, "amount": r.amount} for r in round_.chosen],
            "budget": round_.budget, "currency": round_.currency}


def can_approve(round_: BonusRound, actor) -> bool:
    """A second manager: neither the one who opened nor the one who submitted the round."""
    return (signed_in(actor) and is_manager(actor) and round_.status == "submitted"
            and actor.id not in (round_.opened_by_id, round_.submitted_by_id))


def _require_second_manager(round_: BonusRound, actor: User) -> None:
    _require_manager(actor)
    # Lock the round and re-read it: of two managers deciding at once, the second sees the first's decision.
    db.session.refresh(round_, with_for_update=True)
    if round_.is_frozen:
        raise BonusRoundError(_("This round is approved and frozen; it cannot be changed."), status=409)
    if round_.status != "submitted":
        raise BonusRoundError(_("Only a round awaiting approval can be approved or sent back."), status=409)
    if actor.id in (round_.opened_by_id, round_.submitted_by_id):
        raise BonusRoundError(_("You opened or submitted this round, so another manager must approve it (four eyes)."),
                              status=403)


def approve(round_: BonusRound, actor: User) -> BonusRound:
    """Approve (four eyes) and freeze: numbers, weights, recipients and amounts stay as stored."""
    _require_second_manager(round_, actor)
    round_.status = "approved"
    round_.approved_by_id = actor.id
    round_.approved_at = utcnow()
    db.session.flush()
    _log(round_, actor, "approved", detail={**_final_detail(round_), "weights": round_.weights, "snapshot": round_.snapshot},
         after={"status": "approved", "revision": round_.revision})
    db.session.flush()
    return round_


def send_back(round_: BonusRound, actor: User, reason: str) -> BonusRound:
    """Return the round to its manager with a reason; the submitted list stays in the history."""
    _require_second_manager(round_, actor)
    if not (reason or "").strip():
        raise _refuse({"reason": _("Say why the round goes back.")})
    round_.status = "returned"
    round_.returned_at = utcnow()
    db.session.flush()
    _log(round_, actor, "returned", reason=reason.strip(), detail=_final_detail(round_), after={"status": "returned"})
    db.session.flush()
    return round_


# --- reading --------------------------------------------------------------------------------


def rounds() -> list[BonusRound]:
    return list(db.session.scalars(select(BonusRound).order_by(BonusRound.period_from.desc(), BonusRound.id.desc())))


def awaiting_approval_by(actor) -> list[BonusRound]:
    """Rounds awaiting approval that *actor* may approve (not their own)."""
    found = db.session.scalars(select(BonusRound).where(BonusRound.status == "submitted").order_by(BonusRound.submitted_at))
    return [r for r in found if can_approve(r, actor)]


def results_for(agent: User) -> list[BonusRecipient]:
    """The agent's own lines in approved rounds (chosen or not), newest round first."""
    return list(db.session.scalars(
        select(BonusRecipient).join(BonusRound, BonusRound.id == BonusRecipient.round_id)
        .where(and_(BonusRecipient.agent_id == agent.id, BonusRound.status == "approved"))
        .order_by(BonusRound.period_from.desc(), BonusRound.id.desc())
    ))


def numbers_of(round_: BonusRound, recipient: BonusRecipient) -> dict:
    """The stored scorecard numbers of one candidate (as they were when proposed)."""
    return dict((round_.snapshot or {}).get(str(recipient.agent_id), {}))


PAYROLL_COLUMNS = ("agent", "name", "rank", "composite", "amount", "currency", "round", "period_from", "period_to")


def payroll_rows(round_: BonusRound) -> list[dict]:
    if not round_.is_frozen:
        raise BonusRoundError(_("Payroll files exist only for approved rounds."), status=409)
    return [{"agent": r.agent.email, "name": r.agent.name, "rank": r.final_position, "composite": r.composite,
             "amount": r.amount, "currency": round_.currency, "round": round_.name,
             "period_from": round_.period_from.isoformat(), "period_to": round_.period_to.isoformat()}
            for r in round_.chosen]


def payroll_csv(round_: BonusRound) -> str:
    """The approved round's recipients and amounts for payroll (UTF-8 CSV; amounts add up to the budget)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PAYROLL_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in payroll_rows(round_):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return out.getvalue()


def payroll_pdf(round_: BonusRound) -> bytes:
    from servicecraft.pdf import render_pdf

    rows = payroll_rows(round_)
    return render_pdf("pdf/bonus_payroll.html", round=round_, rows=rows,
                      total=cents_text(sum(r.amount_cents or 0 for r in round_.chosen)))
