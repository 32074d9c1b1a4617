"""The practice-call service: start calls, take moves turn by turn, score and report. No Flask request here."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from simulator.scenario import Rubric, Scenario
from simulator.scoring import score
from simulator.session import MAX_WAIT, CallError, CallSession
from simulator.transcript import LANGS, Transcript, Turn
from web.call_lock import move_lock
from web.engines import engines
from web.extensions import db
from web.tables import CallRecord, CallTurn, ScoreRecord

log = logging.getLogger(__name__)

MOVES = ("say", "wait", "hang_up")


class ServiceError(Exception):
    """A request the service refuses; `status` is the HTTP status a view should answer with."""

    status = 400

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.code = code  # a short machine name (e.g. "empty_text") a UI can translate


class BadRequest(ServiceError):
    status = 400


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class CallerFailed(ServiceError):
    """The simulated caller raised; the trainee's turn is already saved and the call can go on."""

    status = 503


@dataclass(frozen=True)
class Move:
    """One trainee move: say `text`, wait `seconds` in silence, or hang up."""

    kind: str
    text: str = ""
    seconds: float = 0.0

    @classmethod
    def parse(cls, kind: str, text: Any = "", seconds: Any = None) -> "Move":
        """Validate raw input (form or JSON) into a Move; raises BadRequest with a reason."""
        if kind == "say":
            if not isinstance(text, str) or not text.strip():
                raise BadRequest("a reply needs some text (to stay silent, wait instead)", "empty_text")
            return cls("say", text=text.strip())
        if kind == "wait":
            try:
                secs = float(seconds)
            except (TypeError, ValueError):
                raise BadRequest("wait needs a number of seconds", "bad_wait") from None
            if not 0 < secs <= MAX_WAIT:
                raise BadRequest(f"wait must be more than 0 and at most {MAX_WAIT:.0f} seconds", "bad_wait")
            return cls("wait", seconds=secs)
        if kind == "hang_up":
            return cls("hang_up")
        raise BadRequest(f"unknown move {kind!r}; one of {', '.join(MOVES)}")


# -- catalogue ---------------------------------------------------------------------------
def list_scenarios(caller_type: str | None = None, lang: str | None = None,
                   difficulty: int | None = None) -> list[Scenario]:
    """Scenarios matching the filters (None = any), by caller type, difficulty and id."""
    found = [s for s in engines().library.scenarios.values()
             if (not caller_type or s.caller_type == caller_type)
             and (not lang or lang in s.langs)
             and (difficulty is None or s.difficulty == difficulty)]
    return sorted(found, key=lambda s: (s.caller_type, s.difficulty, s.id))


def get_scenario(scenario_id: str) -> Scenario:
    try:
        return engines().library.scenarios[scenario_id]
    except KeyError:
        raise NotFound(f"no scenario {scenario_id!r}") from None


def rubric_of(call: CallRecord) -> Rubric:
    return engines().library.rubric_for(rubric_id=call.rubric_id)


# -- calls -------------------------------------------------------------------------------
def get_call(public_id: str) -> CallRecord:
    call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == public_id))
    if call is None:
        raise NotFound(f"no call {public_id!r}")
    return call


def start_call(scenario_id: str, lang: str, trainee_id: int | None = None) -> CallRecord:
    """Create a call and commit the caller's opening turns."""
    scenario = get_scenario(scenario_id)
    if lang not in LANGS or lang not in scenario.langs:
        raise BadRequest(f"scenario {scenario_id!r} is not playable in {lang!r} (languages: {', '.join(scenario.langs)})")
    call = CallRecord(scenario_id=scenario.id, scenario_hash=scenario.content_hash, rubric_id=scenario.rubric,
                      lang=lang, caller_type=scenario.caller_type, trainee_id=trainee_id, status="active",
                      session_state={})
    db.session.add(call)
    db.session.commit()
    log.info("call %s started: scenario %s in %s", call.public_id, scenario.id, lang)
    session = _session_for(call, scenario, restore=False)
    _run(call, session, session.start)
    return call


