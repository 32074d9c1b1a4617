"""Supervision as a service: submissions, the review queue, overrides, comments, decisions, agreement.

Views call these with the acting user; nothing here reads Flask's request. Every change is
audited (web.audit.record) in the same transaction as the change.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from simulator.agreement import Judgement, judgements_of
from simulator.certification import CallFacts
from simulator.overrides import OVERRIDE_RESULTS, apply_overrides, report_from_dict
from simulator.scoring import ScoreReport
from web import audit, calls, security
from web.calls import BadRequest, Conflict
from web.engines import engines
from web.extensions import db
from web.tables import REVIEW_DECISIONS, CallRecord, ItemOverride, Review, TurnComment, User

log = logging.getLogger(__name__)

MAX_TEXT = 4000


def get_review(call: CallRecord) -> Review | None:
    return db.session.scalar(select(Review).where(Review.call_id == call.id))


def _scored_or_conflict(call: CallRecord) -> None:
    if call.active:
        raise Conflict("the call is still in progress", "call_active")
    if call.latest_score is None:
        raise Conflict("the call has not been scored", "not_scored")


def submit(call: CallRecord, trainee: User) -> Review:
    """The trainee asks for a supervisor's review of their ended, scored call."""
    _scored_or_conflict(call)
    review = get_review(call)
    if review is None:
        review = Review(call_id=call.id)
        db.session.add(review)
        db.session.flush()
        audit.record(trainee, "create", "review", review.id, commit=False, call=call.public_id)
    if review.submitted_at is None:
        review.submitted_at = datetime.now(timezone.utc)
    audit.record(trainee, "update", "call", call.public_id, commit=False, submitted_for_review=True)
    db.session.commit()
    return review


def open_review(call: CallRecord, supervisor: User) -> Review:
    """The call's review, created as a draft when a supervisor first writes to it."""
    _scored_or_conflict(call)
    review = get_review(call)
    if review is None:
        review = Review(call_id=call.id, supervisor_id=supervisor.id)
        db.session.add(review)
        db.session.flush()
        audit.record(supervisor, "create", "review", review.id, commit=False, call=call.public_id)
    elif review.supervisor_id is None:
        review.supervisor_id = supervisor.id
    return review


