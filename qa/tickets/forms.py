"""Forms of qa.tickets (labels through lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields import IntegerField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from servicecraft.formtools import choices

IMPORT_SOURCES = (("zendesk", "Zendesk"), ("freshdesk", "Freshdesk"), ("zammad", "Zammad"),
                  ("csv", _l("CSV (our header or Zendesk's admin export)")), ("normalized", _l("Normalised JSON")))
CONNECTION_SOURCES = (("zendesk", "Zendesk"), ("freshdesk", "Freshdesk"), ("zammad", "Zammad"),
                      ("normalized", _l("Other (normalised JSON webhooks)")))


class ImportForm(FlaskForm):
    source = SelectField(_l("Help desk"), choices=choices(IMPORT_SOURCES))
    file = FileField(_l("Export file"), validators=[FileRequired(message=_l("Choose the export file."))])
    tz = StringField(_l("Time zone of times without one (CSV)"), default="UTC", validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Import"))


class SurveyImportForm(FlaskForm):
    file = FileField(_l("Survey answers (CSV)"), validators=[FileRequired(message=_l("Choose the CSV file."))])
    submit = SubmitField(_l("Import answers"))


class ConnectionForm(FlaskForm):
    source = SelectField(_l("Help desk"), choices=choices(CONNECTION_SOURCES))
    base_url = StringField(_l("Address (e.g. https://example.zendesk.com)"), validators=[Optional(), Length(max=300)])
    username = StringField(_l("Sign-in e-mail (Zendesk)"), validators=[Optional(), Length(max=254)])
    api_token = PasswordField(_l("API token (leave empty to keep the stored one)"), validators=[Optional(), Length(max=500)])
    webhook_secret = PasswordField(_l("Webhook signing secret (leave empty to keep it; a new connection gets one)"),
                                   validators=[Optional(), Length(max=500)])
    is_sync_enabled = BooleanField(_l("Pull changes from the help desk's API (sync)"))
    submit = SubmitField(_l("Save"))


class RuleForm(FlaskForm):
    source = SelectField(_l("Help desk"), choices=choices((("", _l("any")), *IMPORT_SOURCES[:3], ("csv", "CSV"),
                                                          ("normalized", _l("Normalised JSON")))))
    kind = SelectField(_l("Match"), choices=choices((("tag", _l("a tag")), ("type", _l("the ticket type")),
                                                     ("subject", _l("words in the subject")))))
    value = StringField(_l("Tag, type or words"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"))
    submit = SubmitField(_l("Add the rule"))


class LinkForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int)
    submit = SubmitField(_l("Save the link"))


class SurveyForm(FlaskForm):
    csat = SelectField(_l("How satisfied are you with the help you got? (1 very unsatisfied - 5 very satisfied)"),
                       choices=choices([("", "—")] + [(str(i), str(i)) for i in range(1, 6)]), validators=[Optional()])
    nps = SelectField(_l("How likely are you to recommend us to a friend? (0 not at all - 10 extremely)"),
                      choices=choices([("", "—")] + [(str(i), str(i)) for i in range(0, 11)]), validators=[Optional()])
    ces = SelectField(_l("How easy was it to get your issue resolved? (1 very difficult - 7 very easy)"),
                      choices=choices([("", "—")] + [(str(i), str(i)) for i in range(1, 8)]), validators=[Optional()])
    comment = TextAreaField(_l("Anything you would like to tell us?"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Send"))


class SurveyLinkForm(FlaskForm):
    days = IntegerField(_l("Valid for (days)"), default=30, validators=[NumberRange(min=1, max=365)])
    language = SelectField(_l("Customer's language"), choices=choices((("en", "English"), ("ru", "Русский"),
                                                                       ("uk", "Українська"), ("ja", "日本語"))))
    submit = SubmitField(_l("Make a survey link"))
