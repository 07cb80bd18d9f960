"""Use-cases of training.certificates: issue, revoke, find, render; and who may see which.

Services flush but never commit: the caller (a view, the CLI, a demo step, the course
completion code) commits once.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, or_, select

from servicecraft import audit
from servicecraft.extensions import db
from servicecraft.models import User
from servicecraft.permissions import can_view_user, sees_everyone, signed_in, visible_user_filter
from training.certificates.models import Certificate
from training.courses.models import Course, Enrolment, text_in

# No 0/O, 1/I/L: a code read aloud over the phone or typed from paper stays unambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{4}(?:-[A-Z0-9]{4}){2}$")


class CertificateError(Exception):
    """A certificate operation was refused; ``message`` says why, ready to show."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- codes -----------------------------------------------------------------------------------


def new_code() -> str:
    """Return a random, unguessable verification code such as ``K7QM-3WZP-HX9D`` (about 59 bits)."""
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH)) for _ in range(CODE_GROUPS)]
    return "-".join(groups)


def normalise_code(raw: str) -> str:
    """Turn what a person typed (spaces, lower case, missing dashes) into the stored form."""
    compact = re.sub(r"[^A-Za-z0-9]", "", raw or "").upper()
    if len(compact) != CODE_GROUPS * CODE_GROUP_LENGTH:
        return compact
    return "-".join(compact[i : i + CODE_GROUP_LENGTH] for i in range(0, len(compact), CODE_GROUP_LENGTH))


def find_by_code(raw: str) -> Certificate | None:
    """Return the certificate carrying the code, or None (revoked ones included)."""
    code = normalise_code(raw)
    if not _CODE_SHAPE.match(code):
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


# --- use-cases ---------------------------------------------------------------------------------


def issue_certificate(enrolment: Enrolment, actor: User | None = None) -> Certificate:
    """Issue the certificate of a completed enrolment; calling it again returns the same one.

    The holder's name and the course title (in the holder's language) are frozen at issue,
    so renaming a person or a course later never changes a certificate already handed out.
    """
    existing = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    if existing is not None:
        return existing
    user = enrolment.user or db.session.get(User, enrolment.user_id)
    course = enrolment.course or db.session.get(Course, enrolment.course_id)
    language = user.language or "en"
    code = new_code()
    while db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None:
        code = new_code()  # astronomically rare, but a clash must never reach the unique index
    certificate = Certificate(
        code=code,
        user_id=user.id,
        course_id=course.id,
        enrolment_id=enrolment.id,
        holder_name=user.name,
        course_title=(text_in(course.title, language) or course.slug)[:255],
        language=language,
        # The date printed is the day the course was completed (a late issue keeps the true date).
        issued_at=enrolment.completed_at or datetime.now(timezone.utc),
    )
    db.session.add(certificate)
    db.session.flush()
    audit.record(
        actor, "certificate", certificate.id, "issue",
        after={"code": code, "user_id": user.id, "course_id": course.id, "enrolment_id": enrolment.id,
               "holder_name": certificate.holder_name, "course_title": certificate.course_title},
    )
    return certificate


def revoke_certificate(cert: Certificate, actor: User, reason: str) -> Certificate:
    """Revoke a certificate (admins): it stays on record and its page says it is revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."), field="reason")
    if len(reason) > 2000:
        raise CertificateError(_("The reason is too long: keep it under 2,000 characters."), field="reason")
    if cert.revoked_at is not None:
        raise CertificateError(_("This certificate is already revoked."))
    cert.revoked_at = datetime.now(timezone.utc)
    cert.revoked_reason = reason
    db.session.flush()
    audit.record(actor, "certificate", cert.id, "revoke", before={"revoked": False}, after={"revoked": True}, reason=reason)
    return cert


# --- rules -----------------------------------------------------------------------------------


def can_view_certificate(viewer, cert: Certificate) -> bool:
    """The holder, their mentor, managers and admins may open a certificate and its PDF."""
    return signed_in(viewer) and can_view_user(viewer, cert.user)


def can_revoke(viewer) -> bool:
    return signed_in(viewer) and viewer.has_role("admin")


# --- queries ---------------------------------------------------------------------------------


def certificates_of(user: User) -> list[Certificate]:
    """Return a person's certificates, newest first."""
    return list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ))


def visible_certificates(viewer, *, q: str = "", course_slug: str = "", status: str = "all") -> Select:
    """A query of the certificates *viewer* may see, filtered by name/code, course and status."""
    query = select(Certificate).join(User, User.id == Certificate.user_id).join(Course, Course.id == Certificate.course_id)
    if not sees_everyone(viewer):
        query = query.where(visible_user_filter(viewer, User))
    q = (q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(
            User.name.ilike(like), Certificate.holder_name.ilike(like), User.email.ilike(like),
            Certificate.code == normalise_code(q),
        ))
    if course_slug:
        query = query.where(Course.slug == course_slug)
    if status == "valid":
        query = query.where(Certificate.revoked_at.is_(None))
    elif status == "revoked":
        query = query.where(Certificate.revoked_at.isnot(None))
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


# --- output ----------------------------------------------------------------------------------


def verification_url(cert: Certificate) -> str:
    return url_for("certificates_public.show", code=cert.code, _external=True)


def certificate_pdf(cert: Certificate) -> bytes:
    """Render the certificate as an A4 landscape PDF, in the language it was issued in."""
    from servicecraft.pdf import render_pdf

    with force_locale(cert.language or "en"):
        return render_pdf("pdf/certificate.html", cert=cert, lang=cert.language or "en", verify_url=verification_url(cert))


def pdf_filename(cert: Certificate) -> str:
    """A file name safe in every browser: ASCII only, the code makes it unique."""
    return f"certificate-{cert.code}.pdf"
