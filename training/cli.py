"""The training package's `servicecraft` commands."""


def register(app) -> None:
    """Add this package's command groups to the app's CLI."""
    from training.mentoring.cli import mentors
    from training.quizzes.cli import quiz
    from training.simulations.cli import scenarios

    app.cli.add_command(quiz)
    app.cli.add_command(scenarios)
    app.cli.add_command(mentors)
