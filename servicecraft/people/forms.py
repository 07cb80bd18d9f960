"""Admin forms for people, teams and branches."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from servicecraft.auth.forms import timezone_choices
from servicecraft.formtools import choices
from servicecraft.i18n import LANGUAGE_NAMES
from servicecraft.models import ROLES


def role_labels() -> list[tuple[str, str]]:
    from flask_babel import lazy_gettext

    labels = {
        "admin": lazy_gettext("Admin"),
        "manager": lazy_gettext("Manager"),
        "mentor": lazy_gettext("Mentor"),
        "shopper": lazy_gettext("Mystery shopper"),
        "agent": lazy_gettext("Agent"),
    }
    return [(r, labels[r]) for r in ROLES]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    roles = MultiCheckboxField(_l("Roles"), validators=[DataRequired(message=_l("Give at least one role."))])
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))
    timezone = SelectField(_l("Time zone"), default="UTC")
    team_id = SelectField(_l("Team"), coerce=int)
    branch_id = SelectField(_l("Branch"), coerce=int)
    start_date = DateField(_l("Start date"), validators=[Optional()])
    mentor_capacity = IntegerField(_l("Mentor capacity"), default=0, validators=[NumberRange(min=0, max=100)])
    is_active = BooleanField(_l("Active"), default=True)
    reason = StringField(_l("Reason for the change"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, teams=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = choices(role_labels())
        self.timezone.choices = choices(timezone_choices())
        none = [(0, "—")]
        self.team_id.choices = choices(none + [(t.id, t.name) for t in teams])
        self.branch_id.choices = choices(none + [(b.id, f"{b.code} · {b.name}") for b in branches])


class BranchForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=120)])
    is_central = BooleanField(_l("Central office"))
    submit = SubmitField(_l("Save"))


class TeamForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    branch_id = SelectField(_l("Branch"), coerce=int)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.branch_id.choices = choices([(0, "—")] + [(b.id, f"{b.code} · {b.name}") for b in branches])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a .csv file."))])
    submit = SubmitField(_l("Import"))
