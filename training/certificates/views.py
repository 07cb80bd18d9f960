"""Pages of training.certificates (thin: parse, authorize, call a service, render)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from servicecraft.extensions import db
from servicecraft.permissions import get_or_404, is_admin, is_manager, public, require, signed_in
from training.certificates import services
from training.certificates.forms import LookupForm, RevokeForm
from training.certificates.models import Certificate
from training.courses.models import Course, text_in

bp = Blueprint("certificates", __name__)

# The verification page lives outside /training so a certificate's printed link stays short.
public_bp = Blueprint("certificates_public", __name__, url_prefix="/certificates")

PAGE_SIZE = 50


def _certificate_or_404(certificate_id: int) -> Certificate:
    return get_or_404(Certificate, certificate_id, allowed=lambda c: services.can_view_certificate(current_user, c))


@bp.route("/certificates")
@require(signed_in)
def index():
    """My certificates."""
    certificates = services.certificates_of(current_user)
    return render_template("training/certificates/index.html", certificates=certificates)


@bp.route("/certificates/all", endpoint="all")
@require(is_manager)
def all_certificates():
    q = request.args.get("q", "").strip()[:120]
    course = request.args.get("course", "").strip()[:64]
    status = request.args.get("status", "all")
    if status not in ("all", "valid", "revoked"):
        status = "all"
    query = services.visible_certificates(current_user, q=q, course_slug=course, status=status)
    page = max(request.args.get("page", 1, type=int), 1)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    certificates = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    courses = db.session.execute(select(Course.slug, Course.title).order_by(Course.slug, Course.version)).all()
    language = current_user.language or "en"
    course_choices: dict[str, str] = {}
    for slug, title in courses:
        course_choices.setdefault(slug, text_in(title, language) or slug)
    return render_template(
        "training/certificates/all.html", certificates=certificates, total=total, page=page, page_size=PAGE_SIZE,
        q=q, course=course, status=status, course_choices=course_choices,
    )


@bp.route("/certificates/<int:certificate_id>")
@require(signed_in)
def show(certificate_id: int):
    cert = _certificate_or_404(certificate_id)
    form = RevokeForm() if services.can_revoke(current_user) and cert.revoked_at is None else None
    return render_template("training/certificates/show.html", cert=cert, form=form, verify_url=services.verification_url(cert))


@bp.route("/certificates/<int:certificate_id>/pdf")
@require(signed_in)
def download(certificate_id: int):
    cert = _certificate_or_404(certificate_id)
    pdf = services.certificate_pdf(cert)
    disposition = "inline" if request.args.get("inline") else "attachment"
    return Response(
        pdf, mimetype="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{services.pdf_filename(cert)}"', "Cache-Control": "private, no-store"},
    )


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@require(is_admin)
def revoke(certificate_id: int):
    cert = get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(cert, current_user, form.reason.data)
        except services.CertificateError as error:
            db.session.rollback()
            if error.field == "reason":
                form.reason.errors = [error.message]
            else:
                flash(error.message, "error")
                return redirect(url_for("training.certificates.show", certificate_id=cert.id))
        else:
            db.session.commit()
            flash(_("The certificate %(code)s is revoked.", code=cert.code), "success")
            return redirect(url_for("training.certificates.show", certificate_id=cert.id))
    if cert.revoked_at is not None:
        form = None
    return render_template(
        "training/certificates/show.html", cert=cert, form=form, verify_url=services.verification_url(cert)
    ), (400 if form is not None and "csrf_token" in form.errors else 422)


# --- public verification ------------------------------------------------------------------------


@public_bp.route("/")
@public
def lookup():
    """Type a code to check a certificate."""
    form = LookupForm(formdata=request.args)
    if request.args and form.validate():
        return redirect(url_for("certificates_public.show", code=services.normalise_code(form.code.data)))
    return render_template("training/certificates/lookup.html", form=form)


@public_bp.route("/<code>", endpoint="show")
@public
def verify(code: str):
    cert = services.find_by_code(code)
    if cert is None:
        return render_template("training/certificates/verify.html", cert=None, code=code[:40], form=LookupForm()), 404
    canonical = services.normalise_code(code)
    if canonical != code:
        return redirect(url_for("certificates_public.show", code=canonical))
    return render_template("training/certificates/verify.html", cert=cert, code=cert.code)
