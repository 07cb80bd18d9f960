"""Navigation links, dashboard panels and demo steps of qa.reviews (registered on import)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

nav_item("qa.reviews.index", _l("Ticket reviews"), roles=("admin", "manager"), order=62)


@panel("reviews-queue", roles=("admin", "manager"), template="qa/reviews/panel_queue.html", order=30)
def queue_panel(user) -> dict | None:
    """A reviewer's tickets still to review: the first five (one query, with the queue's length)."""
    from qa.reviews import services

    rows, count = services.queue_head(user, 5)
    return {"rows": rows, "count": count} if rows else None

import qa.reviews.demo  # noqa: E402,F401  (registers the demo step)
