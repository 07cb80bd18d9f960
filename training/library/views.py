"""Pages of training.library (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from servicecraft.charts import bar_chart
from servicecraft.extensions import db
from servicecraft.i18n import LANGUAGE_NAMES
from servicecraft.models import Branch, Team
from servicecraft.permissions import is_manager, require, role, signed_in
from training.library import services
from training.library.diff import diff_markdown
from training.library.forms import AcknowledgeForm, publish_form_class

bp = Blueprint("library", __name__, url_prefix="/protocols")

may_acknowledge = role(*services.READER_ROLES)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else (current_user.language or "en")


def _protocol_or_404(slug: str):
    protocol = services.get_protocol(slug)
    if protocol is None or services.current_version(protocol) is None:
        abort(404)
    return protocol


@bp.route("/")
@require(signed_in)
def index():
    language = _language()
    protocols = services.all_protocols()
    read = services.acknowledged_version_ids(current_user)
    rows = []
    for protocol in protocols:
        version = services.current_version(protocol)
        if version is None:
            continue
        rows.append({
            "protocol": protocol, "title": services.title_of(protocol, language), "version": version,
            "is_read": version.id in read, "read_older": any(v.id in read for v in protocol.versions if v.number < version.number),
        })
    overview = {p.id: (n, total) for p, n, total in services.coverage_overview()} if is_manager(current_user) else {}
    return render_template(
        "training/library/index.html", rows=rows, must_read=services.must_read(current_user), overview=overview,
        pending=sum(1 for r in rows if not r["is_read"]),
    )


@bp.route("/<slug>")
@require(signed_in)
def show(slug: str):
    protocol = _protocol_or_404(slug)
    number = request.args.get("version", type=int)
    if "version" in request.args and number is None:
        abort(404)
    version = services.version_of(protocol, number)
    if version is None:
        abort(404)
    language = _language()
    shown, html, sections = services.render_version(version, language)
    ack = services.acknowledgement_of(current_user, version) if services.must_read(current_user) else None
    is_current = version.number == protocol.current_version
    form = None
    if is_current and ack is None and services.must_read(current_user):
        form = AcknowledgeForm(version=str(version.number))
    return render_template(
        "training/library/show.html", protocol=protocol, version=version, title=services.title_of(protocol, language),
        html=html, sections=sections, shown_language=shown, language=language, ack=ack, form=form, is_current=is_current,
        language_names=LANGUAGE_NAMES,
    )


@bp.route("/<slug>/changes")
@require(signed_in)
def changes(slug: str):
    protocol = _protocol_or_404(slug)
    numbers = [v.number for v in protocol.versions]
    new_number = request.args.get("new", type=int) or protocol.current_version
    default_old = max((n for n in numbers if n < new_number), default=new_number)
    old_number = request.args.get("old", type=int) or default_old
    old, new = services.version_of(protocol, old_number), services.version_of(protocol, new_number)
    if old is None or new is None:
        abort(404)
    language = _language()
    shown = services.language_shown(new.body or {}, language)
    old_text = services.document_body((old.body or {}).get(services.language_shown(old.body or {}, shown), ""))
    new_text = services.document_body((new.body or {}).get(shown, ""))
    summary = diff_markdown(old_text, new_text)
    # Change notes of every version after the older one, up to the newer one.
    notes = [v for v in protocol.versions if old.number < v.number <= new.number]
    return render_template(
        "training/library/changes.html", protocol=protocol, title=services.title_of(protocol, language), old=old, new=new,
        numbers=numbers, summary=summary, hunks=summary.hunks(context=1), notes=notes, shown_language=shown,
        language_names=LANGUAGE_NAMES,
    )


@bp.route("/<slug>/acknowledge", methods=["POST"])
@require(may_acknowledge)
def acknowledge(slug: str):
    protocol = _protocol_or_404(slug)
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        abort(400)
    version = services.version_of(protocol, int(form.version.data) if str(form.version.data).isdigit() else -1)
    if version is None:
        abort(404)
    try:
        _ack, created = services.acknowledge(current_user, version)
    except services.LibraryError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("training.library.show", slug=protocol.slug)), 303
    db.session.commit()
    if created:
        flash(_("Thank you: your reading of version %(n)d is recorded.", n=version.number), "success")
    else:
        flash(_("You had already confirmed reading version %(n)d.", n=version.number), "info")
    return redirect(url_for("training.library.show", slug=protocol.slug)), 303


@bp.route("/<slug>/publish", methods=["GET", "POST"])
@require(is_manager)
def publish(slug: str):
    protocol = _protocol_or_404(slug)
    current = services.current_version(protocol)
    required = [lang for lang, text in (current.body or {}).items() if text]
    supported = [code for code in current_app.config["LANGUAGES"] if code in LANGUAGE_NAMES]
    languages = [(code, LANGUAGE_NAMES.get(code, code), True) for code in required]
    languages += [(code, LANGUAGE_NAMES[code], False) for code in supported if code not in required]
    form_class = publish_form_class(languages)
    if request.method == "GET":
        form = form_class(data={f"body_{code}": (current.body or {}).get(code, "") for code, _n, _r in languages})
    else:
        form = form_class()
    if form.validate_on_submit():
        bodies = {code: getattr(form, f"body_{code}").data or "" for code, _n, _r in languages}
        try:
            version = services.publish_version(protocol, current_user, bodies, form.change_note.data)
        except services.LibraryError as error:
            db.session.rollback()
            for name, message in error.problems.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(field.errors) + [message]
                else:
                    flash(message, "error")
        else:
            db.session.commit()
            flash(_("Version %(n)d is published. Everyone who must read it now sees it in their list.", n=version.number), "success")
            return redirect(url_for("training.library.show", slug=protocol.slug))
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and "csrf_token" in form.errors:
        status = 400
    return render_template(
        "training/library/publish.html", protocol=protocol, form=form, current=current,
        title=services.title_of(protocol, _language()), body_languages=languages,
    ), status


@bp.route("/<slug>/acknowledgements")
@require(is_manager)
def acknowledgements(slug: str):
    protocol = _protocol_or_404(slug)
    branch_id = request.args.get("branch", type=int)
    team_id = request.args.get("team", type=int)
    cover = services.coverage(protocol, branch_id=branch_id, team_id=team_id)
    branches = db.session.scalars(select(Branch).order_by(Branch.code)).all()
    teams = db.session.scalars(select(Team).order_by(Team.name)).all()
    title = services.title_of(protocol, _language())
    chart = bar_chart(
        [(g.label, g.percent) for g in cover.by_team], title=_("Share of each team who read version %(n)d", n=cover.version.number),
        max_value=100, unit="%",
    ) if cover.by_team else None
    return render_template(
        "training/library/acknowledgements.html", protocol=protocol, title=title, cover=cover, branches=branches, teams=teams,
        branch_id=branch_id, team_id=team_id, chart=chart,
    )
