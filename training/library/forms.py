"""Forms of training.library."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class AcknowledgeForm(FlaskForm):
    """'I have read this version': the version number guards against a version published meanwhile."""

    version = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("I have read this version"))


def publish_form_class(languages: list[tuple[str, str, bool]]):
    """Build the publish form with one Markdown field per (code, language name, required)."""

    class PublishForm(FlaskForm):
        change_note = TextAreaField(
            _l("What changed"), validators=[Length(max=2000)],
            description=_l("Shown to everyone who has to read the new version."),
        )
        submit = SubmitField(_l("Publish the new version"))

    for code, name, required in languages:
        label = _l("Text in %(language)s (Markdown)", language=name)
        # Required languages are checked by the service, which reports every problem at once.
        render_kw = {"rows": 18, "lang": code, **({"aria-required": "true"} if required else {})}
        setattr(PublishForm, f"body_{code}", TextAreaField(label, validators=[Optional(), Length(max=200_000)], render_kw=render_kw))
    return PublishForm
