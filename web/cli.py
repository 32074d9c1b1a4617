"""Flask CLI commands, registered as a blueprint without a group: `flask --app web init-db`."""
from __future__ import annotations

import click
from flask import Blueprint, current_app
from sqlalchemy.engine import make_url

from web.jobs_views import rescore_command, worker_command
from web.setup_db import init_db

bp = Blueprint("cli", __name__, cli_group=None)
bp.cli.add_command(rescore_command)
bp.cli.add_command(worker_command)


@bp.cli.command("init-db")
def init_db_command() -> None:
    """Create the database tables (safe to run again: existing data is kept)."""
    init_db(current_app._get_current_object())
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    click.echo(f"database ready: {url.render_as_string(hide_password=True)}")
