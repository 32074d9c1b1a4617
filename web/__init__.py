"""The Flask app factory: assembles config, extensions and blueprints; nothing else."""
from __future__ import annotations

from flask import Flask

from web.config import Config, env_overrides
from web.extensions import db


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app from a config class (default Config), dict overrides and HOTLINE_* env vars."""
    app = Flask(__name__)
    base = config if isinstance(config, type) else Config
    app.config.from_object(base)
    app.config.update(env_overrides(base))
    if isinstance(config, dict):
        app.config.update(config)
    db.init_app(app)
    from web import engines
    engines.init_app(app)
    from web.blueprints import register_blueprints
    register_blueprints(app)
    return app
