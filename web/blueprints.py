"""Registers every blueprint; one place to see the app's audiences."""
from __future__ import annotations

import importlib

from flask import Flask

# module path -> attribute holding the Blueprint; modules are added as audiences are built
BLUEPRINTS: list[tuple[str, str]] = [
    ("web.auth", "bp"),
    ("web.practice", "bp"),
    ("web.api", "bp"),
    ("web.cli", "bp"),
    ("web.review", "bp"),
    ("web.progress", "bp"),
    ("web.certify", "bp"),
    ("web.exports", "bp"),
    ("web.jobs_views", "bp"),
    ("web.admin", "bp"),
]


def register_blueprints(app: Flask) -> None:
    for module, attr in BLUEPRINTS:
        app.register_blueprint(getattr(importlib.import_module(module), attr))
