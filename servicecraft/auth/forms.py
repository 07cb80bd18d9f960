"""Sign-in, password and profile forms."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from servicecraft.formtools import choices
from servicecraft.i18n import LANGUAGE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ResetPasswordForm(FlaskForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


@functools.cache
def _timezone_names() -> tuple[str, ...]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    from zoneinfo import available_timezones

    return tuple(tz for tz in sorted(available_timezones()) if "/" in tz or tz == "UTC")


def timezone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in _timezone_names()]


class PreferencesForm(FlaskForm):
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))
    timezone = SelectField(_l("Time zone"))
    submit = SubmitField(_l("Save preferences"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices(timezone_choices())


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create token"))


class ButtonForm(FlaskForm):
    """A form with no fields: POST-only buttons still carry a CSRF token."""
