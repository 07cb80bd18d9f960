"""Sign-in, passwords, reset links and API tokens: state changes that views, API and CLI share."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from servicecraft import audit
from servicecraft.db import utcnow
from servicecraft.extensions import db
from servicecraft.models import ApiToken, PasswordReset, User

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "sc_"

# A hash compared against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AuthError(Exception):
    """A refused authentication step, with a message for the person."""


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt


def check_password_strength(password: str) -> str | None:
    """Return why a new password is refused, or None when it is acceptable."""
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 200:
        return _("Use at most %(n)d characters.", n=200)
    return None


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version, so a password change logs out elsewhere."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.is_active_account or str(user.session_version) != raw_version:
        return None
    return user


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this e-mail and password, or None."""
    user = find_user_by_email(email or "")
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.is_active_account:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, new_password: str, *, actor: User | None, reason: str = "") -> None:
    user.password_hash = hash_password(new_password)
    user.session_version = (user.session_version or 1) + 1
    audit.record(actor, "user", user.id, "password_changed", reason=reason)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_reset(user: User, *, actor: User, hours: int) -> str:
    """Create a one-time reset link token for *user* and return it (shown once)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_digest(token),
            issued_by_id=actor.id,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    audit.record(actor, "user", user.id, "password_reset_issued")
    return token


def find_password_reset(token: str) -> PasswordReset | None:
    """Return the unused, unexpired reset for *token*, or None."""
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def use_password_reset(reset: PasswordReset, new_password: str) -> User:
    reset.used_at = utcnow()
    user = reset.user
    change_password(user, new_password, actor=user, reason="reset link")
    return user


def create_api_token(user: User, name: str, *, actor: User | None) -> tuple[ApiToken, str]:
    """Create a named token for *user*; return it and its secret (shown once)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), token_hash=_digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token", token.id, "created", after={"name": token.name, "user": user.email})
    return token, secret


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(actor, "api_token", token.id, "revoked", before={"name": token.name})


def user_for_api_token(secret: str) -> User | None:
    """Return the active user behind a bearer token and note its use, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active_account:
        return None
    now = utcnow()
    # Write last use at most once a minute so busy integrations do not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user