def _text(value: str, what: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BadRequest(f"{what} is required", f"{what}_required")
    if len(value) > MAX_TEXT:
        raise BadRequest(f"{what} is longer than {MAX_TEXT} characters", "too_long")
    return value


def set_override(call: CallRecord, supervisor: User, item_id: str, result: str, reason: str) -> Review:
    """Set the supervisor's result for one item (a reason is required); the scorer's result clears it."""
    _scored_or_conflict(call)
    auto = {i["id"]: i["result"] for i in call.latest_score.report.get("items", [])}
    if item_id not in auto:
        raise BadRequest(f"no rubric item {item_id!r} in this call's report", "unknown_item")
    if result not in OVERRIDE_RESULTS:
        raise BadRequest(f"result must be one of {', '.join(OVERRIDE_RESULTS)}", "bad_result")
    review = open_review(call, supervisor)
    existing = next((o for o in review.overrides if o.item_id == item_id), None)
    if result == auto[item_id]:
        if existing is not None:
            review.overrides.remove(existing)
    else:
        reason = _text(reason, "reason")
        if existing is None:
            review.overrides.append(ItemOverride(item_id=item_id, auto_result=auto[item_id], result=result,
                                                 reason=reason))
        else:
            existing.result, existing.reason = result, reason
    review.updated_at = datetime.now(timezone.utc)
    audit.record(supervisor, "update", "review", review.id, commit=False, call=call.public_id,
                 item=item_id, auto=auto[item_id], result=result)
    db.session.commit()
    return review


def add_comment(call: CallRecord, supervisor: User, turn_idx: int, text: str) -> TurnComment:
    """Comment on turn `turn_idx` of the call."""
    if not 0 <= turn_idx < len(call.turns):
        raise BadRequest(f"the call has no turn {turn_idx + 1}", "bad_turn")
    text = _text(text, "comment")
    review = open_review(call, supervisor)
    comment = TurnComment(turn_idx=turn_idx, text=text, author_id=supervisor.id)
    review.comments.append(comment)
    db.session.flush()
    audit.record(supervisor, "update", "review", review.id, commit=False, call=call.public_id,
                 comment_on_turn=turn_idx)
    db.session.commit()
    return comment


def decide(call: CallRecord, supervisor: User, decision: str, summary: str) -> Review:
    """Record the final decision (approved / needs_work) that the trainee will see."""
    if decision not in REVIEW_DECISIONS:
        raise BadRequest(f"decision must be one of {', '.join(REVIEW_DECISIONS)}", "bad_decision")
    summary = _text(summary, "summary", required=False)
    review = open_review(call, supervisor)
    review.decision, review.summary = decision, summary
    review.supervisor_id = supervisor.id
    review.decided_at = review.updated_at = datetime.now(timezone.utc)
    audit.record(supervisor, "update", "review", review.id, commit=False, call=call.public_id, decision=decision)
    db.session.commit()
    log.info("review of call %s decided: %s", call.public_id, decision)
    return review


# -- reading -----------------------------------------------------------------------------
def final_report(call: CallRecord, review: Review | None) -> ScoreReport | None:
    """The call's score report with the review's overrides applied (the scorer's when not reviewed)."""
    if call.latest_score is None:
        return None
    report = report_from_dict(call.latest_score.report)
    return apply_overrides(report, review.override_map()) if review else report


def review_page(call: CallRecord, review: Review | None) -> dict[str, Any]:
    """calls.report_for(call) plus each item's override and final result, each turn's comments."""
    r = calls.report_for(call)
    overrides = {o.item_id: o for o in review.overrides} if review else {}
    for item in r.get("items", []):
        item["override"] = overrides.get(item["id"])
        item["final"] = overrides[item["id"]].result if item["id"] in overrides else item["result"]
    for turn in r["turns"]:
        turn["comments"] = [c for c in (review.comments if review else []) if c.turn_idx == turn["idx"]]
    final = final_report(call, review)
    if final is not None:
        r["final"] = {"verdict": final.verdict, "score": final.score, "critical_failures": final.critical_failures}
    r["review"] = review
    return r


@dataclass(frozen=True)
class QueueEntry:
    call: CallRecord
    review: Review | None
    reasons: tuple[str, ...]      # submitted | critical_failure | uncertain | suicidal


def flag_reasons(call: CallRecord, review: Review | None) -> tuple[str, ...]:
    """Why a call needs a supervisor: the trainee asked, the scorer saw a critical failure or was unsure of one
    (a critical item whose result turns on a reading below the scorer's cut), it was suicidal."""
    reasons = []
    if review is not None and review.submitted_at is not None:
        reasons.append("submitted")
    if call.latest_score is not None and call.latest_score.critical_failures:
        reasons.append("critical_failure")
    if call.latest_score is not None and (call.latest_score.report or {}).get("uncertain"):
        reasons.append("uncertain")
    if call.caller_type == "suicidal":
        reasons.append("suicidal")
    return tuple(reasons)


def queue_for(user: User, decided: bool = False) -> list[QueueEntry]:
    """Ended, scored calls `user` may read that need review (decided=False) or were reviewed (True)."""
    rows = db.session.scalars(security.visible_calls(user).where(CallRecord.status == "ended")
                              .order_by(CallRecord.ended_at.desc())).all()
    reviews = {r.call_id: r for r in db.session.scalars(select(Review).where(Review.call_id.in_([c.id for c in rows])))}
    out = []
    for call in rows:
        review = reviews.get(call.id)
        if call.latest_score is None or bool(review and review.decided) != decided:
            continue
        reasons = flag_reasons(call, review)
        if reasons or decided:
            out.append(QueueEntry(call, review, reasons))
    return out


def trainee_names(ids) -> dict[int, str]:
    """Display names (else usernames) of the users with these ids."""
    users = db.session.scalars(select(User).where(User.id.in_([i for i in ids if i is not None])))
    return {u.id: u.display_name or u.username for u in users}


def judgements_for(user: User) -> list[Judgement]:
    """Scorer-vs-supervisor pairs over every decided review of calls `user` may read."""
    calls_q = security.visible_calls(user).with_only_columns(CallRecord.id)
    reviews = db.session.scalars(select(Review).where(Review.decision.is_not(None), Review.call_id.in_(calls_q)))
    out: list[Judgement] = []
    for review in reviews:
        if review.call.latest_score is not None:
            out += judgements_of(review.call.latest_score.report.get("items", []), review.override_map())
    return out


def call_facts(trainee_id: int) -> list[CallFacts]:
    """What the certification policy needs to know of each of a trainee's calls."""
    rows = db.session.scalars(select(CallRecord).where(CallRecord.trainee_id == trainee_id)
                              .order_by(CallRecord.created_at)).all()
    reviews = {r.call_id: r for r in db.session.scalars(select(Review).where(Review.call_id.in_([c.id for c in rows])))}
    scenarios = engines().library.scenarios
    out = []
    for call in rows:
        review = reviews.get(call.id)
        final = final_report(call, review)
        scenario = scenarios.get(call.scenario_id)
        risk = frozenset(k for k, v in scenario.risk.model_dump().items() if v) if scenario else frozenset()
        out.append(CallFacts(call.public_id, call.caller_type, ended=not call.active,
                             decision=review.decision if review else None,
                             verdict=final.verdict if final else None,
                             critical_failures=tuple(final.critical_failures) if final else (),
                             risk=risk, at=call.created_at))
    return out
