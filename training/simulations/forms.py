"""Forms of the role-play simulations (the grading form's rubric fields are read by the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from servicecraft.formtools import choices
from training.simulations.engine import MAX_REPLY_LENGTH


class UploadForm(FlaskForm):
    file = FileField(_l("Scenario file (.yaml)"), validators=[FileRequired(_l("Choose a .yaml scenario file."))])
    submit = SubmitField(_l("Upload and check"))


class StepForm(FlaskForm):
    """One step of the player; ``counter`` is the attempt's step counter when the page was drawn."""

    counter = HiddenField()
    choice = HiddenField()  # sent by the choice buttons (name="choice")
    category = SelectField(_l("Request category"), validators=[Optional()])
    reply = TextAreaField(_l("Your reply"), validators=[Optional(), Length(
        max=MAX_REPLY_LENGTH, message=_l("Your reply is %(length)d characters long; keep it to %(max)d characters."))])

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choices([("", _l("Choose a category…"))] + [(c, c) for c in categories])


class GradeForm(FlaskForm):
    """The reason of a regrade; rubric points and comments are fields named per reply node."""

    reason = StringField(_l("Reason for changing the grade"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save the grade"))


class RequirementForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices([("scenario", _l("Role-play scenario")),
                                                    ("course", _l("Course"))]))
    slug = StringField(_l("Scenario or course slug"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Add to the go-live track"))
