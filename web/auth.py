"""Login, logout and the language switch, with server-side sessions that logout really ends.

Flask's session cookie is client-side, so a copied cookie would outlive logout. Each login
therefore gets a random token stored (hashed) in `user_sessions` and in the cookie; the user
loader accepts a cookie only while its row exists and matches the user's `session_version`.
Logout deletes the row; bumping `session_version` ends every session of a user at once.
"""
from __future__ import annotations

import functools
import hashlib
import secrets

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import delete, select
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from web import audit
from web.extensions import db, limiter, login_manager
from web.passwords import hash_password, verify_password
from web.tables import LOCALES, User, UserSession

bp = Blueprint("auth", __name__)

LOGIN_RATE = "10/minute"


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both failures take the same time."""
    return hash_password(secrets.token_hex(8))


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = StringField(validators=[AnyOf(LOCALES)])
    next = HiddenField()


# -- sessions -----------------------------------------------------------------------------
def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> None:
    """Throw away whatever the browser's session held and open a fresh server-side session."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(token), user_id=user.id, session_version=user.session_version))
    db.session.commit()
    login_user(user)
    session["sid"] = token


def end_session() -> None:
    """Delete this browser's server-side session and clear its cookie."""
    token = session.get("sid")
    if token:
        db.session.execute(delete(UserSession).where(UserSession.id == _digest(token)))
        db.session.commit()
    logout_user()
    session.clear()


def revoke_all_sessions(user: User) -> None:
    """End every live session of `user` (password change, deactivation)."""
    user.session_version += 1
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.commit()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get("sid")
    if not token:
        return None
    row = db.session.get(UserSession, _digest(token))
    if row is None or str(row.user_id) != str(user_id):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active or row.session_version != user.session_version:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        return jsonify(error="login required"), 401
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    return user if user.check_password(password) and user.active else None


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def home_url() -> str:
    endpoint = current_app.config.get("HOME_ENDPOINT", "practice.catalogue")
    return url_for(endpoint) if endpoint in current_app.view_functions else "/"


# -- views ------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_RATE, methods=["POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            start_session(user)
            audit.record(user, "login", "user", user.id)
            return redirect(safe_next(form.next.data) or home_url())
        audit.record(None, "login", "user", "", ok=False, username=form.username.data[:64])
        flash(_l("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    audit.record(current_user, "logout", "user", current_user.id, commit=False)
    end_session()
    flash(_l("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang", methods=["POST"])
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
        else:
            session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data) or safe_next(request.referrer and _path(request.referrer)) or home_url())


def _path(url: str) -> str | None:
    """The path of `url` when it points at this host."""
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def select_locale() -> str:
    """The UI language: the user's setting, else this browser's choice, else the browser's header."""
    if current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    if session.get("lang") in LOCALES:
        return session["lang"]
    return request.accept_languages.best_match(LOCALES) or current_app.config["BABEL_DEFAULT_LOCALE"]



ROLE_LABELS = {"trainee": _l("Trainee"), "supervisor": _l("Supervisor"),
               "coordinator": _l("Coordinator"), "admin": _l("Administrator")}


def init_app(app) -> None:
    """Template helpers for the account bar: the UI language and role names."""
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
    app.jinja_env.globals["role_label"] = lambda role: str(ROLE_LABELS.get(role, role))


@bp.get("/csrf-token")
@login_required
def csrf_token():
    """A CSRF token for API clients: send it back in an X-CSRFToken header on every POST."""
    from flask_wtf.csrf import generate_csrf
    return jsonify(csrf_token=generate_csrf())
