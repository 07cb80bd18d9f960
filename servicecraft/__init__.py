"""Servicecraft: staff training and quality assurance for customer-support teams."""


def create_app(config=None):
    """Build the Flask application (imported lazily so pure modules stay Flask-free)."""
    from servicecraft.factory import create_app as _create_app

    return _create_app(config)
