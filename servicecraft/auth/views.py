"""Sign-in and sign-out, password reset links, and the profile page (password, language, tokens)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from servicecraft.auth import services
from servicecraft.auth.forms import ButtonForm, LoginForm, PasswordForm, PreferencesForm, ResetPasswordForm, TokenForm
from servicecraft.extensions import db, limiter
from servicecraft.i18n import LANGUAGE_NAMES
from servicecraft.models import ApiToken
from servicecraft.permissions import public, require, signed_in

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Follow ?next= only to a path on this site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("core.index")


def _login_failed(response) -> bool:
    return bool(g.get("login_failed"))


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session at every sign-in
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        flash(_("Wrong email or password."), "error")
        return render_template("auth/login.html", form=form, languages=LANGUAGE_NAMES), 401
    return render_template("auth/login.html", form=form, languages=LANGUAGE_NAMES)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@public
def choose_language():
    """Change the interface language: saved on the profile when signed in, else in the session."""
    language = request.form.get("language", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    session["language"] = language
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    reset = services.find_password_reset(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        problem = services.check_password_strength(form.new.data)
        if problem:
            form.new.errors = [problem]
        else:
            services.use_password_reset(reset, form.new.data)
            db.session.commit()
            logout_user()
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=reset.user)


@bp.route("/profile")
@require(signed_in)
def profile():
    return _render_profile()


def _render_profile(password_form=None, preferences_form=None, token_form=None, new_token=None):
    preferences_form = preferences_form or PreferencesForm(
        data={"language": current_user.language, "timezone": current_user.timezone}
    )
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "auth/profile.html",
        password_form=password_form or PasswordForm(),
        preferences_form=preferences_form,
        token_form=token_form or TokenForm(),
        button_form=ButtonForm(),
        tokens=tokens,
        new_token=new_token,
    )


@bp.route("/profile/password", methods=["POST"])
@require(signed_in)
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.current.data) is None:
            form.current.errors = [_("This is not your current password.")]
        elif problem := services.check_password_strength(form.new.data):
            form.new.errors = [problem]
        else:
            services.change_password(current_user, form.new.data, actor=current_user)
            db.session.commit()
            login_user(current_user._get_current_object())  # stay signed in under the new session version
            flash(_("Your password is changed."), "success")
            return redirect(url_for("auth.profile"))
    return _render_profile(password_form=form), 422


@bp.route("/profile/preferences", methods=["POST"])
@require(signed_in)
def preferences():
    form = PreferencesForm()
    if form.validate_on_submit():
        current_user.language = form.language.data
        current_user.timezone = form.timezone.data
        session["language"] = form.language.data
        db.session.commit()
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("auth.profile"))
    return _render_profile(preferences_form=form), 422


@bp.route("/profile/tokens", methods=["POST"])
@require(signed_in)
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        _token, secret = services.create_api_token(current_user, form.name.data, actor=current_user)
        db.session.commit()
        flash(_("Copy the token now: it is shown only once."), "success")
        return _render_profile(new_token=secret)
    return _render_profile(token_form=form), 422


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@require(signed_in)
def revoke_token(token_id: int):
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_api_token(token, actor=current_user)
    db.session.commit()
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.profile"))
