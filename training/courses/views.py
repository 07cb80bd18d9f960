"""Pages of training.courses (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from servicecraft import storage
from servicecraft.auth.forms import ButtonForm
from servicecraft.extensions import db
from servicecraft.i18n import LANGUAGE_NAMES
from servicecraft.models import Branch, Team, User
from servicecraft.permissions import get_or_404, is_manager, is_staff_lead, require, signed_in
from training.courses import services
from training.courses.forms import (
    CourseForm,
    DueDateForm,
    EnrolForm,
    LessonForm,
    ModuleForm,
    MoveForm,
    RuleForm,
    RuleToggleForm,
    StatusForm,
    UploadForm,
    fill_texts,
    texts_of,
)
from training.courses.models import Course, CourseModule, Enrolment, EnrolmentRule, Lesson, text_in

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


@bp.app_template_filter("in_language")
def _in_language(texts) -> str:
    return text_in(texts, _language())


def _show_problems(form, problems: dict[str, str]) -> None:
    for name, message in problems.items():
        target = getattr(form, name, None) if name else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(message, "error")


def _course_or_404(course_id: int) -> Course:
    return get_or_404(Course, course_id)


def _viewable_course(course_id: int) -> Course:
    return get_or_404(Course, course_id, allowed=lambda c: services.can_view_course(current_user, c))


def _teams_branches():
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    branches = db.session.scalars(select(Branch).order_by(Branch.code)).all()
    return teams, branches


def _status_for_post() -> int:
    return 422 if request.method == "POST" else 200


# --- authoring ---------------------------------------------------------------------------------


@bp.route("/")
@require(is_manager)
def index():
    courses = db.session.scalars(select(Course).order_by(Course.slug, Course.version.desc())).all()
    by_slug: dict[str, list[Course]] = {}
    for course in courses:
        by_slug.setdefault(course.slug, []).append(course)
    groups = sorted(by_slug.values(), key=lambda versions: (not versions[0].is_onboarding, versions[0].position or 10**6, versions[0].slug))
    return render_template("training/courses/index.html", groups=groups)


def _prerequisite_choices(course: Course | None):
    return [(c.id, f"{text_in(c.title, _language())} (v{c.version})") for c in services.latest_versions()
            if course is None or c.slug != course.slug]


def _course_input(form: CourseForm, course: Course | None) -> services.CourseInput:
    languages = [lang for lang in LANGUAGE_NAMES if lang in (form.languages.data or [])]
    return services.CourseInput(
        slug=(form.slug.data or "").strip() if course is None else course.slug,
        languages=languages,
        title=texts_of(form, "title", languages), summary=texts_of(form, "summary", languages),
        is_onboarding=bool(form.is_onboarding.data), position=form.position.data,
        requires_all_lessons=bool(form.requires_all_lessons.data),
        prerequisite_ids=list(form.prerequisites.data or []),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(is_manager)
def new():
    form = CourseForm(prerequisite_choices=_prerequisite_choices(None))
    if request.method == "GET":
        form.languages.data = ["en", "ru"]
    if form.validate_on_submit():
        try:
            course = services.create_course(_course_input(form, None), current_user)
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The course is created as a draft. Add modules and lessons next."), "success")
            return redirect(url_for(".manage", course_id=course.id))
    return render_template("training/courses/form.html", form=form, course=None, language_names=LANGUAGE_NAMES), _status_for_post()


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@require(is_manager)
def edit(course_id: int):
    course = _course_or_404(course_id)
    form = CourseForm(prerequisite_choices=_prerequisite_choices(course))
    if request.method == "GET":
        form.languages.data = list(course.languages or [])
        fill_texts(form, "title", course.title)
        fill_texts(form, "summary", course.summary)
        form.is_onboarding.data = course.is_onboarding
        form.position.data = course.position
        form.requires_all_lessons.data = course.requires_all_lessons
        form.prerequisites.data = [p.id for p in course.prerequisites]
    if form.validate_on_submit():
        try:
            services.update_course(course, _course_input(form, course), current_user)
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The course is saved."), "success")
            return redirect(url_for(".manage", course_id=course.id))
    return render_template("training/courses/form.html", form=form, course=course, language_names=LANGUAGE_NAMES), _status_for_post()


def _manage_page(course: Course, upload_form: UploadForm, status_code: int = 200):
    enrolled = db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.course_id == course.id))
    versions = db.session.scalars(select(Course).where(Course.slug == course.slug).order_by(Course.version)).all()
    return render_template(
        "training/courses/manage.html", course=course, files=services.course_files(course), upload_form=upload_form,
        button_form=ButtonForm(), problems=services.publishing_problems(course) if course.status == "draft" else [],
        snippet=services.file_snippet, file_name=services.file_name, enrolled=enrolled, versions=versions,
        quiz_count=len(services.course_quiz_ids(course)),
    ), status_code


@bp.route("/<int:course_id>/manage")
@require(is_manager)
def manage(course_id: int):
    return _manage_page(_course_or_404(course_id), UploadForm())


@bp.route("/<int:course_id>/status", methods=["POST"])
@require(is_manager)
def status(course_id: int):
    course = _course_or_404(course_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_status(course, form.status.data, current_user)
    except services.CourseError as error:
        db.session.rollback()
        for message in error.problems.values():
            flash(message, "error")
        return redirect(url_for(".manage", course_id=course.id))
    db.session.commit()
    labels = {"published": _("The course is published."), "archived": _("The course is archived."), "draft": _("The course is back to draft.")}
    flash(labels[course.status], "success")
    return redirect(url_for(".manage", course_id=course.id))


@bp.route("/<int:course_id>/copy", methods=["POST"])
@require(is_manager)
def copy(course_id: int):
    course = _course_or_404(course_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    new_version = services.copy_course(course, current_user)
    db.session.commit()
    flash(_("Version %(version)d is created as a draft.", version=new_version.version), "success")
    return redirect(url_for(".manage", course_id=new_version.id))


def _module_page(course: Course, module: CourseModule | None, form: ModuleForm):
    return render_template("training/courses/module_form.html", course=course, module=module, form=form,
                           course_langs=services.course_languages(course), names=LANGUAGE_NAMES), _status_for_post()


@bp.route("/<int:course_id>/modules/new", methods=["GET", "POST"])
@require(is_manager)
def new_module(course_id: int):
    course = _course_or_404(course_id)
    form = ModuleForm()
    if form.validate_on_submit():
        try:
            services.add_module(course, texts_of(form, "title", services.course_languages(course)), current_user)
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The module is added."), "success")
            return redirect(url_for(".manage", course_id=course.id))
    return _module_page(course, None, form)


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@require(is_manager)
def edit_module(module_id: int):
    module = get_or_404(CourseModule, module_id)
    form = ModuleForm()
    if request.method == "GET":
        fill_texts(form, "title", module.title)
    if form.validate_on_submit():
        try:
            services.update_module(module, texts_of(form, "title", services.course_languages(module.course)), current_user)
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The module is saved."), "success")
            return redirect(url_for(".manage", course_id=module.course_id))
    return _module_page(module.course, module, form)


def _post_or_400(form) -> None:
    if not form.validate_on_submit():
        abort(400)


def _run_and_return(course_id: int, action, done_message: str):
    try:
        action()
    except services.CourseError as error:
        db.session.rollback()
        for message in error.problems.values():
            flash(message, "error")
    else:
        db.session.commit()
        if done_message:
            flash(done_message, "success")
    return redirect(url_for(".manage", course_id=course_id))


@bp.route("/modules/<int:module_id>/move", methods=["POST"])
@require(is_manager)
def move_module(module_id: int):
    module = get_or_404(CourseModule, module_id)
    form = MoveForm()
    _post_or_400(form)
    return _run_and_return(module.course_id, lambda: services.move_module(module, form.direction.data, current_user), "")


@bp.route("/modules/<int:module_id>/delete", methods=["POST"])
@require(is_manager)
def delete_module(module_id: int):
    module = get_or_404(CourseModule, module_id)
    _post_or_400(ButtonForm())
    return _run_and_return(module.course_id, lambda: services.delete_module(module, current_user), _("The module is deleted."))


def _lesson_page(course: Course, module: CourseModule, lesson: Lesson | None, form: LessonForm):
    languages = services.course_languages(course)
    previews = {}
    if lesson is not None:
        previews = {lang: services.render_lesson(course, (lesson.body or {}).get(lang, ""), lang) for lang in languages}
    return render_template("training/courses/lesson_form.html", course=course, module=module, lesson=lesson, form=form,
                           course_langs=languages, names=LANGUAGE_NAMES, previews=previews,
                           files=services.course_files(course), snippet=services.file_snippet), _status_for_post()


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@require(is_manager)
def new_lesson(module_id: int):
    module = get_or_404(CourseModule, module_id)
    course = module.course
    form = LessonForm()
    if form.validate_on_submit():
        languages = services.course_languages(course)
        try:
            lesson = services.add_lesson(module, (form.slug.data or "").strip(), texts_of(form, "title", languages),
                                         texts_of(form, "body", languages), current_user)
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The lesson is added."), "success")
            return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    return _lesson_page(course, module, None, form)


@bp.route("/lessons/<int:lesson_id>/edit", methods=["GET", "POST"])
@require(is_manager)
def edit_lesson(lesson_id: int):
    lesson = get_or_404(Lesson, lesson_id)
    course = lesson.module.course
    form = LessonForm()
    if request.method == "GET":
        form.slug.data = lesson.slug
        fill_texts(form, "title", lesson.title)
        fill_texts(form, "body", lesson.body)
    if form.validate_on_submit():
        languages = services.course_languages(course)
        try:
            services.update_lesson(lesson, (form.slug.data or "").strip(), texts_of(form, "title", languages),
                                   texts_of(form, "body", languages), current_user)
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("The lesson is saved."), "success")
            return redirect(url_for(".edit_lesson", lesson_id=lesson.id))
    return _lesson_page(course, lesson.module, lesson, form)


@bp.route("/lessons/<int:lesson_id>/move", methods=["POST"])
@require(is_manager)
def move_lesson(lesson_id: int):
    lesson = get_or_404(Lesson, lesson_id)
    form = MoveForm()
    _post_or_400(form)
    return _run_and_return(lesson.module.course_id, lambda: services.move_lesson(lesson, form.direction.data, current_user), "")


@bp.route("/lessons/<int:lesson_id>/delete", methods=["POST"])
@require(is_manager)
def delete_lesson(lesson_id: int):
    lesson = get_or_404(Lesson, lesson_id)
    course_id = lesson.module.course_id
    _post_or_400(ButtonForm())
    return _run_and_return(course_id, lambda: services.delete_lesson(lesson, current_user), _("The lesson is deleted."))


@bp.route("/<int:course_id>/files", methods=["POST"])
@require(is_manager)
def upload(course_id: int):
    course = _course_or_404(course_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _manage_page(course, form, 422)
    try:
        course_file = services.upload_file(course, form.file.data.stream, form.file.data.filename or "", current_user)
    except services.CourseError as error:
        db.session.rollback()
        form.file.errors = list(error.problems.values())
        return _manage_page(course, form, 422)
    db.session.commit()
    flash(_("The image is uploaded. Paste %(snippet)s into a lesson to show it.", snippet=services.file_snippet(course_file)), "success")
    return redirect(url_for(".manage", course_id=course.id))


@bp.route("/<int:course_id>/files/<file_name>")
@require(signed_in)
def file(course_id: int, file_name: str):
    course = _viewable_course(course_id)
    course_file = services.find_file(course, file_name)
    if course_file is None:
        abort(404)
    try:
        path = storage.path_of(course_file.storage_key)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=course_file.content_type, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- enrolment -------------------------------------------------------------------------------------


@bp.route("/<int:course_id>/enrolments", methods=["GET", "POST"])
@require(is_manager)
def enrolments(course_id: int):
    course = _course_or_404(course_id)
    teams, branches = _teams_branches()
    people = db.session.scalars(select(User).where(User.is_active_account.is_(True)).order_by(User.name)).all()
    form = EnrolForm(people=people, teams=teams, branches=branches)
    status_code = 200
    if form.validate_on_submit():
        try:
            targets = services.people_for_target(form.kind.data, user_id=form.user_id.data, team_id=form.team_id.data,
                                                 branch_id=form.branch_id.data, role=form.role.data or None)
            created, already = services.enrol(course, targets, form.due_date.data, current_user)
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
            status_code = 422
        else:
            db.session.commit()
            flash(_("%(created)d enrolled; %(already)d were enrolled already.", created=created, already=already), "success")
            return redirect(url_for(".enrolments", course_id=course.id))
    elif request.method == "POST":
        status_code = 422
    rows = [services.progress_of(e) for e in db.session.scalars(
        select(Enrolment).join(User, User.id == Enrolment.user_id).where(Enrolment.course_id == course.id).order_by(User.name))]
    return render_template("training/courses/enrolments.html", course=course, form=form, rows=rows,
                           due_form=DueDateForm(formdata=None)), status_code


@bp.route("/enrolments/<int:enrolment_id>/due", methods=["POST"])
@require(is_manager)
def change_due(enrolment_id: int):
    enrolment = get_or_404(Enrolment, enrolment_id)
    form = DueDateForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for(".enrolments", course_id=enrolment.course_id)), 303
    if form.due_date.data is not None and form.due_date.data < date.today():
        flash(_("The due date cannot be in the past."), "error")
        return redirect(url_for(".enrolments", course_id=enrolment.course_id)), 303
    services.change_due_date(enrolment, form.due_date.data, current_user, reason=form.reason.data.strip())
    db.session.commit()
    flash(_("The due date of %(name)s is changed.", name=enrolment.user.name), "success")
    return redirect(url_for(".enrolments", course_id=enrolment.course_id))


@bp.route("/rules", methods=["GET", "POST"])
@require(is_manager)
def rules():
    teams, branches = _teams_branches()
    courses = [(c.slug, text_in(c.title, _language())) for c in services.latest_versions()]
    form = RuleForm(courses=courses, teams=teams, branches=branches)
    status_code = 200
    if form.validate_on_submit():
        try:
            _rule, count = services.create_rule(
                form.course_slug.data, form.kind.data, current_user, team_id=form.team_id.data or None,
                branch_id=form.branch_id.data or None, role=form.role.data or None, due_days=form.due_days.data,
            )
        except services.CourseError as error:
            db.session.rollback()
            _show_problems(form, error.problems)
            status_code = 422
        else:
            db.session.commit()
            flash(_("The rule is added and enrolled %(count)d people.", count=count), "success")
            return redirect(url_for(".rules"))
    elif request.method == "POST":
        status_code = 422
    all_rules = db.session.scalars(select(EnrolmentRule).order_by(EnrolmentRule.is_active.desc(), EnrolmentRule.course_slug)).all()
    titles = dict(courses)
    return render_template("training/courses/rules.html", form=form, rules=all_rules, titles=titles,
                           label=services.rule_label), status_code


@bp.route("/rules/<int:rule_id>/toggle", methods=["POST"])
@require(is_manager)
def toggle_rule(rule_id: int):
    rule = get_or_404(EnrolmentRule, rule_id)
    form = RuleToggleForm()
    _post_or_400(form)
    services.set_rule_active(rule, form.active.data == "1", current_user)
    count = services.apply_enrolment_rules(actor=current_user) if rule.is_active else 0
    db.session.commit()
    flash(_("The rule is on and enrolled %(count)d people.", count=count) if rule.is_active else _("The rule is off."), "success")
    return redirect(url_for(".rules"))


# --- learners ------------------------------------------------------------------------------------


@bp.route("/mine")
@require(signed_in)
def mine():
    items = services.my_training(current_user)
    return render_template("training/courses/mine.html", items=items, today=date.today())


@bp.route("/<int:course_id>")
@require(signed_in)
def show(course_id: int):
    course = _viewable_course(course_id)
    enrolment = services.enrolment_for(current_user.id, course.id)
    item = services.progress_of(enrolment, with_summaries=True) if enrolment else None
    viewed = services.viewed_lesson_ids(current_user.id, course)
    quizzes = services.quiz_summaries(current_user, course) if enrolment or services.is_staff(current_user) else []
    missing = services.missing_prerequisites(current_user, course) if enrolment else []
    return render_template("training/courses/show.html", course=course, enrolment=enrolment, item=item, viewed=viewed,
                           quizzes=quizzes, missing=missing, is_staff=services.is_staff(current_user))


@bp.route("/lessons/<int:lesson_id>")
@require(signed_in)
def lesson(lesson_id: int):
    lesson = get_or_404(Lesson, lesson_id)
    course = lesson.module.course
    if not services.can_view_course(current_user, course):
        abort(403)
    enrolment = services.enrolment_for(current_user.id, course.id)
    if enrolment is not None:
        missing = services.missing_prerequisites(current_user, course)
        if missing:
            return render_template("training/courses/blocked.html", course=course, missing=missing), 403
        newly = services.record_lesson_view(current_user, lesson)
        completed_now = newly and enrolment.completed_at is not None
        db.session.commit()
        if completed_now:
            flash(_("You have completed the course “%(course)s”.", course=text_in(course.title, _language())), "success")
    lessons = course.lessons
    index = next(i for i, each in enumerate(lessons) if each.id == lesson.id)
    language = _language()
    return render_template(
        "training/courses/lesson.html", course=course, lesson=lesson, enrolment=enrolment,
        body=services.render_lesson(course, text_in(lesson.body, language), language),
        previous=lessons[index - 1] if index > 0 else None, following=lessons[index + 1] if index + 1 < len(lessons) else None,
        number=index + 1, total=len(lessons),
    )


# --- progress for mentors and managers --------------------------------------------------------------


@bp.route("/progress")
@require(is_staff_lead)
def progress():
    teams, branches = _teams_branches()
    team_id = request.args.get("team", type=int)
    branch_id = request.args.get("branch", type=int)
    overdue_only = request.args.get("overdue") == "1"
    staff = services.is_staff(current_user)
    rows = services.progress_table(current_user, team_id=team_id if staff else None, branch_id=branch_id if staff else None,
                                   overdue_only=overdue_only)
    return render_template("training/courses/progress.html", rows=rows, teams=teams, branches=branches, team=team_id,
                           branch=branch_id, overdue_only=overdue_only, staff=staff)


@bp.route("/progress/<int:person_id>")
@require(signed_in)
def person_progress(person_id: int):
    person = get_or_404(User, person_id, allowed=lambda p: services.can_view_progress_of(current_user, p))
    items = [services.progress_of(e) for e in services.enrolments_of(person.id)]
    return render_template("training/courses/person.html", person=person, items=items)
