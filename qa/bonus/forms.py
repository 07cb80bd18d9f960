"""Flask-WTF forms of qa.bonus (the final-list checkboxes are read from the proposal table)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from servicecraft.formtools import choices

SPLIT_LABELS = {"equal": _l("Equally among the recipients"), "tiers": _l("By rank tiers")}
STATUS_LABELS = {
    "draft": _l("Draft"), "proposed": _l("Proposal ready"), "submitted": _l("Awaiting approval"),
    "approved": _l("Approved (frozen)"), "returned": _l("Sent back"),
}
ACTION_LABELS = {
    "opened": _l("Opened"), "proposed": _l("Proposal computed"), "chosen": _l("Final list changed"),
    "submitted": _l("Submitted for approval"), "approved": _l("Approved and frozen"), "returned": _l("Sent back"),
}


class RoundForm(FlaskForm):
    name = StringField(_l("Name of the round"), validators=[DataRequired(), Length(max=200)])
    period_from = DateField(_l("Period starts"), validators=[DataRequired()])
    period_to = DateField(_l("Period ends"), validators=[DataRequired()])
    budget = StringField(_l("Budget"), validators=[DataRequired(), Length(max=20)])
    currency = StringField(_l("Currency"), default="EUR", validators=[DataRequired(), Length(min=3, max=3)])
    min_tickets = IntegerField(_l("Fewest tickets solved"), default=20, validators=[Optional(), NumberRange(min=0)])
    min_composite = DecimalField(_l("Lowest composite"), default=75, places=1, validators=[Optional(), NumberRange(min=0, max=100)])
    no_critical_fail = BooleanField(_l("Exclude anyone with a critical fail in the period"), default=True)
    training_complete = BooleanField(_l("Require assigned training to be complete"), default=True)
    split_mode = SelectField(_l("Split the budget"), choices=choices(SPLIT_LABELS.items()), default="equal")
    tiers = StringField(_l("Tiers (recipients:weight, * for the rest)"), validators=[Optional(), Length(max=200)])


class SendBackForm(FlaskForm):
    reason = TextAreaField(_l("Why does the round go back?"), validators=[DataRequired(), Length(max=4000)])