def take_move(call: CallRecord, move: Move) -> list[CallTurn]:
    """Run one trainee move, committing each turn as it happens; score the call when it ends."""
    db.session.commit()  # end any open read transaction, so the state read below is fresh
    with move_lock(call.id):
        return _take_move(_lock(call), move)


def _take_move(call: CallRecord, move: Move) -> list[CallTurn]:
    if not call.active:
        raise Conflict(f"the call has ended ({call.ended_by} hung up)", "call_ended")
    session = _session_for(call, get_scenario(call.scenario_id), restore=True)
    if not session.started:  # the caller failed to open the line last time: open it now
        _run(call, session, session.start)
    if move.kind == "say":
        return _run(call, session, session.say, move.text)
    if move.kind == "wait":
        return _run(call, session, session.wait, move.seconds)
    return _run(call, session, session.hang_up)


def _lock(call: CallRecord) -> CallRecord:
    """Re-read the call row, under a row lock where the database has them."""
    stmt = select(CallRecord).where(CallRecord.id == call.id).with_for_update()
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def _session_for(call: CallRecord, scenario: Scenario, restore: bool) -> CallSession:
    eng = engines()
    session = CallSession(scenario, call.lang, eng.caller(scenario, call.lang), eng.tagger)
    if scenario.content_hash != call.scenario_hash:
        log.warning("call %s: scenario %s changed since the call started", call.public_id, scenario.id)
    if restore and call.session_state:
        rows = db.session.scalars(select(CallTurn).where(CallTurn.call_id == call.id).order_by(CallTurn.idx))
        turns = [row.to_turn() for row in rows]
        session.restore(turns, call.session_state)
    return session


def _run(call: CallRecord, session: CallSession, action, *args) -> list[CallTurn]:
    """Run a session move with each turn written and committed as it happens."""
    written: list[CallTurn] = []

    def on_turn(idx: int, turn: Turn) -> None:
        row = CallTurn.from_turn(call.id, idx, turn)
        db.session.add(row)
        call.session_state = session.snapshot()
        db.session.commit()
        written.append(row)

    session.on_turn = on_turn
    try:
        action(*args)
    except CallError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) if session.ended else BadRequest(str(exc)) from None
    except ServiceError:
        db.session.rollback()
        raise
    except IntegrityError:
        db.session.rollback()
        raise Conflict("another move on this call was taken at the same time; reload the call") from None
    except Exception:
        db.session.rollback()
        log.exception("call %s: the caller failed after %d new turn(s)", call.public_id, len(written))
        raise CallerFailed("the caller could not answer; your turn is saved, please try again",
                           "caller_failed") from None
    _finish_move(call, session)
    return written


def _finish_move(call: CallRecord, session: CallSession) -> None:
    """Save the session state, unless another move added turns meanwhile (then 409, state untouched)."""
    values: dict[str, Any] = {"session_state": session.snapshot()}
    if session.ended:
        values.update(status="ended", ended_by=session.ended_by, ended_at=datetime.now(timezone.utc))
    count = select(func.count()).select_from(CallTurn).where(CallTurn.call_id == call.id).scalar_subquery()
    stmt = update(CallRecord).where(CallRecord.id == call.id, count == len(session.turns)).values(**values)
    if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount != 1:
        db.session.rollback()
        raise Conflict("another move on this call was taken at the same time; reload the call", "race")
    db.session.commit()
    db.session.expire(call)
    if session.ended:
        try:
            score_call(call)
        except Exception:  # the call is safely ended; a supervisor can re-score it later
            db.session.rollback()
            log.exception("call %s: scoring failed", call.public_id)


def transcript_of(call: CallRecord) -> Transcript:
    return Transcript(turns=tuple(row.to_turn() for row in call.turns), lang=call.lang,
                      caller_type=call.caller_type, scenario=call.scenario_id,
                      meta={"scenario_hash": call.scenario_hash, "call": call.public_id})


