"""The Flask app factory: assembles config, extensions and blueprints; nothing else."""
from __future__ import annotations

from flask import Flask

from web.config import Config, env_overrides
from web.extensions import babel, csrf, db, limiter, login_manager


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app from a config class (default Config), dict overrides and HOTLINE_* env vars."""
    app = Flask(__name__)
    base = config if isinstance(config, type) else Config
    app.config.from_object(base)
    app.config.update(env_overrides(base))
    if isinstance(config, dict):
        app.config.update(config)
    db.init_app(app)
    _init_accounts(app)
    from web import engines
    engines.init_app(app)
    from web.blueprints import register_blueprints
    register_blueprints(app)
    return app


def _init_accounts(app: Flask) -> None:
    """Logins, CSRF, rate limits, languages, security headers and the audit/purge and demo commands."""
    from web import audit, auth, demo, security
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, default_locale=app.config["BABEL_DEFAULT_LOCALE"], locale_selector=auth.select_locale,
                   default_translation_directories=app.config["BABEL_TRANSLATION_DIRECTORIES"])
    security.init_app(app)
    auth.init_app(app)
    audit.init_app(app)
    demo.init_app(app)
