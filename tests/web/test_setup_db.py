"""Database setup: the init-db command on a fresh database, portable DDL, the real scenario folder."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from simulator.scenario import DEFAULT_SCENARIO_DIR
from web import create_app
from web.config import TestingConfig
from web.extensions import db
from web.tables import CallRecord, CallTurn, ScoreRecord
from conftest import logged_in, make_app


def test_init_db_command_creates_tables_on_a_fresh_database(tmp_path):
    path = tmp_path / "sub" / "fresh.sqlite"
    app = create_app(type("Fresh", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output and path.exists()
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"calls", "call_turns", "score_records"} <= tables
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0  # again: keeps what is there


@pytest.mark.parametrize("table", [CallRecord, CallTurn, ScoreRecord])
def test_tables_compile_for_postgresql(table):
    ddl = str(CreateTable(table.__table__).compile(dialect=postgresql.dialect()))
    assert "JSON" in ddl and "TIMESTAMP WITH TIME ZONE" in ddl and "DATETIME" not in ddl


def test_turn_index_is_unique_per_call():
    constraints = {tuple(c.columns.keys()) for c in CallTurn.__table__.constraints if c.name == "uq_call_turn_idx"}
    assert constraints == {("call_id", "idx")}


def test_a_call_on_the_real_scenarios(db_path):
    """The real scenario folder, rule tagger and event detector, when the content is there."""
    if not any(DEFAULT_SCENARIO_DIR.glob("*/*.yaml")):
        pytest.skip("no scenarios in the real scenario folder yet")
    app = make_app(db_path, SCENARIO_DIR=str(DEFAULT_SCENARIO_DIR), TAGGER="rules")
    app.extensions["hotline_engines"]._detector = None  # the configured detector, not the test one
    client = logged_in(app)
    scenarios = client.get("/api/v1/scenarios?lang=zh").json["scenarios"]
    assert scenarios
    call = client.post("/api/v1/calls", json={"scenario": scenarios[0]["id"], "lang": "zh"}).json
    client.post(f"/api/v1/calls/{call['id']}/turns", json={"text": "你好，这里是心理援助热线，我在听。"})
    if client.get(f"/api/v1/calls/{call['id']}").json["status"] == "active":
        client.post(f"/api/v1/calls/{call['id']}/turns", json={"hang_up": True})
    report = client.get(f"/api/v1/calls/{call['id']}/report").json
    assert report["verdict"] in ("pass", "fail") and report["items"]
    assert all(item["text"] and item["source"] for item in report["items"])
    page = client.get(f"/calls/{call['id']}/report")
    assert page.status_code == 200


def test_instance_secret_is_created_once_and_private(tmp_path):
    from web.config import instance_secret
    path = tmp_path / "var" / "secret_key"
    first = instance_secret(path)
    assert len(first) == 64 and instance_secret(path) == first
    assert path.stat().st_mode & 0o077 == 0


def test_an_unknown_skill_sensitivity_stops_the_app_at_start_up_and_a_known_one_reaches_the_tagger(monkeypatch):
    with pytest.raises(ValueError, match="unknown skill sensitivity 'loud'; known: standard, high, highest"):
        create_app(type("Loud", (TestingConfig,), {"SKILL_SENSITIVITY": "loud"}))
    monkeypatch.setenv("HOTLINE_SKILL_SENSITIVITY", "highest")
    app = create_app(type("Model", (TestingConfig,), {"TAGGER": "model"}))
    engines = app.extensions["hotline_engines"]
    assert engines.sensitivity == "highest"
    pytest.importorskip("torch")
    assert engines.tagger.sensitivity == "highest"   # built lazily, weights loaded at first tag


def test_the_event_reader_follows_the_tagger_unless_config_names_one_and_an_unknown_one_stops_start_up(monkeypatch):
    with pytest.raises(ValueError, match="config EVENTS='oracle' is not a caller-event reader"):
        create_app(type("Oracle", (TestingConfig,), {"EVENTS": "oracle"}))
    rules_app = create_app(TestingConfig)                      # TAGGER rules: events by the rules alone
    assert rules_app.extensions["hotline_engines"].detector.name == "rules"
    pytest.importorskip("torch")
    combined = create_app(type("Combined", (TestingConfig,), {"TAGGER": "combined"}))
    assert combined.extensions["hotline_engines"].detector.name == "combined"
    monkeypatch.setenv("HOTLINE_EVENTS", "rules")
    assert create_app(type("Combined", (TestingConfig,), {"TAGGER": "combined"})) \
        .extensions["hotline_engines"].detector.name == "rules"
