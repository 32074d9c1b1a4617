"""Create the database tables; run once per database (the CLI `init-db` and scripts/run.py call it)."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import make_url

from web.extensions import db

log = logging.getLogger(__name__)


def _ensure_sqlite_folder(uri: str) -> None:
    url = make_url(uri)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def init_db(app: Flask) -> None:
    """Create every table that does not exist yet (existing tables and rows are kept)."""
    import web.tables  # noqa: F401  (registers the tables on db.metadata)
    _ensure_sqlite_folder(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        db.create_all()
        log.info("database ready: %s", db.engine.url.render_as_string(hide_password=True))
