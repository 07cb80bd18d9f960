"""The qa package's `servicecraft` commands."""


def register(app) -> None:
    """Add this package's command groups to the app's CLI."""
