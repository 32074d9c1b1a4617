"""The JSON API: a whole call in zh and en, every 4xx, a crash mid-call, restore across app instances."""
from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from simulator.transcript import Transcript
from web.extensions import db
from web.tables import CallRecord, CallTurn
from conftest import logged_in, make_app

API = "/api/v1"
SAY = {
    "zh": ["你好，这里是心理援助热线。", "听起来你心里很难受。", "你有没有想过自杀？"],
    "en": ["Hello, this is the support line.", "It sounds like you're hurting.", "Are you thinking of suicide?"],
}


def _start(client, scenario: str = "web_quiet", lang: str = "zh") -> dict:
    response = client.post(f"{API}/calls", json={"scenario": scenario, "lang": lang})
    assert response.status_code == 201, response.json
    assert response.headers["Location"].endswith(f"{API}/calls/{response.json['id']}")
    return response.json


def _move(client, call_id: str, body):
    return client.post(f"{API}/calls/{call_id}/turns", json=body)


def test_scenarios_and_filters(trainee):
    ids = lambda q="": [s["id"] for s in trainee.get(f"{API}/scenarios{q}").json["scenarios"]]  # noqa: E731
    assert ids() == ["web_prank", "web_quiet"]
    assert ids("?caller_type=silent") == ["web_quiet"]
    assert ids("?lang=zh") == ["web_quiet"]
    assert ids("?difficulty=2") == ["web_prank"]
    bad = trainee.get(f"{API}/scenarios?difficulty=hard")
    assert bad.status_code == 400 and "difficulty" in bad.json["error"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_whole_call(trainee, lang):
    call = _start(trainee, lang=lang)
    assert call["status"] == "active"
    assert [(t["idx"], t["speaker"], t["kind"], t["duration"]) for t in call["turns"]] == [(0, "caller", "silence", 10.0)]
    first = _move(trainee, call["id"], {"text": SAY[lang][0]}).json
    assert [t["speaker"] for t in first["turns"]] == ["trainee", "caller"]
    assert first["turns"][0]["skills"] == {"greeting_identify": 1.0}
    _move(trainee, call["id"], {"wait": 10})
    talked = _move(trainee, call["id"], {"wait": 10}).json
    assert talked["waited_total"] == 20.0 and talked["turns"][-1]["events"] == ["started_talking"]
    assert talked["silent_for"] == 0.0
    _move(trainee, call["id"], {"text": SAY[lang][1]})
    _move(trainee, call["id"], {"text": SAY[lang][2]})
    ended = _move(trainee, call["id"], {"hang_up": True}).json
    assert ended["status"] == "ended" and ended["ended_by"] == "trainee"

    transcript = Transcript.from_dict(trainee.get(f"{API}/calls/{call['id']}").json["transcript"])
    assert transcript.lang == lang and transcript.scenario == "web_quiet" and transcript.ended_by() == "trainee"
    report = trainee.get(ended["report"]).json
    assert (report["verdict"], report["score"], report["critical_failures"]) == ("pass", 100.0, [])
    asked = next(i for i, t in enumerate(transcript.turns) if t.text == SAY[lang][2])
    item = next(i for i in report["items"] if i["id"] == "ask_suicide")
    assert item["result"] == "met" and item["evidence"] == [asked] and item["source"] == "Test guideline 4.1"
    assert report["turns"][asked]["evidence_for"] == ["ask_suicide"]
    assert "suicide_inquiry" in report["turns"][asked]["tags"]


def test_report_of_a_failed_call_gives_exemplars_in_the_call_language(trainee):
    call = _start(trainee, lang="en")
    ended = _move(trainee, call["id"], {"text": "Come on, hurry up and talk!"}).json
    assert ended["status"] == "ended" and ended["ended_by"] == "caller"
    report = trainee.get(f"{API}/calls/{call['id']}/report").json
    assert report["verdict"] == "fail" and [i["id"] for i in report["critical_failures"]] == ["no_pressure"]
    items = {i["id"]: i for i in report["items"]}
    assert items["no_pressure"]["exemplars"] == ["There's no hurry; I'm here whenever you want to talk."]
    assert items["greet"]["result"] == "missed" and items["greet"]["exemplars"][0].startswith("Hello")
    assert items["patient"]["exemplars"] == [] and items["ask_suicide"]["result"] == "not_applicable"


@pytest.mark.parametrize("body, status, word", [
    ({"scenario": "no_such"}, 404, "no scenario"),
    ({"scenario": "web_prank", "lang": "zh"}, 400, "not playable"),
    ({"scenario": "web_quiet", "lang": "fr"}, 400, "not playable"),
    ({"lang": "zh"}, 400, "scenario"),
    (["web_quiet"], 400, "JSON object"),
])
def test_start_errors(trainee, body, status, word):
    response = trainee.post(f"{API}/calls", json=body)
    assert response.status_code == status and word in response.json["error"]


def test_malformed_json_is_400(trainee):
    response = trainee.post(f"{API}/calls", data="{not json", content_type="application/json")
    assert response.status_code == 400 and "error" in response.json
    call = _start(trainee)
    response = trainee.post(f"{API}/calls/{call['id']}/turns", data="{", content_type="application/json")
    assert response.status_code == 400 and response.json["code"] == "malformed_json"


@pytest.mark.parametrize("body, code", [
    ({"text": ""}, "empty_text"), ({"text": "   "}, "empty_text"), ({"text": 5}, "empty_text"),
    ({"wait": 0}, "bad_wait"), ({"wait": -3}, "bad_wait"), ({"wait": 601}, "bad_wait"),
    ({"wait": "soon"}, "bad_wait"), ({"wait": True}, "bad_wait"),
    ({"hang_up": False}, "bad_move"), ({}, "bad_move"), ({"text": "hi", "wait": 5}, "bad_move"),
])
def test_bad_moves_are_400_and_change_nothing(trainee, body, code):
    call = _start(trainee)
    response = _move(trainee, call["id"], body)
    assert response.status_code == 400 and response.json["code"] == code
    assert len(trainee.get(f"{API}/calls/{call['id']}").json["transcript"]["turns"]) == 1


def test_move_after_the_end_is_409_and_report_before_it_too(trainee):
    call = _start(trainee)
    assert trainee.get(f"{API}/calls/{call['id']}/report").status_code == 409
    _move(trainee, call["id"], {"hang_up": True})
    again = _move(trainee, call["id"], {"text": "你好"})
    assert again.status_code == 409 and again.json["code"] == "call_ended"


def test_unknown_call_is_404(trainee):
    for response in (trainee.get(f"{API}/calls/nope"), _move(trainee, "nope", {"wait": 5}),
                     trainee.get(f"{API}/calls/nope/report")):
        assert response.status_code == 404 and "error" in response.json


class ExplodingCaller:
    """Opens like the real caller, then fails inside respond (a crashed model backend)."""

    def __init__(self, inner):
        self.inner = inner

    def open(self, state):
        return self.inner.open(state)

    def respond(self, state, trainee_turn):
        raise RuntimeError("caller backend crashed")

    def snapshot(self):
        return self.inner.snapshot()

    def restore(self, data):
        self.inner.restore(data)


def test_a_crash_mid_call_loses_no_turn_and_the_call_goes_on(trainee, engines, monkeypatch):
    call = _start(trainee)
    real_caller = engines.caller
    monkeypatch.setattr(engines, "caller", lambda scenario, lang: ExplodingCaller(real_caller(scenario, lang)))
    crashed = _move(trainee, call["id"], {"text": "你好，这里是心理援助热线。"})
    assert crashed.status_code == 503 and crashed.json["code"] == "caller_failed"
    crashed = _move(trainee, call["id"], {"wait": 10})
    assert crashed.status_code == 503
    turns = trainee.get(f"{API}/calls/{call['id']}").json["transcript"]["turns"]
    assert [(t["speaker"], t.get("kind", "speech")) for t in turns] == [
        ("caller", "silence"), ("trainee", "speech"), ("trainee", "silence")]

    monkeypatch.setattr(engines, "caller", real_caller)
    going_on = _move(trainee, call["id"], {"wait": 10}).json  # 20 s waited in all: the caller talks
    assert going_on["waited_total"] == 20.0 and going_on["turns"][-1]["speaker"] == "caller"
    assert [t["idx"] for t in going_on["turns"]] == [3, 4]


def test_restore_across_app_instances(db_path, trainee):
    call = _start(trainee)
    assert _move(trainee, call["id"], {"wait": 10}).json["turns"][-1]["speaker"] == "trainee"
    other = make_app(db_path)  # a second server process on the same database
    client = logged_in(other)
    moved = client.post(f"{API}/calls/{call['id']}/turns", json={"wait": 10}).json
    assert moved["waited_total"] == 20.0 and moved["turns"][-1]["events"] == ["started_talking"]
    back = _move(trainee, call["id"], {"text": "听起来你心里很难受。"}).json  # and back on the first
    assert back["turns"][-1]["events"] == ["hopelessness"]


def test_a_racing_move_gets_409(trainee, engines, monkeypatch):
    """Another request commits the same turn index while this move runs: the unique index refuses it."""
    call = _start(trainee)
    call_pk = db.session.scalar(select(CallRecord.id).where(CallRecord.public_id == call["id"]))
    real_caller = engines.caller

    class RacedCaller(ExplodingCaller):
        def respond(self, state, trainee_turn):
            with db.engine.begin() as conn:  # the other request, on its own connection
                conn.execute(insert(CallTurn).values(call_id=call_pk, idx=len(state.turns), speaker="trainee",
                                                     kind="silence", text="", t=state.t, duration=5.0,
                                                     skills={}, events=[]))
            return self.inner.respond(state, trainee_turn)

    monkeypatch.setattr(engines, "caller", lambda scenario, lang: RacedCaller(real_caller(scenario, lang)))
    response = _move(trainee, call["id"], {"text": "你好，这里是心理援助热线。"})
    assert response.status_code == 409 and "same time" in response.json["error"]


def test_another_trainee_cannot_play_or_read_the_call(app, trainee):
    call = _start(trainee)
    other = logged_in(app, "trainee2")
    assert _move(other, call["id"], {"wait": 5}).status_code == 404
    assert other.get(f"{API}/calls/{call['id']}").status_code == 404
