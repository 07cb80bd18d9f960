"""Forms of qa.calibration (labels through lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from servicecraft.formtools import choices
from servicecraft.people.forms import MultiCheckboxField


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    form_version_id = SelectField(_l("Form"), coerce=int, validators=[DataRequired()])
    ticket_id = IntegerField(_l("Ticket number in Servicecraft (optional)"), validators=[Optional(), NumberRange(min=1)])
    description = TextAreaField(_l("Description of the interaction"), validators=[Optional(), Length(max=5000)])
    recording_ref = StringField(_l("Recording or transcript reference"), validators=[Optional(), Length(max=500)])
    reviewer_ids = MultiCheckboxField(_l("Reviewers (at least two)"), coerce=int,
                                      validators=[DataRequired(message=_l("Invite at least two reviewers."))])

    def __init__(self, *args, forms=(), reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        from flask_babel import get_locale

        from servicecraft.texts import pick

        lang = get_locale().language if get_locale() else "en"
        self.form_version_id.choices = choices(
            (v.id, f"{pick(v.form.title, lang, ('en',)) or v.form.slug} (v{v.number})") for v in forms)
        self.reviewer_ids.choices = choices((p.id, p.name) for p in reviewers)
