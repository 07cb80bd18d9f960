"""Navigation links, dashboard panels and demo steps of qa.reviews (registered on import)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

nav_item("qa.reviews.index", _l("Ticket reviews"), roles=("admin", "manager"), order=62)


@panel("reviews-queue", roles=("admin", "manager"), template="qa/reviews/panel_queue.html", order=30)
def queue_panel(user) -> dict | None:
    """A reviewer's tickets still to review."""
    from qa.reviews import services

    items = services.queue(user)
    return {"rows": items[:5], "count": len(items)} if items else None


import qa.reviews.demo  # noqa: E402,F401  (registers the demo step)
