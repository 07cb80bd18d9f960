"""Navigation links, dashboard panels and demo steps of qa.scorecards (registered on import)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qa.scorecards import services
from qa.scorecards.composite import COMPONENT_KEYS
from servicecraft import cache
from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

nav_item("qa.scorecards.index", _l("Scorecards"), roles=("admin", "manager", "mentor", "agent"), order=64)


@panel("scorecard-mine", roles=("agent",), template="qa/scorecards/panel_mine.html", order=25)
def my_scorecard(user) -> dict | None:
    return {"row": services.scorecard(user, services.default_period()), "components": COMPONENT_KEYS,
            "label": services.label}


# Every active agent's ranking: the scorecards' tables, and who is an active agent.
RANKING = cache.namespace("qa.scorecards.ranking",
                          tables=services.SCORECARDS.tables | {"people_user", "people_user_role"})


@panel("scorecard-top", roles=("admin", "manager"), template="qa/scorecards/panel_top.html", order=26)
def top_and_bottom(user) -> dict | None:
    period = services.default_period()
    ranked = cache.cached(RANKING, services.period_key(period), lambda: _ranking(period))
    if not ranked:
        return None
    return {"top": ranked[:5], "bottom": list(reversed(ranked[5:]))[:5], "period": period}


def _ranking(period) -> list[dict]:
    """Return the agents with a composite, best first, as plain data: agent_id, name, composite."""
    return [{"agent_id": r.agent_id, "name": r.name, "composite": r.composite.value}
            for r in services.rank_rows(services.scorecards(period)) if r.composite.value is not None]
