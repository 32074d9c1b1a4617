"""The JSON API, /api/v1: scenarios, calls, moves, transcripts and reports. Errors are {"error": reason}."""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from web import audit, calls, security
from web.practice import current_trainee_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Request guards run before every API view; one may return a response to refuse the request.
# Authentication is the browser session (401 JSON without it). The API is NOT CSRF-exempt: a cookie
# is sent by the browser whatever page made the request, so every POST must carry the session's CSRF
# token in an X-CSRFToken header (GET /csrf-token or the page's csrf-token meta tag gives it).
AUTH_GUARDS: list[Callable[[], Any]] = [security.login_guard]


@bp.before_request
def _guards():
    for guard in AUTH_GUARDS:
        refusal = guard()
        if refusal is not None:
            return refusal
    return None


@bp.errorhandler(calls.ServiceError)
def _service_error(exc: calls.ServiceError):
    body = {"error": str(exc)}
    if exc.code:
        body["code"] = exc.code
    return jsonify(body), exc.status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return jsonify({"error": exc.description or exc.name}), exc.code or 500


def _json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise calls.BadRequest("the body must be a JSON object", "malformed_json")
    return data


def _scenario_dict(s) -> dict[str, Any]:
    return {"id": s.id, "caller_type": s.caller_type, "difficulty": s.difficulty, "langs": list(s.langs),
            "rubric": s.rubric, "title": s.title.model_dump(), "summary": s.summary.model_dump(),
            "content_hash": s.content_hash}


@bp.get("/scenarios")
def scenarios():
    raw = request.args.get("difficulty")
    if raw is not None and not raw.isdigit():
        raise calls.BadRequest("difficulty must be 1, 2 or 3", "bad_filter")
    found = calls.list_scenarios(caller_type=request.args.get("caller_type") or None,
                                 lang=request.args.get("lang") or None,
                                 difficulty=int(raw) if raw else None)
    return jsonify({"scenarios": [_scenario_dict(s) for s in found]})


def _call_summary(call, turns) -> dict[str, Any]:
    return {**calls.call_status(call), "turns": [row.to_dict() for row in turns]}


@bp.post("/calls")
@security.roles_required("trainee")
def start_call():
    data = _json_body()
    scenario, lang = data.get("scenario"), data.get("lang", "zh")
    if not isinstance(scenario, str) or not scenario:
        raise calls.BadRequest("'scenario' (a scenario id) is required", "missing_scenario")
    if not isinstance(lang, str):
        raise calls.BadRequest("'lang' must be 'zh' or 'en'", "bad_lang")
    call = calls.start_call(scenario, lang, trainee_id=current_trainee_id())
    body = _call_summary(call, call.turns)
    return jsonify(body), 201, {"Location": url_for("api.get_call", public_id=call.public_id)}


def _move(data: dict[str, Any]) -> calls.Move:
    given = [k for k in ("text", "wait", "hang_up") if k in data]
    if len(given) != 1:
        raise calls.BadRequest('give exactly one of "text", "wait" or "hang_up"', "bad_move")
    if given[0] == "text":
        return calls.Move.parse("say", text=data["text"])
    if given[0] == "wait":
        if isinstance(data["wait"], bool):
            raise calls.BadRequest("wait needs a number of seconds", "bad_wait")
        return calls.Move.parse("wait", seconds=data["wait"])
    if data["hang_up"] is not True:
        raise calls.BadRequest('"hang_up" must be true', "bad_move")
    return calls.Move.parse("hang_up")


@bp.post("/calls/<public_id>/turns")
def take_move(public_id: str):
    call = security.playable_call_or_404(public_id)
    move = _move(_json_body())
    turns = calls.take_move(call, move)
    call = calls.get_call(public_id)
    body = _call_summary(call, turns)
    if not call.active:
        body["report"] = url_for("api.get_report", public_id=public_id)
    return jsonify(body)


@bp.get("/calls/<public_id>")
def get_call(public_id: str):
    call = security.readable_call_or_404(public_id)
    audit.record(current_user, "read", "call", public_id, view="api_call")
    return jsonify({**calls.call_status(call), "transcript": calls.transcript_of(call).to_dict()})


@bp.get("/calls/<public_id>/report")
def get_report(public_id: str):
    call = security.readable_call_or_404(public_id)
    audit.record(current_user, "read", "call", public_id, view="api_report")
    if call.active:
        raise calls.Conflict("the call has not ended; hang up first", "call_active")
    report = calls.report_for(call)
    if not report["scored"]:
        raise calls.NotFound("this call has no score report yet", "not_scored")
    return jsonify(report)
