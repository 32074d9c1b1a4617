"""The HTML practice loop: catalogue → start → replies → waits → hang up → report."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from web.extensions import db
from web.tables import CallRecord, CallTurn, ScoreRecord

GOOD_CALL = {
    "zh": ["你好，这里是心理援助热线。", "听起来你心里很难受。", "你有没有想过自杀？"],
    "en": ["Hello, this is the support line.", "It sounds like you're hurting.", "Are you thinking of suicide?"],
}
UI = {  # a few UI strings each page must show in the call's language
    "zh": {"silence": "……（沉默 10 秒）", "report": "评估报告", "pass": "通过", "crying": "哭泣"},
    "en": {"silence": "… (silence 10 s)", "report": "Call report", "pass": "Pass", "crying": "crying"},
}


def _start(client, scenario: str = "web_quiet", lang: str = "zh") -> str:
    response = client.post("/calls", data={"scenario": scenario, "lang": lang})
    assert response.status_code == 303
    match = re.fullmatch(r"/calls/([0-9a-f-]{36})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _move(client, call_id: str, **form):
    return client.post(f"/calls/{call_id}/move", data=form)


def _turn_count(call_id: str) -> int:
    call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == call_id))
    return db.session.scalar(select(func.count()).select_from(CallTurn).where(CallTurn.call_id == call.id))


def test_catalogue_lists_scenarios_and_filters(trainee):
    page = trainee.get("/").get_data(as_text=True)
    assert "测试：沉默的来电者" in page and "测试：恶作剧来电" in page
    only_prank = trainee.get("/?caller_type=prank").get_data(as_text=True)
    assert "恶作剧来电" in only_prank and "沉默的来电者" not in only_prank
    zh_only = trainee.get("/?lang=zh").get_data(as_text=True)
    assert "沉默的来电者" in zh_only and "测试：恶作剧来电" not in zh_only
    hard = trainee.get("/?difficulty=2").get_data(as_text=True)
    assert "恶作剧来电" in hard and "沉默的来电者" not in hard
    assert "没有符合条件的场景" in trainee.get("/?caller_type=suicidal").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_whole_call_through_the_pages(trainee, lang):
    say = GOOD_CALL[lang]
    call_id = _start(trainee, lang=lang)
    screen = trainee.get(f"/calls/{call_id}").get_data(as_text=True)
    assert UI[lang]["silence"] in screen  # the silent caller's opening silence
    assert 'name="seconds" value="20"' in screen and 'type="number" name="seconds"' in screen

    assert _move(trainee, call_id, action="say", text=say[0]).status_code == 303
    for _ in range(2):
        assert _move(trainee, call_id, action="wait", seconds="10").status_code == 303
    screen = html.unescape(trainee.get(f"/calls/{call_id}").get_data(as_text=True))
    assert ("我不知道该说什么" if lang == "zh" else "I don't know what to say") in screen
    assert re.search(r"(你共静候了 20 秒|waited 20 s in total)", screen)
    _move(trainee, call_id, action="say", text=say[1])
    _move(trainee, call_id, action="say", text=say[2])
    screen = trainee.get(f"/calls/{call_id}").get_data(as_text=True)
    assert 'class="event event-crying">' + UI[lang]["crying"] in screen

    response = _move(trainee, call_id, action="hang_up")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/calls/{call_id}/report")
    report = html.unescape(trainee.get(response.headers["Location"]).get_data(as_text=True))
    assert UI[lang]["report"] in report and f"<strong>{UI[lang]['pass']}</strong>" in report
    asked = _turn_index(report, say[2])
    assert re.search(rf'id="turn-{asked}" class="[^"]*\bevidence-ask_suicide\b', report)
    assert 'href="#turn-%d"' % asked in report
    assert "Test guideline 4.1" in report  # each item names its source guideline


def _turn_index(page: str, text: str) -> int:
    match = re.search(r'id="turn-(\d+)"[^>]*>(?:(?!</li>).)*?' + re.escape(text), page, re.S)
    assert match, f"no turn with {text!r}"
    return int(match.group(1))


def test_failed_call_report_puts_critical_failures_first_with_better_replies(trainee):
    call_id = _start(trainee)
    response = _move(trainee, call_id, action="say", text="快说话啊！")  # pressing a silent caller
    assert response.status_code == 303 and response.headers["Location"].endswith("/report")  # caller hung up
    report = trainee.get(f"/calls/{call_id}/report").get_data(as_text=True)
    assert "<strong>未通过</strong>" in report
    critical = report.index("关键失误")
    assert critical < report.index('id="item-no_pressure"')
    assert re.search(r'id="item-no_pressure" class="item result-violated critical-failure"', report)
    assert "不着急，你想说的时候我都在。" in report  # the zh exemplar of the violated item
    assert "There's no hurry" not in report  # ... and not the English one
    assert re.search(r'id="item-greet" class="item result-missed', report)
    assert re.search(r'id="item-ask_suicide" class="item result-not_applicable', report)
    assert "催促、逼迫来电者" in report  # per-turn skill tag, in the call's language
    assert "（来电者挂断了电话）" in report


def test_bad_moves_rerender_with_an_error(trainee):
    call_id = _start(trainee)
    response = _move(trainee, call_id, action="say", text="   ")
    assert response.status_code == 400 and "请先输入你要说的话" in response.get_data(as_text=True)
    assert _move(trainee, call_id, action="wait", seconds="0").status_code == 400
    assert _move(trainee, call_id, action="wait", seconds="abc").status_code == 400
    assert _move(trainee, call_id, action="dance").status_code == 400
    _move(trainee, call_id, action="hang_up")
    after = _move(trainee, call_id, action="say", text="你好")
    assert after.status_code == 409 and "这通电话已经结束" in after.get_data(as_text=True)


def test_start_refuses_unknown_scenario_and_language(trainee):
    assert trainee.post("/calls", data={"scenario": "nope", "lang": "zh"}).status_code == 404
    assert trainee.post("/calls", data={"scenario": "web_prank", "lang": "zh"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CallRecord)) == 0


def test_get_never_changes_state(trainee):
    call_id = _start(trainee)
    before = _turn_count(call_id)
    for url in (f"/calls/{call_id}", f"/calls/{call_id}/report", f"/calls/{call_id}/move"):
        trainee.get(url)
    assert trainee.get(f"/calls/{call_id}/move").status_code == 405
    assert _turn_count(call_id) == before
    assert trainee.get(f"/calls/{call_id}/report").status_code == 302  # not ended: back to the call


def test_unknown_call_is_404(trainee):
    assert trainee.get("/calls/00000000-0000-0000-0000-000000000000").status_code == 404


def test_call_record_stores_what_happened(trainee):
    call_id = _start(trainee, lang="en")
    _move(trainee, call_id, action="say", text=GOOD_CALL["en"][0])
    _move(trainee, call_id, action="hang_up")
    call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == call_id))
    assert (call.status, call.ended_by, call.lang, call.caller_type) == ("ended", "trainee", "en", "silent")
    assert call.created_at.tzinfo is not None and call.ended_at >= call.created_at
    assert [(t.idx, t.speaker, t.kind) for t in call.turns] == [
        (0, "caller", "silence"), (1, "trainee", "speech"), (2, "caller", "silence"), (3, "trainee", "hang_up")]
    assert call.turns[1].skills == {"greeting_identify": 1.0}
    record = db.session.scalar(select(ScoreRecord).where(ScoreRecord.call_id == call.id))
    assert record.tagger == "webtest-keywords" and record.rubric_id == "web_rubric"
    assert record.verdict == "fail" and "patient" in record.critical_failures  # hung up a silent line before 30 s
