"""Supervision: the queue, the review flow (overrides with reasons, comments, decision), the
trainee's feedback, object-level refusals, and scorer agreement on a small constructed set."""
from __future__ import annotations

import csv
import io

import pytest

from role_fixtures import _cheap_hashes  # noqa: F401
from supervision_helpers import (GOOD, MAYBE_PRESSING, PRESSING, SUICIDE_GOOD, approve, call_ids_on, client,  # noqa: F401
                                 play, rows, sv_app)
from web.tables import AuditEvent, ItemOverride, Review, ScoreRecord, TurnComment


def test_queue_holds_flagged_and_submitted_calls_of_own_cohorts(sv_app):
    good = play(sv_app, "trainee1", replies=GOOD)
    pressing = play(sv_app, "trainee1", replies=PRESSING)
    suicidal = play(sv_app, "trainee1", "sv_suicidal", SUICIDE_GOOD)
    other_cohort = play(sv_app, "trainee2", replies=PRESSING)
    sup = client(sv_app, "supervisor1")

    page = sup.get("/review/").get_data(as_text=True)
    assert set(call_ids_on(page)) == {pressing, suicidal}      # good call not flagged; trainee2 not in cohort A
    assert "critical failure" in page or "关键失误" in page

    trainee = client(sv_app, "trainee1")
    assert trainee.post(f"/calls/{good}/submit-review").status_code == 303
    assert set(call_ids_on(sup.get("/review/").get_data(as_text=True))) == {good, pressing, suicidal}
    assert other_cohort in call_ids_on(client(sv_app, "admin1").get("/review/").get_data(as_text=True))


def test_call_the_scorer_was_unsure_of_is_queued_and_explained(sv_app):
    """A critical item that turns on a reading below the cut: the verdict stands, the supervisor is told where."""
    call = play(sv_app, "trainee1", replies=MAYBE_PRESSING)
    with sv_app.app_context():
        record = rows(ScoreRecord)[-1]
        assert (record.verdict, record.critical_failures) == ("pass", [])
        assert record.report["uncertain"] == [{"id": "no_pressure", "counted": "met", "if_counted": "violated",
                                               "turns": [3], "skills": ["pressuring"]}]
    sup = client(sv_app, "supervisor1")
    queue = sup.get("/review/").get_data(as_text=True)
    assert call in call_ids_on(queue) and "reason-uncertain" in queue
    page = sup.get(f"/review/calls/{call}").get_data(as_text=True)
    assert 'class="uncertain"' in page and 'href="#turn-3"' in page
    trainee_report = client(sv_app, "trainee1").get(f"/calls/{call}/report").get_data(as_text=True)
    assert "督导会复核" in trainee_report or "a supervisor will check" in trainee_report
    # the supervisor's result for the item settles the flag
    approve(sv_app, call, no_pressure=("violated", "“快点吧”是在催来电者"))
    with sv_app.app_context():
        from web.review_service import final_report
        from web.tables import CallRecord
        rec = rows(CallRecord, public_id=call)[0]
        final = final_report(rec, rows(Review, call_id=rec.id)[0])
        assert (final.verdict, final.critical_failures, final.uncertain) == ("fail", ["no_pressure"], ())


