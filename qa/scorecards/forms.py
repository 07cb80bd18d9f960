"""Forms of qa.scorecards (labels through lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from qa.scorecards.composite import COMPONENT_KEYS

WEIGHT_LABELS = {
    "qa_pct": _l("Weight of the QA score"),
    "mystery_shop_pct": _l("Weight of mystery shopping"),
    "csat_pct": _l("Weight of CSAT"),
    "fcr_pct": _l("Weight of first-contact resolution"),
    "first_reply_within_24h_pct": _l("Weight of first reply within 24 hours"),
    "simulation_pct": _l("Weight of simulations"),
    "training_pct": _l("Weight of training completed"),
}


class WeightsForm(FlaskForm):
    """The composite's weights, a reason, and Preview / Save buttons."""

    reason = TextAreaField(_l("Why the weights change"), validators=[Optional()])
    preview = SubmitField(_l("Preview the ranking"))
    save = SubmitField(_l("Save the new weights"))


for _key in COMPONENT_KEYS:
    setattr(WeightsForm, _key, DecimalField(WEIGHT_LABELS[_key], places=None,
                                            validators=[InputRequired(), NumberRange(min=0, max=1000)]))


class PackForm(FlaskForm):
    """Build a PDF pack of a team's or branch's scorecards in the background."""

    # Hidden fields show no label; an empty one spares WTForms translating a default label,
    # which loads its message catalogue from disk on every scorecards page.
    start = HiddenField("")
    end = HiddenField("")
    team = HiddenField("")
    branch = HiddenField("")
    region = HiddenField("")
    title = StringField(_l("Title"), validators=[Optional()])
