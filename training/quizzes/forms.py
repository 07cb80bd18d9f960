"""Forms of the question bank, quiz settings and essay grading."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from servicecraft.formtools import choices
from servicecraft.i18n import LANGUAGE_NAMES

MAX_GIFT_BYTES = 2 * 1024 * 1024


def parse_bands(text: str) -> list[tuple[int, str]]:
    """Read feedback bands written one per line as ``80: text``; raise ValueError naming the line."""
    bands = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        percent, sep, rest = line.partition(":")
        try:
            value = int(percent.strip().rstrip("%"))
        except ValueError:
            value = -1
        if not sep or not rest.strip() or not 0 <= value <= 100:
            raise ValueError(number)
        bands.append((value, rest.strip()))
    return bands


class QuizForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    course_id = SelectField(_l("Course"), coerce=int, default=0)
    pass_mark = IntegerField(_l("Pass mark (%)"), default=80, validators=[InputRequired(message=_l("Give a pass mark.")), NumberRange(min=0, max=100)])
    attempts_allowed = IntegerField(_l("Attempts allowed (empty: no limit)"), validators=[Optional(), NumberRange(min=1, max=100)])
    time_limit_minutes = IntegerField(_l("Time limit in minutes (empty: none)"), validators=[Optional(), NumberRange(min=1, max=600)])
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_answers = BooleanField(_l("Shuffle the answers"), default=True)
    show_feedback = BooleanField(_l("Show feedback on each answer after submission"), default=True)
    overall_feedback = TextAreaField(
        _l("Overall feedback: one band per line, the lowest percentage, a colon, then the text"),
        validators=[Optional(), Length(max=5000)],
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, courses=(), language="en", **kwargs):
        super().__init__(*args, **kwargs)
        from training.courses.models import text_in

        self.course_id.choices = choices(
            [(0, _l("None: a stand-alone quiz"))]
            + [(c.id, f"{text_in(c.title, language)} (v{c.version})") for c in courses]
        )

    def validate_overall_feedback(self, field):
        try:
            parse_bands(field.data or "")
        except ValueError as error:
            raise ValidationError(
                _l("Line %(line)s: write a band like \u201c80: Well done\u201d (a percentage from 0 to 100, a colon, a text).", line=error.args[0])
            ) from None


class ImportForm(FlaskForm):
    file = FileField(_l("GIFT file"), validators=[FileRequired(message=_l("Choose a GIFT file to import."))])
    language = SelectField(_l("Language of the questions"), choices=choices(LANGUAGE_NAMES.items()), default="en")
    category = StringField(_l("Category for questions without a $CATEGORY line (optional)"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Import"))


class GradeForm(FlaskForm):
    percent = FloatField(
        _l("Grade (%)"),
        validators=[
            InputRequired(message=_l("Give a grade from 0 to 100.")),
            NumberRange(min=0, max=100, message=_l("The grade is a percentage from 0 to 100.")),
        ],
    )
    comment = TextAreaField(_l("Comment for the learner"), validators=[Optional(), Length(max=5000)])
    reason = TextAreaField(_l("Reason for the change (required for a regrade)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Save the grade"))
