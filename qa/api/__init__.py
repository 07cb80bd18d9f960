"""The qa package's JSON API resources (one module per resource, flask-smorest blueprints)."""


def blueprints() -> list:
    """Return this package's API blueprints, registered under /api/v1 by servicecraft.api."""
    from qa.api.evaluations import blp as evaluations
    from qa.api.scorecards import blp as scorecards
    from qa.api.tickets import blp as tickets
    from qa.api.webhooks import blp as webhooks

    return [evaluations, tickets, webhooks, scorecards]
