"""Forms of training.courses: course settings, modules, lessons, uploads, enrolment and rules.

Texts kept per language get one field per interface language (``title_en``, ``title_ru`` ...);
pages show only the fields of the course's languages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from servicecraft.formtools import choices
from servicecraft.i18n import LANGUAGE_NAMES
from servicecraft.people.forms import MultiCheckboxField, role_labels


def _per_language(form_class, name: str, label, factory, **kwargs) -> None:
    """Add one ``<name>_<lang>`` field per language; *label* maps a language name to the label."""
    for code, language in LANGUAGE_NAMES.items():
        setattr(form_class, f"{name}_{code}", factory(label(language), **kwargs))


def texts_of(form, name: str, languages) -> dict[str, str]:
    """Collect ``<name>_<lang>`` fields into a {lang: text} mapping."""
    return {lang: (getattr(form, f"{name}_{lang}").data or "") for lang in languages if hasattr(form, f"{name}_{lang}")}


def fill_texts(form, name: str, texts: dict[str, str] | None) -> None:
    for lang, text in (texts or {}).items():
        if hasattr(form, f"{name}_{lang}"):
            getattr(form, f"{name}_{lang}").data = text


class CourseForm(FlaskForm):
    slug = StringField(_l("Short name (used in links and rules)"), validators=[Optional(), Length(max=64)])
    languages = MultiCheckboxField(_l("Languages"))
    is_onboarding = BooleanField(_l("Part of onboarding"))
    position = IntegerField(_l("Position in the onboarding sequence"), validators=[Optional(), NumberRange(min=1, max=999)])
    requires_all_lessons = BooleanField(_l("Every lesson must be read to complete the course"), default=True)
    prerequisites = MultiCheckboxField(_l("Courses to complete first"), coerce=int)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, prerequisite_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = choices(LANGUAGE_NAMES.items())
        self.prerequisites.choices = choices(prerequisite_choices)


_per_language(CourseForm, "title", lambda language: _l("Title (%(language)s)", language=language), StringField, validators=[Optional(), Length(max=200)])
_per_language(CourseForm, "summary", lambda language: _l("Summary (%(language)s)", language=language), TextAreaField, validators=[Optional(), Length(max=2000)])


class ModuleForm(FlaskForm):
    submit = SubmitField(_l("Save module"))


_per_language(ModuleForm, "title", lambda language: _l("Module title (%(language)s)", language=language), StringField, validators=[Optional(), Length(max=200)])


class LessonForm(FlaskForm):
    slug = StringField(_l("Short name"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Save lesson"))


_per_language(LessonForm, "title", lambda language: _l("Lesson title (%(language)s)", language=language), StringField, validators=[Optional(), Length(max=200)])
_per_language(LessonForm, "body", lambda language: _l("Lesson text in Markdown (%(language)s)", language=language), TextAreaField, validators=[Optional(), Length(max=100_000)])


class UploadForm(FlaskForm):
    file = FileField(_l("Image (PNG, JPEG, GIF or WebP, up to 8 MB)"), validators=[FileRequired(_l("Choose an image to upload."))])
    submit = SubmitField(_l("Upload"))


class StatusForm(FlaskForm):
    status = HiddenField(validators=[AnyOf(("draft", "published", "archived"))])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(("up", "down"))])


class RuleToggleForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(("1", "0"))])


ENROL_KIND_LABELS = (("person", _l("A person")), ("team", _l("A team")), ("branch", _l("A branch")), ("role", _l("Everyone with a role")))
RULE_KIND_LABELS = (("newhires", _l("Every new hire")), ("everyone", _l("Everyone")), ("team", _l("A team")),
                    ("branch", _l("A branch")), ("role", _l("Everyone with a role")))


class EnrolForm(FlaskForm):
    kind = SelectField(_l("Enrol"), choices=choices(ENROL_KIND_LABELS))
    user_id = SelectField(_l("Person"), coerce=int, default=0, validate_choice=False)
    team_id = SelectField(_l("Team"), coerce=int, default=0, validate_choice=False)
    branch_id = SelectField(_l("Branch"), coerce=int, default=0, validate_choice=False)
    role = SelectField(_l("Role"), default="", validate_choice=False)
    due_date = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Enrol"))

    def __init__(self, *args, people=(), teams=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        none = [(0, "—")]
        self.user_id.choices = choices(none + [(p.id, f"{p.name} · {p.email}") for p in people])
        self.team_id.choices = choices(none + [(t.id, t.name) for t in teams])
        self.branch_id.choices = choices(none + [(b.id, b.name) for b in branches])
        self.role.choices = choices([("", "—")] + role_labels())


class RuleForm(FlaskForm):
    course_slug = SelectField(_l("Course"), validate_choice=False)
    kind = SelectField(_l("Enrol automatically"), choices=choices(RULE_KIND_LABELS))
    team_id = SelectField(_l("Team"), coerce=int, default=0, validate_choice=False)
    branch_id = SelectField(_l("Branch"), coerce=int, default=0, validate_choice=False)
    role = SelectField(_l("Role"), default="", validate_choice=False)
    due_days = IntegerField(_l("Due after this many days (from the start date for new hires)"),
                            validators=[Optional(), NumberRange(min=1, max=730)])
    submit = SubmitField(_l("Add the rule"))

    def __init__(self, *args, courses=(), teams=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        none = [(0, "—")]
        self.course_slug.choices = choices([("", "—")] + list(courses))
        self.team_id.choices = choices(none + [(t.id, t.name) for t in teams])
        self.branch_id.choices = choices(none + [(b.id, b.name) for b in branches])
        self.role.choices = choices([("", "—")] + role_labels())


class DueDateForm(FlaskForm):
    """Change one enrolment's due date; the reason goes to the audit log."""

    due_date = DateField(_l("New due date"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Say why the due date changes.")), Length(max=500)])
    submit = SubmitField(_l("Change the due date"))
