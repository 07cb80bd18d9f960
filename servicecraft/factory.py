"""The application factory: a list of small named steps."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app, has_app_context
from flask_babel import gettext

from servicecraft import config as settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
TRANSLATIONS = ROOT / "translations"


def create_app(config: dict | None = None) -> Flask:
    """Create a Servicecraft app; *config* (tests) overrides every other source."""
    app = Flask(
        "servicecraft",
        instance_path=os.environ.get("SERVICECRAFT_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(TEMPLATES),
        static_folder=str(STATIC),
    )
    load_config(app, config)
    trust_proxies(app)
    init_extensions(app)
    install_message_translator(app)
    import_models()
    register_blueprints(app)
    register_api(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def load_config(app: Flask, overrides: dict | None) -> None:
    app.config.from_object(settings.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.from_environment())
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "servicecraft.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    # Flask's own static view cannot carry our marker; these endpoints are open by design.
    app.config["PUBLIC_ENDPOINTS"] = set(app.config.get("PUBLIC_ENDPOINTS", ())) | {"static"}
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    if app.config.get("PRODUCTION"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if not (app.debug or app.testing) and app.config.get("PRODUCTION"):
        secret = app.config.get("SECRET_KEY")
        if not secret or secret == settings.DEFAULT_SECRET or len(str(secret)) < 16:
            raise RuntimeError(
                "Refusing to start in production without a SECRET_KEY of at least 16 characters "
                "(set the SECRET_KEY environment variable)."
            )


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS reverse proxies, take the client's address and scheme from their headers."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def init_extensions(app: Flask) -> None:
    from servicecraft.extensions import babel, csrf, db, limiter, login_manager, migrate
    from servicecraft.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    from servicecraft import cache

    cache.init_app(app)

    from servicecraft.auth.services import load_user

    login_manager.user_loader(load_user)


def install_message_translator(app: Flask) -> None:
    """Let the pure modules' messages (``servicecraft.messages._``) speak the user's language.

    Those modules cannot import Flask; the translator installed here calls Flask-Babel's
    ``gettext`` when an app (or request) context with Babel is active and otherwise returns
    the msgid unchanged, so code and tests that run without an app context still get English.
    The translator is process-wide, so installing it again for a second app changes nothing.
    """
    from servicecraft import messages

    messages.install(_babel_gettext)


def _babel_gettext(message: str) -> str:
    if not has_app_context() or "babel" not in current_app.extensions:
        return message
    try:
        return gettext(message)
    except RuntimeError:  # e.g. a context that is being torn down
        return message


def import_models() -> None:
    """Import every package's models so the metadata (and Alembic) sees every table."""
    import qa.models  # noqa: F401
    import servicecraft.models  # noqa: F401
    import training.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from qa.web import bp as qa_bp
    from servicecraft.admin.views import bp as admin_bp
    from servicecraft.auth.views import bp as auth_bp
    from servicecraft.core.views import bp as core_bp
    from servicecraft.jobsui.views import bp as jobs_bp
    from servicecraft.people.views import bp as people_bp
    from training.web import bp as training_bp
    from training.web import public_blueprints as training_public

    for bp in (core_bp, auth_bp, people_bp, admin_bp, jobs_bp, training_bp, qa_bp, *training_public):
        app.register_blueprint(bp)
    # Dashboard panels, navigation links and demo steps register themselves on import.
    import qa.features  # noqa: F401
    import servicecraft.core.panels  # noqa: F401
    import servicecraft.demo  # noqa: F401
    import training.features  # noqa: F401


def register_api(app: Flask) -> None:
    from servicecraft.api import init_api

    init_api(app)


def register_error_handlers(app: Flask) -> None:
    from servicecraft import errors

    errors.register(app)


def register_request_hooks(app: Flask) -> None:
    from servicecraft.permissions import check_access
    from servicecraft.security import set_security_headers

    # Access is checked before CSRF so an outsider learns nothing from a form error.
    app.before_request_funcs.setdefault(None, []).insert(0, check_access)
    app.after_request(set_security_headers)


def register_template_helpers(app: Flask) -> None:
    from servicecraft import templating

    templating.register(app)


def register_cli(app: Flask) -> None:
    import qa.cli
    import training.cli
    from servicecraft.cli import register_commands

    register_commands(app)
    training.cli.register(app)
    qa.cli.register(app)
