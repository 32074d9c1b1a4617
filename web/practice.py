"""The practice blueprint (HTML): catalogue, the call screen, moves by POST, the report page."""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from simulator.scenario import CALLER_TYPES
from web import audit, calls, security
from web.i18n import UI_LANGS, pick_lang, skill_label, t

bp = Blueprint("practice", __name__)  # templates and static files: the app's web/templates, web/static
bp.before_request(security.login_guard)


@bp.app_context_processor
def _i18n():
    """`t(key, **values)` in templates speaks the page's language (g.lang)."""
    lang = g.get("lang") or pick_lang(str(get_locale()))
    return {"t": lambda key, **values: t(key, lang, **values), "page_lang": lang,
            "skill_label": lambda name: skill_label(name, lang)}


def current_trainee_id() -> int | None:
    """The signed-in user's id (None when nobody is signed in)."""
    return current_user.id if current_user.is_authenticated else None


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


@bp.get("/")
def catalogue():
    filters = {"caller_type": request.args.get("caller_type") or None,
               "lang": request.args.get("lang") if request.args.get("lang") in UI_LANGS else None,
               "difficulty": _int_arg("difficulty")}
    scenarios = calls.list_scenarios(**filters)
    return render_template("practice/catalogue.html", scenarios=scenarios, filters=filters,
                           caller_types=CALLER_TYPES, langs=UI_LANGS)


@bp.post("/calls")
@security.roles_required("trainee")
def start():
    scenario_id = request.form.get("scenario", "")
    lang = request.form.get("lang", "")
    try:
        call = calls.start_call(scenario_id, lang, trainee_id=current_trainee_id())
    except calls.CallerFailed:
        abort(503)
    except calls.ServiceError as exc:
        abort(exc.status, str(exc))
    return redirect(url_for("practice.call_screen", public_id=call.public_id), code=303)


def _load(public_id: str, play: bool = False):
    """The call if the current user may read it (or, with `play`, owns it); 404 otherwise, never 403."""
    call = security.playable_call_or_404(public_id) if play else security.readable_call_or_404(public_id)
    g.lang = call.lang
    return call


def _render_call(call, error: str = "", status: int = 200):
    return render_template("practice/call.html", call=call, turns=call.turns, status=calls.call_status(call),
                           scenario=calls.scenario_texts(call), error=error), status


@bp.get("/calls/<public_id>")
def call_screen(public_id: str):
    call = _load(public_id)
    audit.record(current_user, "read", "call", public_id, view="call")
    return _render_call(call)


def _move_from_form():
    form = request.form
    return calls.Move.parse(form.get("action", ""), text=form.get("text", ""), seconds=form.get("seconds"))


@bp.post("/calls/<public_id>/move")
def move(public_id: str):
    call = _load(public_id, play=True)
    try:
        calls.take_move(call, _move_from_form())
    except calls.ServiceError as exc:
        return _render_call(calls.get_call(public_id), t("err_" + exc.code, call.lang) if exc.code else str(exc),
                            exc.status)
    call = calls.get_call(public_id)
    if not call.active:
        return redirect(url_for("practice.report", public_id=public_id), code=303)
    return redirect(url_for("practice.call_screen", public_id=public_id, _anchor="reply"), code=303)


@bp.get("/calls/<public_id>/report")
def report(public_id: str):
    call = _load(public_id)
    if call.active:
        return redirect(url_for("practice.call_screen", public_id=public_id))
    audit.record(current_user, "read", "call", public_id, view="report")
    return render_template("practice/report.html", call=call, r=calls.report_for(call))
