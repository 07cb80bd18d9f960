"""Forms of training.onboarding (labels through lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from servicecraft.formtools import choices
from servicecraft.people.forms import MultiCheckboxField
from training.onboarding import plans


def kind_choices():
    return [("task", _l("Task")), ("course", _l("Course")), ("roleplay", _l("Role-play")),
            ("golive", _l("Go-live track")), ("supervised", _l("Supervised tickets")),
            ("shadowing", _l("Shadowing")), ("meeting", _l("Meeting"))]


def ticker_choices():
    return [("newhire", _l("The new hire")), ("mentor", _l("The mentor")), ("either", _l("Either"))]


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=2000)])
    description_ru = TextAreaField(_l("Description (Russian)"), validators=[Optional(), Length(max=2000)])
    role = SelectField(_l("Applies to people with the role"), choices=choices([("agent", _l("Agent")), ("mentor", _l("Mentor"))]))
    branch_id = SelectField(_l("Branch"), coerce=int)
    is_active = BooleanField(_l("Active: new hires who match get this plan automatically"), default=True)
    submit = SubmitField(_l("Save the template"))

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.branch_id.choices = choices([(0, _l("Every branch"))] + [(b.id, f"{b.code} · {b.name}") for b in branches])


class ItemForm(FlaskForm):
    key = StringField(_l("Key (short name other items use for dependencies)"),
                      validators=[DataRequired(), Length(max=plans.MAX_KEY)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200)])
    title_ru = StringField(_l("Title (Russian)"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"))
    link = StringField(_l("Link: course or scenario slug"), validators=[Optional(), Length(max=120)])
    due_offset_days = IntegerField(_l("Due, in days after the start date"),
                                   validators=[InputRequired(_l("Give the number of days.")),
                                               NumberRange(min=0, max=plans.MAX_OFFSET_DAYS)])
    ticked_by = SelectField(_l("Who ticks it"))
    depends_on = MultiCheckboxField(_l("Depends on"), validate_choice=False)
    submit = SubmitField(_l("Save the item"))

    def __init__(self, *args, other_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices(kind_choices())
        self.ticked_by.choices = choices(ticker_choices())
        self.depends_on.choices = choices(other_keys)


class StartPlanForm(FlaskForm):
    template_id = SelectField(_l("Template"), coerce=int)
    submit = SubmitField(_l("Start the plan"))


class UntickForm(FlaskForm):
    reason = StringField(_l("Why is it not done after all? (optional)"), validators=[Optional(), Length(max=300)])


class CheckInForm(FlaskForm):
    scheduled_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                      validators=[InputRequired(_l("Give the date and time of the check-in."))])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Schedule the check-in"))


class NoteForm(FlaskForm):
    kind = HiddenField()
    body = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Save the notes"))


class ActionForm(FlaskForm):
    title = StringField(_l("Action item"), validators=[DataRequired(), Length(max=300)])
    owner = SelectField(_l("Owner"), choices=choices([("newhire", _l("The new hire")), ("mentor", _l("The mentor"))]))
    due_date = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Add the action item"))


class LinkForm(FlaskForm):
    target = SelectField(_l("Attempt discussed"))
    submit = SubmitField(_l("Link it"))


class StatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
