"""The qa package's `servicecraft` commands."""


def register(app) -> None:
    """Add this package's command groups to the app's CLI."""
    from qa.bonus.cli import bonus
    from qa.evaluations.cli import evaluations, forms
    from qa.scorecards.cli import scorecards
    from qa.tickets.cli import tickets

    app.cli.add_command(forms)
    app.cli.add_command(evaluations)
    app.cli.add_command(tickets)
    app.cli.add_command(scorecards)
    app.cli.add_command(bonus)
