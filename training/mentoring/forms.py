"""Forms of training.mentoring."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from servicecraft.formtools import choices

RATINGS = [(str(n), str(n)) for n in range(1, 6)]


class AssignForm(FlaskForm):
    mentor_id = SelectField(_l("Mentor"), coerce=int, validate_choice=False, validators=[DataRequired(_l("Mentor: choose a mentor."))])
    reason = StringField(_l("Reason (required to reassign or to go over capacity)"),
                         validators=[Optional(), Length(max=500)])
    confirm_over_capacity = BooleanField(_l("Yes, assign even though this mentor is over capacity"))
    submit = SubmitField(_l("Assign mentor"))

    def __init__(self, *args, mentors=(), loads=None, **kwargs):
        super().__init__(*args, **kwargs)
        loads = loads or {}
        self.mentor_id.choices = choices(
            [(0, _l("Choose a mentor…"))]
            + [(m.id, f"{m.name} ({loads.get(m.id, 0)}/{m.mentor_capacity or 0})") for m in mentors])


class AutoAssignForm(FlaskForm):
    submit = SubmitField(_l("Apply the automatic assignment"))


class SignOffForm(FlaskForm):
    override_reason = TextAreaField(_l("Reason for signing off without the full go-live track (managers only)"),
                                    validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Sign off to go live"))


class FeedbackForm(FlaskForm):
    availability = RadioField(_l("Availability: my mentor had time for me (1 = never, 5 = always)"),
                              choices=choices(RATINGS), validators=[InputRequired(_l("Availability: choose a rating from 1 to 5."))])
    clarity = RadioField(_l("Clarity: explanations were clear (1 = not at all, 5 = very)"),
                         choices=choices(RATINGS), validators=[InputRequired(_l("Clarity: choose a rating from 1 to 5."))])
    usefulness = RadioField(_l("Usefulness: the mentoring helped me do the job (1 = not at all, 5 = a lot)"),
                            choices=choices(RATINGS), validators=[InputRequired(_l("Usefulness: choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional; shown to managers without your name)"),
                            validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send my feedback"))
