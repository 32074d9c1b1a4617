"""Web fixtures: a fresh app on its own SQLite file, the tiny scenarios in tests/web/data, a keyword tagger.

The keyword tagger and event detector below keep these tests independent of the real rule
tagger's and scenarios' content, which change on their own schedule.
"""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Sequence

import pytest

from simulator.tagging import TagContext, register_tagger
from web import create_app
from web.config import TestingConfig
from web.demo import ACCOUNTS, seed_accounts
from web.setup_db import init_db

DATA = Path(__file__).parent / "data"

KEYWORDS: dict[str, tuple[str, ...]] = {
    "greeting_identify": ("热线", "hotline", "support line"),
    "reflection_feeling": ("听起来", "sounds like"),
    "validation_empathy": ("难受", "hurting"),
    "suicide_inquiry": ("自杀", "结束自己的生命", "suicide", "ending your life"),
    "pressuring": ("快说", "hurry up"),
    "boundary_setting": ("这条线路是", "this line is for"),
    "closing": ("再见", "goodbye"),
}


class KeywordTagger:
    """Tags a text with every skill whose keyword it contains (confidence 1)."""

    name = "webtest-keywords"

    def tag(self, texts: Sequence[str], context: TagContext | None = None) -> list[dict[str, float]]:
        return [{s: 1.0 for s, words in KEYWORDS.items() if any(w in text.lower() for w in words)}
                for text in texts]


register_tagger("webtest")(KeywordTagger)


class KeywordDetector:
    """Reads `hopelessness` from a caller's words."""

    def detect(self, text: str, lang: str | None = None) -> set[str]:
        return {"hopelessness"} if re.search(r"没意思|no point", text) else set()


def make_app(db_path: Path, **overrides):
    """A testing app on the SQLite file `db_path` (tables and demo accounts created), on the web test scenarios."""
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SCENARIO_DIR": str(DATA),
                "TAGGER": "webtest", **overrides}
    app = create_app(type("WebTestConfig", (TestingConfig,), settings))
    app.extensions["hotline_engines"]._detector = KeywordDetector()
    init_db(app)
    with app.app_context():
        seed_accounts()
    return app


def logged_in(app, username: str = "trainee1"):
    """A test client of `app` logged in as a demo account."""
    client = app.test_client()
    password = next(a.password for a in ACCOUNTS if a.username == username)
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.data[:300]
    return client


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch):
    """Real argon2 hashes with small parameters, so logins are quick."""
    from argon2 import PasswordHasher
    import web.passwords
    monkeypatch.setattr(web.passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "web.sqlite"


@pytest.fixture
def app(db_path: Path, _fast_hashes):
    # pytest-flask pushes a request context of this app for each test
    return make_app(db_path)


@pytest.fixture
def trainee(app):
    """A client logged in as the demo trainee."""
    return logged_in(app)


@pytest.fixture
def engines(app):
    return app.extensions["hotline_engines"]


PG_ADMIN = os.environ.get("HOTLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database for one test (dropped after it); skips if the server is unreachable."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    name = f"hotline_t_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()
