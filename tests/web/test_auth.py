"""Login, logout revocation, CSRF, rate limiting, language switch and security headers."""
from __future__ import annotations

import pytest
from flask_login import login_required
from sqlalchemy import select

from role_fixtures import _cheap_hashes, acct_app, client_for, login, make_app, play_call, trainee  # noqa: F401
from web.extensions import db, limiter
from web.tables import AuditEvent, User, UserSession


def _add_whoami(app):
    @app.get("/_whoami")
    @login_required
    def whoami():
        from flask_login import current_user
        return current_user.username
    return app


def _sid(client) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("sid")


def test_login_ok_redirects_and_audits(acct_app):
    client = acct_app.test_client()
    response = login(client, "trainee1")
    assert response.status_code == 302
    with acct_app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login")).all()
        assert [e.detail.get("ok", True) for e in events] == [True]
        assert events[0].at.tzinfo is not None


def test_login_bad_password_and_unknown_user_refused(acct_app):
    client = acct_app.test_client()
    assert login(client, "trainee1", "wrong").status_code == 401
    assert login(client, "nobody", "wrong").status_code == 401
    assert _sid(client) is None
    assert client.get("/lang").status_code == 405


def test_inactive_user_cannot_log_in(acct_app):
    with acct_app.app_context():
        db.session.scalar(select(User).where(User.username == "trainee1")).active = False
        db.session.commit()
    assert login(acct_app.test_client(), "trainee1").status_code == 401


def test_passwords_are_argon2(acct_app):
    with acct_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "admin1"))
        assert user.password_hash.startswith("$argon2id$")
        assert user.check_password("demo-admin") and not user.check_password("demo-admin ")


def test_new_session_on_login(acct_app):
    client = acct_app.test_client()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker before login"
    login(client, "trainee1")
    first = _sid(client)
    with client.session_transaction() as sess:
        assert "planted" not in sess and first
    client.post("/logout")
    login(client, "trainee1")
    assert _sid(client) not in (None, first)


def test_cookie_copied_before_logout_is_refused_after(_cheap_hashes):
    app = _add_whoami(make_app())
    client = app.test_client()
    login(client, "trainee1")
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.get("/_whoami").data == b"trainee1"
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    response = thief.get("/_whoami")
    assert response.status_code == 302 and "/login" in response.location
    with app.app_context():
        assert db.session.scalar(select(UserSession)) is None


def test_bumping_session_version_ends_every_session(_cheap_hashes):
    app = _add_whoami(make_app())
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "trainee1")
    login(laptop, "trainee1")
    with app.app_context():
        from web.auth import revoke_all_sessions
        revoke_all_sessions(db.session.scalar(select(User).where(User.username == "trainee1")))
    assert phone.get("/_whoami").status_code == 302
    assert laptop.get("/_whoami").status_code == 302


def test_logout_is_post_only(trainee):
    assert trainee.get("/logout").status_code == 405
    assert trainee.post("/logout").status_code == 302


def test_csrf_refuses_form_post_without_token(_cheap_hashes):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "trainee1", "password": "demo-trainee"})
    assert response.status_code == 400
    assert _sid(client) is None


def test_csrf_token_from_login_page_is_accepted(_cheap_hashes):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "trainee1", "password": "demo-trainee", "csrf_token": token})
    assert response.status_code == 302 and _sid(client)


def test_login_rate_limit_answers_429(_cheap_hashes):
    app = make_app(RATELIMIT_ENABLED=True)
    limiter.reset()
    client = app.test_client()
    statuses = [login(client, "trainee1", "wrong").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    limiter.reset()


def test_language_switch_anonymous_and_per_user(acct_app):
    client = acct_app.test_client()
    assert 'lang="zh-CN"' in client.get("/login").get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/login"})
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    login(client, "trainee1")  # trainee1's own setting (zh) wins once logged in
    client.post("/lang", data={"lang": "en"})
    with acct_app.app_context():
        assert db.session.scalar(select(User.locale).where(User.username == "trainee1")) == "en"


def test_open_redirect_refused(acct_app):
    client = acct_app.test_client()
    response = client.post("/login", data={"username": "trainee1", "password": "demo-trainee",
                                           "next": "//evil.example/x"})
    assert response.status_code == 302 and "evil" not in response.location


def test_security_headers_everywhere(acct_app):
    headers = acct_app.test_client().get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Referrer-Policy" in headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp


def test_report_and_transcript_pages_are_not_stored(acct_app, client_for):
    public_id = play_call(acct_app, "trainee1")
    client = client_for("trainee1")
    for url in (f"/calls/{public_id}/report", f"/api/v1/calls/{public_id}", f"/api/v1/calls/{public_id}/report"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_static_files_stay_cacheable(acct_app):
    response = acct_app.test_client().get("/static/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _compiled_translations(tmp_path) -> str:
    """The committed .po catalogues compiled into tmp_path (the tree is left alone)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from web.config import ROOT
    for po in (ROOT / "web" / "translations").glob("*/LC_MESSAGES/messages.po"):
        out = tmp_path / po.relative_to(ROOT / "web" / "translations")
        out.parent.mkdir(parents=True)
        with po.open("rb") as f, out.with_suffix(".mo").open("wb") as g:
            write_mo(g, read_po(f, locale=po.parts[-3]))
    return str(tmp_path)


def test_pages_in_chinese_and_english_per_user(_cheap_hashes, tmp_path):
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=_compiled_translations(tmp_path))
    client = app.test_client()
    assert ">登录</h1>" in client.get("/login").get_data(as_text=True)  # default zh
    client.post("/lang", data={"lang": "en"})
    assert ">Log in</h1>" in client.get("/login").get_data(as_text=True)
    login(client, "admin1")  # admin1 prefers English
    page = client.get("/").get_data(as_text=True)
    assert "Log out" in page and "Administrator" in page
    client.post("/lang", data={"lang": "zh"})
    page = client.get("/").get_data(as_text=True)
    assert "退出登录" in page and "管理员" in page


def test_every_auth_string_has_a_chinese_translation():
    from babel.messages.pofile import read_po
    from web.config import ROOT
    with (ROOT / "web/translations/zh/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="zh")
    ours = [m for m in catalog if m.id and any(loc[0].startswith(("web/auth.py", "web/templates/auth/",
                                                                  "web/templates/base.html"))
                                                for loc in m.locations)]
    assert ours and all(m.string for m in ours), [m.id for m in ours if not m.string]
