"""The qa package's JSON API resources (one module per resource, flask-smorest blueprints)."""


def blueprints() -> list:
    """Return this package's API blueprints, registered under /api/v1 by servicecraft.api."""
    return []
