"""Flask-WTF forms of qa.missions (the shop itself is rendered item by item from its form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from qa.missions.models import CHANNELS
from servicecraft.formtools import choices

CHANNEL_LABELS = {
    "phone": _l("Phone"), "chat": _l("Chat"), "email": _l("E-mail"), "office": _l("Branch visit"), "social": _l("Social media"),
}
STATUS_LABELS = {
    "draft": _l("Draft"), "published": _l("On the job board"), "assigned": _l("Assigned"),
    "in_progress": _l("In progress"), "submitted": _l("Submitted"), "returned": _l("Returned for correction"),
    "validated": _l("Validated"), "cancelled": _l("Cancelled"),
}
FEE_LABELS = {"due": _l("Fee due"), "paid": _l("Fee paid")}
EVENT_LABELS = {
    "created": _l("Created"), "edited": _l("Edited"), "published": _l("Published on the job board"),
    "assigned": _l("Assigned"), "claimed": _l("Claimed from the job board"), "started": _l("Started"),
    "submitted": _l("Submitted"), "resubmitted": _l("Corrected and resubmitted"),
    "returned": _l("Returned for correction"), "validated": _l("Validated and released"),
    "fee_paid": _l("Fee paid"), "cancelled": _l("Cancelled"), "evidence_removed": _l("File removed"),
}


class MissionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    channel = SelectField(_l("Channel"), choices=choices((c, CHANNEL_LABELS[c]) for c in CHANNELS))
    form_version_id = SelectField(_l("Evaluation form"), coerce=int)
    branch_id = SelectField(_l("Branch to shop"), coerce=int)
    agent_id = SelectField(_l("Agent to shop"), coerce=int)
    window_start = DateTimeLocalField(_l("Window starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    window_end = DateTimeLocalField(_l("Window ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    brief = TextAreaField(_l("Brief for the shopper (Markdown)"), validators=[Length(max=20000)])
    scenario_slug = SelectField(_l("Role-play script"))
    fee = DecimalField(_l("Fee"), places=2, validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    currency = StringField(_l("Currency"), default="EUR", validators=[DataRequired(), Length(min=3, max=3)])


class AssignForm(FlaskForm):
    shopper_id = SelectField(_l("Mystery shopper"), coerce=int)


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("What should the shopper correct?"), validators=[DataRequired(), Length(max=4000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class WorkForm(FlaskForm):
    """The shop: answers are read item by item from the request; this carries the CSRF token."""
