"""Who may do what: role decorators, object-level checks on calls, and response security headers.

Object-level denials answer 404, never 403, so nobody learns that another trainee's call exists.
Role denials (a trainee on a supervisor page) answer 403: the page's existence is no secret.
"""
from __future__ import annotations

import secrets
from functools import wraps
from typing import Callable

from flask import Flask, abort, current_app, g, request
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from web.extensions import db
from web.tables import CallRecord, SupervisorCohort, User

ALL_STAFF = ("supervisor", "coordinator", "admin")
SEES_EVERYTHING = ("coordinator", "admin")


def roles_required(*roles: str) -> Callable:
    """Require a logged-in user whose role is one of `roles` (403 otherwise)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def supervised_cohort_ids(user: User) -> set[int]:
    """Ids of the cohorts assigned to supervisor `user`."""
    rows = db.session.scalars(select(SupervisorCohort.cohort_id).where(SupervisorCohort.supervisor_id == user.id))
    return set(rows)


def can_read_call(user: User, call: CallRecord) -> bool:
    """Trainees read their own calls, supervisors their cohorts' calls, coordinators and admins all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in SEES_EVERYTHING or call.trainee_id == user.id:
        return True
    if user.role == "supervisor" and call.trainee_id is not None:
        trainee = db.session.get(User, call.trainee_id)
        return trainee is not None and trainee.cohort_id in supervised_cohort_ids(user)
    return False


def can_play_call(user: User, call: CallRecord) -> bool:
    """Only the trainee who owns a call may speak, wait or hang up in it."""
    return getattr(user, "is_authenticated", False) and call.trainee_id == user.id


def visible_calls(user: User) -> Select:
    """A select of the CallRecords `user` may read (add ordering and paging yourself)."""
    query = select(CallRecord)
    if user.role in SEES_EVERYTHING:
        return query
    if user.role == "trainee":
        return query.where(CallRecord.trainee_id == user.id)
    if user.role == "supervisor":
        trainees = select(User.id).where(User.cohort_id.in_(
            select(SupervisorCohort.cohort_id).where(SupervisorCohort.supervisor_id == user.id)))
        return query.where(CallRecord.trainee_id.in_(trainees))
    return query.where(False)


def readable_call_or_404(public_id: str) -> CallRecord:
    """The call named `public_id` if the current user may read it; 404 whether missing or forbidden."""
    call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == public_id))
    if call is None or not can_read_call(current_user, call):
        abort(404)
    return call


def playable_call_or_404(public_id: str) -> CallRecord:
    """The call named `public_id` if the current user owns it (only owners play); 404 otherwise."""
    call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == public_id))
    if call is None or not can_play_call(current_user, call):
        abort(404)
    return call


# -- response headers ---------------------------------------------------------------------
def csp_nonce() -> str:
    """A per-request nonce for the few inline <script> blocks templates need."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    # Everything is served by the app itself (the machines are offline): no CDN, no eval.
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    # Transcripts and reports are confidential, and forms carry CSRF tokens: only static files are cacheable.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def login_guard():
    """A before_request hook for whole blueprints: everyone must be logged in (401 JSON under /api/)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def trainee_or_404(user_id: int) -> User:
    """The trainee with this id, or a 404 (also for a non-trainee, so ids reveal nothing)."""
    user = db.session.get(User, user_id)
    if user is None or user.role != "trainee":
        abort(404)
    return user
