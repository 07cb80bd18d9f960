"""`servicecraft quiz import|export|count` (interfaces.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from servicecraft.cli import emit_json, fail


@click.group(help="The question bank: Moodle GIFT import and export.")
def quiz():
    pass


@quiz.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["gift"]), required=True, help="the file's format (Moodle GIFT)")
@click.option("--course", "course_slug", default=None, help="also add the questions to this course's quiz (its latest version)")
@click.option("--language", default="en", show_default=True, help="language of the questions")
@click.option("--category", default=None, help="category for questions above the first $CATEGORY line")
@click.option("--json", "as_json", is_flag=True, help='print {"imported", "by_type", "errors"} as JSON')
@with_appcontext
def import_command(file: Path, fmt: str, course_slug: str | None, language: str, category: str | None, as_json: bool):
    """Import a GIFT file into the question bank; a file with any error imports nothing."""
    from sqlalchemy import select

    from servicecraft.extensions import db
    from training.courses.models import Course
    from training.quizzes import services
    from training.quizzes.gift import GiftError, decode_gift

    course = None
    if course_slug:
        course = db.session.scalar(select(Course).where(Course.slug == course_slug).order_by(Course.version.desc()))
        if course is None:
            fail([f"--course: no course has the slug {course_slug!r}"])
    try:
        text = decode_gift(file.read_bytes(), file.name)
    except GiftError as error:
        result = {"imported": 0, "by_type": services.empty_by_type(), "errors": [str(p) for p in error.problems]}
    else:
        result = services.import_gift(text, filename=file.name, language=language, category=category, course=course)
    if result["errors"]:
        db.session.rollback()
    else:
        db.session.commit()
    if as_json:
        emit_json(result)
    elif not result["errors"]:
        kinds = ", ".join(f"{n} {kind}" for kind, n in result["by_type"].items() if n)
        click.echo(f"imported {result['imported']} questions ({kinds or 'none'})", err=True)
    if result["errors"]:
        fail(result["errors"])


@quiz.command("export")
@click.option("--format", "fmt", type=click.Choice(["gift"]), required=True, help="the output format (Moodle GIFT)")
@click.option("--category", default=None, help="only this category and its sub-categories")
@with_appcontext
def export_command(fmt: str, category: str | None):
    """Print the question bank as a GIFT file."""
    from training.quizzes import services

    try:
        text = services.export_gift(category)
    except services.QuizError as error:
        fail([error.message, *error.problems])
    click.echo(text, nl=False)


@quiz.command("count")
@with_appcontext
def count_command():
    """Print the number of questions in the bank."""
    from training.quizzes import services

    click.echo(services.count_questions())
