"""Forms of training.certificates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[DataRequired(message=_l("Give the reason for revoking the certificate.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Revoke the certificate"))


class LookupForm(FlaskForm):
    """The public 'check a certificate' form (GET, so no CSRF token is needed)."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Check"))
