"""The production database: a whole call, restore and the per-call move lock on real PostgreSQL.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth; HOTLINE_TEST_PG overrides the admin URL).
Each run creates and drops its own database.
"""
from __future__ import annotations

import threading

import pytest

from conftest import logged_in, make_app

pytestmark = pytest.mark.services

def test_whole_call_on_postgresql_survives_a_new_app(pg_url, tmp_path):
    app = make_app(tmp_path / "unused.sqlite", SQLALCHEMY_DATABASE_URI=pg_url)
    client = logged_in(app)
    call = client.post("/api/v1/calls", json={"scenario": "web_quiet", "lang": "en"}).json
    assert client.post(f"/api/v1/calls/{call['id']}/turns", json={"text": "Hello, this is the support line."}).status_code == 200
    assert client.post(f"/api/v1/calls/{call['id']}/turns", json={"wait": 20}).status_code == 200

    other = make_app(tmp_path / "unused2.sqlite", SQLALCHEMY_DATABASE_URI=pg_url)  # a second app server
    client2 = logged_in(other)
    assert client2.post(f"/api/v1/calls/{call['id']}/turns", json={"text": "It sounds like you're hurting."}).status_code == 200
    ended = client2.post(f"/api/v1/calls/{call['id']}/turns", json={"hang_up": True}).json
    assert ended["status"] == "ended"
    transcript = client.get(f"/api/v1/calls/{call['id']}").json["transcript"]
    speakers = [(t["speaker"], t.get("kind", "speech")) for t in transcript["turns"]]
    assert speakers[-1] == ("trainee", "hang_up") and ("trainee", "silence") in speakers
    assert client.get(ended["report"]).json["verdict"] in ("pass", "fail")


def test_racing_moves_on_one_call_never_interleave(pg_url, tmp_path):
    app = make_app(tmp_path / "unused.sqlite", SQLALCHEMY_DATABASE_URI=pg_url)
    call_id = logged_in(app).post("/api/v1/calls", json={"scenario": "web_quiet", "lang": "zh"}).json["id"]
    statuses: list[int] = []

    def move(n: int) -> None:
        statuses.append(logged_in(app).post(f"/api/v1/calls/{call_id}/turns", json={"wait": 5 + n}).status_code)

    threads = [threading.Thread(target=move, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {200, 409}, statuses
    turns = logged_in(app).get(f"/api/v1/calls/{call_id}").json["transcript"]["turns"]
    waits = [t for t in turns if t["speaker"] == "trainee"]
    assert len(waits) == statuses.count(200)
    times = [t["t"] for t in turns]
    assert times == sorted(times)