def score_call(call: CallRecord) -> ScoreRecord:
    """Score the call on its stored skills, the caller's words and the scenario's hidden risk."""
    eng = engines()
    rubric = rubric_of(call)
    report = score(transcript_of(call), rubric, tagger=None, detector=eng.detector,
                   scenario=get_scenario(call.scenario_id))
    data = report.to_dict()
    data["tagger"] = getattr(eng.tagger, "name", "unknown")  # who tagged the turns as they were said
    record = ScoreRecord(call_id=call.id, rubric_id=rubric.id, rubric_hash=rubric.content_hash,
                         tagger=data["tagger"], verdict=report.verdict, score=report.score,
                         critical_failures=list(report.critical_failures), report=data)
    db.session.add(record)
    db.session.commit()
    log.info("call %s scored: %s %.1f", call.public_id, report.verdict, report.score)
    return record


def call_status(call: CallRecord) -> dict[str, Any]:
    """Where the call stands: status, clock, silence on the line, total waited."""
    state = call.session_state or {}  # the session settles its state before each turn is committed
    t = float(state.get("t", 0.0))
    return {"id": call.public_id, "status": call.status, "ended_by": call.ended_by, "t": t,
            "silent_for": round(t - float(state.get("last_caller_speech_end", 0.0)), 1),
            "waited_total": float(state.get("waited_total", 0.0))}


# -- reports -----------------------------------------------------------------------------
def report_for(call: CallRecord) -> dict[str, Any]:
    """Everything a report page or the API shows: score, items with texts and evidence, transcript."""
    turns = [{**row.to_dict(), "kind": row.kind, "evidence_for": [], "tags": [], "seen_events": list(row.events or [])}
             for row in call.turns]
    out: dict[str, Any] = {
        "call": {**call_status(call), "scenario": call.scenario_id, "lang": call.lang,
                 "caller_type": call.caller_type, "created_at": call.created_at.isoformat(),
                 "ended_at": call.ended_at.isoformat() if call.ended_at else None},
        "scenario": scenario_texts(call),
        "transcript": transcript_of(call).to_dict(), "turns": turns, "scored": False}
    record = call.latest_score
    if record is not None:
        out.update(_scored(call, record, turns))
    return out


def scenario_texts(call: CallRecord) -> dict[str, str]:
    """The call's scenario title, summary and guidance in the call's language."""
    scenario, lang = engines().library.scenarios.get(call.scenario_id), call.lang
    if scenario is None:
        return {"title": call.scenario_id, "summary": "", "guidance": ""}
    return {"title": scenario.title.get(lang), "summary": scenario.summary.get(lang),
            "guidance": scenario.text(scenario.guidance, lang)}


def _scored(call: CallRecord, record: ScoreRecord, turns: list[dict[str, Any]]) -> dict[str, Any]:
    rep = record.report
    rubric = rubric_of(call)
    texts = {item.id: item for item in rubric.items}
    items = [_item(r, texts.get(r["id"]), call.lang) for r in rep["items"]]
    unsure = {u["id"]: u for u in rep.get("uncertain") or []}
    for item in items:
        item["uncertain"] = unsure.get(item["id"])
    for item in items:
        for i in item["evidence"]:
            if 0 <= i < len(turns):
                turns[i]["evidence_for"].append(item["id"])
    for i, turn in enumerate(turns):
        turn["tags"] = list(rep.get("turn_skills", [])[i]) if i < len(rep.get("turn_skills", [])) else []
        turn["seen_events"] = list(rep.get("turn_events", [])[i]) if i < len(rep.get("turn_events", [])) else []
    return {"scored": True, "verdict": record.verdict, "score": record.score, "pass_score": rep.get("pass_score"),
            "rubric": {"id": record.rubric_id, "hash": record.rubric_hash, "title": rubric.title.get(call.lang),
                       "changed_since": rubric.content_hash != record.rubric_hash},
            "tagger": record.tagger, "items": items,
            "critical_failures": [i for i in items if i["critical_failure"]],
            "uncertain": [i for i in items if i["uncertain"]]}


def _item(result: dict[str, Any], item, lang: str) -> dict[str, Any]:
    """One rubric item's result with its text, source and, when not met, better replies."""
    failed = result["result"] in ("missed", "violated")
    return {**result, "critical_failure": bool(result.get("critical")) and failed,
            "text": item.text.get(lang) if item else result["id"],
            "source": item.source if item else "",
            "feedback": item.feedback.get(lang) if item and item.feedback else "",
            "exemplars": list(item.exemplars.get(lang, [])) if item and failed else []}
