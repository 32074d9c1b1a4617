"""Batch re-scoring: score ended calls again with the current tagger, rubric and event detector.

Each re-score adds a new ScoreRecord (older ones stay as history; reports show the latest).
Idempotent per call: when the new report equals the call's latest one, nothing is written, so a
re-delivered or repeated job adds no duplicates. One call's failure is recorded and the batch goes on.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import select

from simulator.scoring import score
from web import security
from web.calls import BadRequest, get_scenario, rubric_of, transcript_of
from web.engines import engines
from web.extensions import db
from web.tables import CallRecord, ScoreRecord, User

log = logging.getLogger(__name__)

# Report keys that decide whether a re-score says anything new.
COMPARED = ("rubric_hash", "tagger", "verdict", "score", "pass_score", "items", "turn_skills", "turn_events")
MAX_LISTED = 100  # changes and failures listed in a job's result; the counts are always complete


@dataclass
class RescoreSummary:
    """What a batch did: counts, plus the first MAX_LISTED verdict changes and failures."""

    selected: int = 0
    rescored: int = 0          # calls scored again without error
    new_records: int = 0       # of those, calls whose report changed (a new ScoreRecord)
    unchanged: int = 0         # of those, calls whose report was the same (nothing written)
    verdicts_changed: int = 0
    failed: int = 0
    changes: list[dict[str, str]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)


def _day(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadRequest(f"{what} must be a date YYYY-MM-DD, not {value!r}", "bad_date") from None


def rescore_params(scenario: str | None = None, rubric: str | None = None, since: Any = None,
                   until: Any = None) -> dict[str, Any]:
    """Validated, JSON-able filters for a `rescore` job; raises BadRequest naming the bad one."""
    if scenario:
        get_scenario(scenario)  # NotFound when the library has no such scenario
    if rubric and rubric not in engines().library.rubrics:
        raise BadRequest(f"no rubric {rubric!r}", "unknown_rubric")
    first, last = _day(since, "since"), _day(until, "until")
    if first and last and first > last:
        raise BadRequest("since is after until", "bad_date")
    return {"scenario": scenario or None, "rubric": rubric or None,
            "since": first.isoformat() if first else None, "until": last.isoformat() if last else None}


def select_calls(scenario: str | None = None, rubric: str | None = None, since: str | None = None,
                 until: str | None = None, visible_to: int | None = None) -> list[int]:
    """Ids of the ended calls matching the filters (and readable by user `visible_to`, when given)."""
    user = db.session.get(User, visible_to) if visible_to is not None else None
    if visible_to is not None and user is None:
        return []
    query = security.visible_calls(user) if user is not None else select(CallRecord)
    query = query.where(CallRecord.status == "ended")
    if scenario:
        query = query.where(CallRecord.scenario_id == scenario)
    if rubric:
        query = query.where(CallRecord.rubric_id == rubric)
    if since:
        query = query.where(CallRecord.created_at >= datetime.combine(_day(since, "since"), time.min, timezone.utc))
    if until:
        end = datetime.combine(_day(until, "until") + timedelta(days=1), time.min, timezone.utc)
        query = query.where(CallRecord.created_at < end)
    return list(db.session.scalars(query.with_only_columns(CallRecord.id).order_by(CallRecord.id)))


def same_report(old: dict[str, Any], new: dict[str, Any]) -> bool:
    # flags for review count too (a report stored before they existed has none)
    return all(old.get(key) == new.get(key) for key in COMPARED) and (old.get("uncertain") or []) == (
        new.get("uncertain") or [])


def rescore_call(call: CallRecord) -> tuple[ScoreRecord | None, ScoreRecord | None]:
    """Score `call` afresh; (the new record or None when unchanged, the previous latest record)."""
    eng = engines()
    rubric = rubric_of(call)
    report = score(transcript_of(call), rubric, tagger=eng.tagger, detector=eng.detector,
                   scenario=get_scenario(call.scenario_id))
    data = report.to_dict()
    previous = call.latest_score
    if previous is not None and same_report(previous.report, data):
        return None, previous
    record = ScoreRecord(call_id=call.id, rubric_id=rubric.id, rubric_hash=rubric.content_hash,
                         tagger=data["tagger"], verdict=report.verdict, score=report.score,
                         critical_failures=list(report.critical_failures), report=data)
    db.session.add(record)
    db.session.commit()
    db.session.expire(call, ["scores"])  # so call.latest_score is the new record
    return record, previous


def _count(summary: RescoreSummary, call: CallRecord, new: ScoreRecord | None, old: ScoreRecord | None) -> None:
    summary.rescored += 1
    if new is None:
        summary.unchanged += 1
        return
    summary.new_records += 1
    if old is not None and old.verdict != new.verdict:
        summary.verdicts_changed += 1
        if len(summary.changes) < MAX_LISTED:
            summary.changes.append({"call": call.public_id, "from": old.verdict, "to": new.verdict})


def rescore_calls(scenario: str | None = None, rubric: str | None = None, since: str | None = None,
                  until: str | None = None, visible_to: int | None = None) -> dict[str, Any]:
    """The `rescore` job: re-score every matching ended call; a summary of what changed and what failed."""
    ids = select_calls(scenario, rubric, since, until, visible_to)
    summary = RescoreSummary(selected=len(ids))
    for call_id in ids:
        call = db.session.get(CallRecord, call_id)
        public_id = call.public_id if call is not None else str(call_id)
        try:
            if call is None:
                raise LookupError("the call was deleted before it could be re-scored")
            _count(summary, call, *rescore_call(call))
        except Exception as exc:  # one bad call must not stop the batch: record it and go on
            db.session.rollback()
            log.exception("re-scoring call %s failed", public_id)
            summary.failed += 1
            if len(summary.failures) < MAX_LISTED:
                summary.failures.append({"call": public_id, "error": f"{type(exc).__name__}: {exc}"[:500]})
    log.info("re-scored %d of %d call(s): %d new, %d verdict(s) changed, %d failed", summary.rescored,
             summary.selected, summary.new_records, summary.verdicts_changed, summary.failed)
    return asdict(summary)
