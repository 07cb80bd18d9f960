"""Flask-WTF forms of qa.evaluations (labels through lazy_gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from servicecraft.formtools import choices


class ButtonForm(FlaskForm):
    """No fields: a POST button with a CSRF token."""


class FormSourceForm(FlaskForm):
    source = TextAreaField(_l("Form file (YAML)"), validators=[DataRequired(), Length(max=200_000)],
                           render_kw={"rows": 28, "spellcheck": "false", "class": "mono"})
    preview = SubmitField(_l("Check and preview"))
    save = SubmitField(_l("Save the draft"))


class FormUploadForm(FlaskForm):
    file = FileField(_l("Form file (.yaml)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class ResultsUploadForm(FlaskForm):
    file = FileField(_l("Results file (CSV, UTF-8)"), validators=[FileRequired()])
    status = SelectField(_l("Status of the imported evaluations"), default="validated",
                         choices=choices([("validated", _l("validated (count, not yet shown to agents)")),
                                  ("released", _l("released (shown to agents)")),
                                  ("submitted", _l("submitted (wait for a validator)"))]))
    submit = SubmitField(_l("Import"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3})
    item_id = SelectField(_l("About"), validators=[Optional()], choices=[])
    visibility = SelectField(_l("Who may read it"), choices=choices([("agent", _l("the agent, once released")),
                                                            ("author", _l("the author and QA staff")),
                                                            ("internal", _l("QA staff only"))]))
    submit = SubmitField(_l("Add the comment"))


class ReturnForm(FlaskForm):
    comment = TextAreaField(_l("What should the author correct?"), validators=[DataRequired(), Length(max=5000)],
                            render_kw={"rows": 3})
    submit = SubmitField(_l("Return for correction"))


class DisputeForm(FlaskForm):
    reason = TextAreaField(_l("Why do you disagree?"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 4})
    item_id = SelectField(_l("Which item"), validators=[Optional()], choices=[])
    submit = SubmitField(_l("Dispute this evaluation"))


class ResolveForm(FlaskForm):
    resolution = TextAreaField(_l("Decision, explained to the agent"), validators=[DataRequired(), Length(max=2000)],
                               render_kw={"rows": 3})
    uphold = SubmitField(_l("Uphold the evaluation"))
    change = SubmitField(_l("Change the answers"))


class ReviseForm(FlaskForm):
    reason = TextAreaField(_l("Why do the answers change?"), validators=[DataRequired(), Length(max=2000)],
                           render_kw={"rows": 2})
    submit = SubmitField(_l("Save as a new revision"))


class EvidenceForm(FlaskForm):
    item_id = SelectField(_l("Item"), choices=[])
    file = FileField(_l("Photo or recording"), validators=[FileRequired()])
    submit = SubmitField(_l("Attach"))


class VoidForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    confirm = BooleanField(_l("Withdraw this evaluation (it stays on record but no longer counts)"), validators=[DataRequired()])
    submit = SubmitField(_l("Withdraw"))