def test_review_flow_override_comment_decision_seen_by_trainee(sv_app):
    call = play(sv_app, "trainee1", replies=GOOD)
    trainee, sup = client(sv_app, "trainee1"), client(sv_app, "supervisor1")
    trainee.post(f"/calls/{call}/submit-review")
    assert 'class="pending-review"' in trainee.get(f"/calls/{call}/feedback").get_data(as_text=True)

    page = sup.get(f"/review/calls/{call}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    # an override needs a reason
    refused = sup.post(f"/review/calls/{call}/override", data={"item": "empathy", "result": "missed", "reason": " "})
    assert refused.status_code == 400
    with sv_app.app_context():
        assert rows(ItemOverride) == []
    approve_steps = [
        ("override", {"item": "empathy", "result": "missed", "reason": "只是套话，没有真正反映情绪"}),
        ("comment", {"turn": "1", "text": "这里可以先停一下，让来电者多说。"}),
    ]
    for action, data in approve_steps:
        assert sup.post(f"/review/calls/{call}/{action}", data=data).status_code == 303
    # the draft is not shown to the trainee yet
    draft = trainee.get(f"/calls/{call}/feedback").get_data(as_text=True)
    assert "让来电者多说" not in draft
    assert sup.post(f"/review/calls/{call}/decision",
                    data={"decision": "needs_work", "summary": "情感反映要更具体。"}).status_code == 303

    feedback = trainee.get(f"/calls/{call}/feedback").get_data(as_text=True)
    assert "情感反映要更具体。" in feedback
    assert "让来电者多说" in feedback                         # the turn comment
    assert "只是套话，没有真正反映情绪" in feedback            # the override and its reason
    with sv_app.app_context():
        review = rows(Review)[0]
        assert review.decision == "needs_work" and review.override_map() == {"empathy": "missed"}
        assert [c.turn_idx for c in rows(TurnComment)] == [1]
        assert rows(ItemOverride)[0].auto_result == "met"
        actions = {(e.action, e.object_type) for e in rows(AuditEvent)}
        assert {("read", "call"), ("create", "review"), ("update", "review")} <= actions


def test_override_back_to_scorer_result_clears_it(sv_app):
    call = play(sv_app, "trainee1", replies=GOOD)
    sup = client(sv_app, "supervisor1")
    sup.post(f"/review/calls/{call}/override", data={"item": "greet", "result": "missed", "reason": "未报热线名称"})
    sup.post(f"/review/calls/{call}/override", data={"item": "greet", "result": "met", "reason": ""})
    with sv_app.app_context():
        assert rows(ItemOverride) == []


@pytest.mark.parametrize("path, data", [
    ("override", {"item": "greet", "result": "missed", "reason": "x"}),
    ("comment", {"turn": "0", "text": "x"}),
    ("decision", {"decision": "approved"}),
])
def test_trainee_cannot_grade_own_call(sv_app, path, data):
    call = play(sv_app, "trainee1", replies=GOOD)
    assert client(sv_app, "trainee1").post(f"/review/calls/{call}/{path}", data=data).status_code == 403
    with sv_app.app_context():
        assert rows(Review) == []


def test_supervisor_of_another_cohort_and_other_trainees_get_404(sv_app):
    call = play(sv_app, "trainee2", replies=GOOD)          # cohort B; supervisor1 has cohort A
    sup = client(sv_app, "supervisor1")
    assert sup.get(f"/review/calls/{call}").status_code == 404
    assert sup.post(f"/review/calls/{call}/decision", data={"decision": "approved"}).status_code == 404
    assert client(sv_app, "trainee1").get(f"/calls/{call}/feedback").status_code == 404
    assert client(sv_app, "trainee1").post(f"/calls/{call}/submit-review").status_code == 404


def test_bad_decision_and_unknown_item_refused(sv_app):
    call = play(sv_app, "trainee1", replies=GOOD)
    sup = client(sv_app, "supervisor1")
    assert sup.post(f"/review/calls/{call}/decision", data={"decision": "great"}).status_code == 400
    assert sup.post(f"/review/calls/{call}/override",
                    data={"item": "nope", "result": "met", "reason": "x"}).status_code == 400
    assert sup.post(f"/review/calls/{call}/comment", data={"turn": "99", "text": "x"}).status_code == 400


def test_overrides_change_the_reviewed_verdict(sv_app):
    call = play(sv_app, "trainee1", replies=PRESSING)       # no_pressure violated: critical -> fail
    with sv_app.app_context():
        assert rows(ScoreRecord)[0].verdict == "fail"
    approve(sv_app, call, no_pressure=("met", "“快说”在这里是玩笑语气，不算催促"))
    page = client(sv_app, "trainee1").get(f"/calls/{call}/feedback").get_data(as_text=True)
    assert 'class="final-verdict">通过' in page or 'class="final-verdict">Pass' in page


def test_agreement_figures_page_and_csv(sv_app):
    a = play(sv_app, "trainee1", replies=GOOD)       # greet met, no_pressure met, empathy met, ask n/a
    b = play(sv_app, "trainee1", replies=PRESSING)   # greet met, no_pressure violated, empathy missed, ask n/a
    draft = play(sv_app, "trainee1", replies=GOOD)
    approve(sv_app, a, empathy=("missed", "套话"))
    approve(sv_app, b)
    client(sv_app, "supervisor1").post(f"/review/calls/{draft}/override",
                                       data={"item": "greet", "result": "missed", "reason": "draft only"})
    # by hand: greet (met,met)x2 -> 100 %, kappa undefined; no_pressure (met,met),(violated,violated) -> 100 %, 1.0;
    # empathy (met,missed),(missed,missed) -> 50 %, p_e = 0.5 -> 0.0;
    # overall n=6, agreed 5; auto met 4, violated 1, missed 1; supervisor met 3, violated 1, missed 2:
    # p_e = (12 + 1 + 2) / 36; kappa = (5/6 - 15/36) / (1 - 15/36) = 0.714
    coordinator = client(sv_app, "coordinator1")
    text = coordinator.get("/review/agreement.csv").get_data(as_text=True)
    table = {r["item"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (table["greet"]["percent"], table["greet"]["kappa"]) == ("100.0", "")
    assert "undefined" in table["greet"]["kappa_note"]
    assert (table["no_pressure"]["percent"], table["no_pressure"]["kappa"]) == ("100.0", "1.0")
    assert (table["empathy"]["percent"], float(table["empathy"]["kappa"])) == ("50.0", 0.0)
    assert (table["(overall)"]["pairs"], table["(overall)"]["agreed"]) == ("6", "5")
    assert float(table["(overall)"]["kappa"]) == pytest.approx(0.7143, abs=1e-4)
    assert table["ask_suicide"]["skipped"] == "2" and table["ask_suicide"]["pairs"] == "0"
    page = coordinator.get("/review/agreement").get_data(as_text=True)
    assert "0.714" in page and "83.3" in page
    assert client(sv_app, "trainee1").get("/review/agreement").status_code == 403
