"""Navigation links, dashboard panels and demo steps of training.certificates (registered on import)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from servicecraft.dashboard import panel
from servicecraft.templating import nav_item

nav_item("training.certificates.index", _l("Certificates"), roles=("agent",), order=45)
nav_item("training.certificates.all", _l("Certificates"), roles=("admin", "manager"), order=46)

PANEL_LIMIT = 5


@panel("my-certificates", roles=("agent",), template="training/certificates/panel.html", order=40)
def my_certificates(user):
    """The agent's certificates; hidden until they have one."""
    from training.certificates.services import certificates_of

    certificates = certificates_of(user)
    if not certificates:
        return None
    return {"certificates": certificates[:PANEL_LIMIT], "more": max(0, len(certificates) - PANEL_LIMIT)}
