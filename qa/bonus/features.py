"""Navigation links, dashboard panels and demo steps of qa.bonus (registered on import)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from qa.bonus import services
from qa.bonus.models import BonusRound
from servicecraft import demo
from servicecraft.dashboard import panel
from servicecraft.extensions import db
from servicecraft.templating import nav_item

nav_item("qa.bonus.index", _l("Bonus rounds"), roles=("admin", "manager"), order=72)
nav_item("qa.bonus.mine", _l("My bonus"), roles=("agent",), order=73)


@panel("bonus-waiting", roles=("admin", "manager"), template="qa/bonus/panel_waiting.html", order=22)
def waiting_panel(user) -> dict | None:
    rounds = services.awaiting_approval_by(user)
    return {"rounds": rounds} if rounds else None


@panel("bonus-mine", roles=("agent",), template="qa/bonus/panel_mine.html", order=40)
def mine_panel(user) -> dict | None:
    results = services.results_for(user)
    return {"result": results[0]} if results else None


# --- demo ------------------------------------------------------------------------------------


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _demo_round(name: str, period: tuple[date, date], budget: str, opener, approver=None, split: str = "equal",
                tiers: list | None = None) -> BonusRound | None:
    if db.session.scalar(select(BonusRound.id).where(BonusRound.name == name)):
        return None
    rules = {"min_tickets": 5, "no_critical_fail": True, "training_complete": False, "min_composite": 70}
    round_ = services.open_round(opener, name, period[0], period[1], budget, rules, split, tiers)
    services.propose_round(round_, opener)
    proposed = [r.agent_id for r in round_.recipients if r.is_proposed]
    if not proposed:  # a thin demo month: reward the two best anyway, saying why
        picks = sorted(round_.recipients, key=lambda r: r.position)[:2]
        reasons = {r.agent_id: "Strong month on the phones; the ticket threshold misses their phone work." for r in picks}
        services.choose(round_, opener, [r.agent_id for r in picks], reasons)
    elif len(proposed) > 2:  # leave out the last one, with the reason
        last = proposed[-1]
        services.choose(round_, opener, proposed[:-1], {last: "Already rewarded this quarter through the mystery-shop prize."})
    if not round_.chosen and round_.budget_cents:
        return round_
    services.submit(round_, opener)
    if approver is not None:
        services.approve(round_, approver)
    return round_


@demo.step(70)
def bonus_rounds(ctx: dict) -> str | None:
    users = ctx.get("users") or {}
    manager, second = users.get("manager@demo.test"), users.get("manager2@demo.test")
    if manager is None or second is None:
        return None
    today = ctx.get("today") or date.today()
    this_month = _month(today)
    last_month = _month(this_month[0] - timedelta(days=1))
    made = 0
    try:
        with db.session.begin_nested():
            if _demo_round(f"Bonus round {last_month[0]:%Y-%m}", last_month, "6000", manager, second, "tiers",
                           [[1, 3], [2, 2], [None, 1]]):
                made += 1
            if _demo_round(f"Bonus round {this_month[0]:%Y-%m}", this_month, "5000", manager):
                made += 1
    except services.BonusRoundError:
        return None
    db.session.flush()
    return f"{made} bonus rounds (one approved, one awaiting approval)" if made else None
