"""Fixtures for accounts and roles: a fresh app with demo cohorts and one account per role, a login helper,
and calls played through the real engine. Test modules import what they use from here."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from web import create_app
from web.config import TestingConfig
from web.extensions import db

ROLE_USERS = {"trainee": "trainee1", "supervisor": "supervisor1", "coordinator": "coordinator1", "admin": "admin1"}
# trainee1 and supervisor1 are in Cohort A; trainee2 is in Cohort B
OTHER_TRAINEE = "trainee2"


DATA = Path(__file__).parent / "data"


def make_app(**overrides) -> Flask:
    """A fresh in-memory app with tables and the demo accounts (no demo calls), on the web test scenarios."""
    settings = {"SCENARIO_DIR": str(DATA), "TAGGER": "webtest", **overrides}  # "webtest": see conftest.py
    config = type("AccountsTestConfig", (TestingConfig,), settings)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        from web.demo import seed_accounts
        seed_accounts()
    return app


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch):
    """argon2 with small parameters: real hashes, but fast enough for hundreds of logins."""
    import web.passwords
    monkeypatch.setattr(web.passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def acct_app(_cheap_hashes) -> Flask:
    app = make_app()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


def login(client: FlaskClient, username: str, password: str | None = None):
    """Log `username` in with its demo password (demo-<role>)."""
    if password is None:
        from web.demo import ACCOUNTS
        password = next(a.password for a in ACCOUNTS if a.username == username)
    return client.post("/login", data={"username": username, "password": password})


def user_id(app: Flask, username: str) -> int:
    from sqlalchemy import select
    from web.tables import User
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def play_call(app: Flask, username: str, hang_up: bool = True, scenario: str | None = None) -> str:
    """A call by `username` through the real engine (ended and scored when hang_up); its public id."""
    from web import calls
    with app.app_context():
        scenario = scenario or calls.list_scenarios(lang="zh")[0].id
        call = calls.start_call(scenario, "zh", trainee_id=user_id(app, username))
        if hang_up and call.active:
            calls.take_move(call, calls.Move("hang_up"))
        return call.public_id


@pytest.fixture
def client_for(acct_app) -> Callable[[str | None], FlaskClient]:
    """A test client logged in as the given username (None: anonymous)."""
    def make(username: str | None) -> FlaskClient:
        client = acct_app.test_client()
        if username:
            assert login(client, username).status_code == 302
        return client
    return make


@pytest.fixture
def trainee(client_for):
    return client_for(ROLE_USERS["trainee"])


@pytest.fixture
def supervisor(client_for):
    return client_for(ROLE_USERS["supervisor"])


@pytest.fixture
def coordinator(client_for):
    return client_for(ROLE_USERS["coordinator"])


@pytest.fixture
def admin(client_for):
    return client_for(ROLE_USERS["admin"])
