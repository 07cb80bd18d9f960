"""Forms of qa.reviews (labels through lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from servicecraft.formtools import choices
from servicecraft.people.forms import MultiCheckboxField

RULE_LABELS = {
    "random": _l("Random: a number of tickets per agent per week"),
    "low_csat": _l("Low satisfaction: tickets rated negative"),
    "reopened": _l("Reopened tickets"),
    "slow": _l("Slow: first reply over 24 hours or long resolution"),
    "category": _l("One request category"),
}


def rule_label(rule: str):
    return RULE_LABELS.get(rule, rule)


class SampleForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    rule = SelectField(_l("Rule"), choices=choices(RULE_LABELS.items()))
    period_from = DateField(_l("From"), validators=[DataRequired()])
    period_to = DateField(_l("To"), validators=[DataRequired()])
    form_version_id = SelectField(_l("Review form"), coerce=int, validators=[DataRequired()])
    reviewer_ids = MultiCheckboxField(_l("Reviewers"), coerce=int,
                                      validators=[DataRequired(message=_l("Choose at least one reviewer."))])
    per_agent = IntegerField(_l("Tickets per agent per week (random rule)"), default=2,
                             validators=[Optional(), NumberRange(min=1, max=100)])
    limit = IntegerField(_l("At most this many tickets, drawn at random (other rules; empty: all)"),
                         validators=[Optional(), NumberRange(min=1, max=5000)])
    category = SelectField(_l("Category (category rule)"), validators=[Optional()])
    first_reply_minutes = IntegerField(_l("Slow first reply: over this many minutes"), default=1440,
                                       validators=[Optional(), NumberRange(min=1)])
    resolution_hours = IntegerField(_l("Slow resolution: over this many hours"), default=72,
                                    validators=[Optional(), NumberRange(min=1)])
    seed = IntegerField(_l("Seed (empty: a new random draw; the same seed draws the same tickets)"),
                        validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])

    def __init__(self, *args, forms=(), reviewers=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.form_version_id.choices = choices((v.id, _version_label(v)) for v in forms)
        self.reviewer_ids.choices = choices((p.id, p.name) for p in reviewers)
        self.category.choices = choices([("", "—")] + [(c, c) for c in categories])


def _version_label(version) -> str:
    from flask_babel import get_locale

    from servicecraft.texts import pick

    lang = get_locale().language if get_locale() else "en"
    return f"{pick(version.form.title, lang, ('en',)) or version.form.slug} (v{version.number})"


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=4000)])
    visibility = SelectField(_l("Who may read it"), choices=choices([
        ("agent", _l("The agent (shown with the released review)")),
        ("internal", _l("QA staff only")),
    ]))


class SkipForm(FlaskForm):
    reason = StringField(_l("Why skip this ticket?"), validators=[DataRequired(), Length(max=500)])


class ReassignForm(FlaskForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int)

    def __init__(self, *args, reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewer_id.choices = choices((p.id, p.name) for p in reviewers)
