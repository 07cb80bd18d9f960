"""Navigation links, dashboard panels and demo steps of qa.reviews (registered on import)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

nav_item("qa.reviews.index", _l("Ticket reviews"), roles=("admin", "manager"), order=62)


@panel("reviews-queue", roles=("admin", "manager"), template="qa/reviews/panel_queue.html", order=30)
def queue_panel(user) -> dict | None:
    """A reviewer's tickets still to review."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from qa.reviews import services
    from qa.reviews.models import ReviewItem
    from qa.tickets.models import Ticket
    from servicecraft.extensions import db
    from servicecraft.models import User

    items = services.queue(user)
    if not items:
        return None
    shown = items[:5]
    # One more query fills in what the panel shows (ticket, its agent, the sample) for those five.
    db.session.scalars(select(ReviewItem).where(ReviewItem.id.in_([item.id for item in shown]))
                       .options(joinedload(ReviewItem.ticket).joinedload(Ticket.agent).lazyload(User.role_rows),
                                joinedload(ReviewItem.sample))).all()
    return {"rows": shown, "count": len(items)}


import qa.reviews.demo  # noqa: E402,F401  (registers the demo step)
