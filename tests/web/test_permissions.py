"""Who may reach what: a role × route matrix over EVERY route in the app, object-level call access,
the retention purge's refusal, and no state change on GET.

A new route fails `test_every_route_has_an_expected_access` until it gets a row in EXPECTED.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from role_fixtures import _cheap_hashes, acct_app, login, make_app, play_call, user_id  # noqa: F401
from web import create_app
from web.config import TestingConfig
from web.extensions import db
from web.tables import AuditEvent, CallRecord, CallTurn, ScoreRecord

# Columns of the matrix: who is asking. "stranger" is a trainee of another cohort (Cohort B).
WHO = {"anon": None, "trainee": "trainee1", "stranger": "trainee2", "supervisor": "supervisor1",
       "coordinator": "coordinator1", "admin": "admin1"}
LOGIN = "login"  # HTML: 302 to /login?next=…; under /api/: 401
ALL = dict.fromkeys(WHO)


def row(anon, trainee, stranger, supervisor, coordinator, admin) -> dict:
    return dict(zip(WHO, (anon, trainee, stranger, supervisor, coordinator, admin)))


# (endpoint, method) -> expected answer per asker. The call in URLs belongs to trainee1 (Cohort A,
# supervised by supervisor1); moves use an active call, everything else an ended, scored one.
EXPECTED: dict[tuple[str, str], dict] = {
    ("static", "GET"): row(200, 200, 200, 200, 200, 200),
    ("auth.login", "GET"): row(200, 200, 200, 200, 200, 200),
    ("auth.login", "POST"): row(401, 401, 401, 401, 401, 401),  # wrong password: refused, but reachable
    ("auth.logout", "POST"): row(LOGIN, 302, 302, 302, 302, 302),
    ("auth.set_language", "POST"): row(302, 302, 302, 302, 302, 302),
    ("auth.csrf_token", "GET"): row(LOGIN, 200, 200, 200, 200, 200),
    ("practice.catalogue", "GET"): row(LOGIN, 200, 200, 200, 200, 200),
    ("practice.start", "POST"): row(LOGIN, 303, 303, 403, 403, 403),
    ("practice.call_screen", "GET"): row(LOGIN, 200, 404, 200, 200, 200),
    ("practice.move", "POST"): row(LOGIN, 303, 404, 404, 404, 404),
    ("practice.report", "GET"): row(LOGIN, 200, 404, 200, 200, 200),
    ("api.scenarios", "GET"): row(LOGIN, 200, 200, 200, 200, 200),
    ("api.start_call", "POST"): row(LOGIN, 201, 201, 403, 403, 403),
    ("api.take_move", "POST"): row(LOGIN, 200, 404, 404, 404, 404),
    ("api.get_call", "GET"): row(LOGIN, 200, 404, 200, 200, 200),
    ("api.get_report", "GET"): row(LOGIN, 200, 404, 200, 200, 200),
    # supervision and certification (issue 4 part B); empty forms: reachable, then refused as 400/409
    ("review.queue", "GET"): row(LOGIN, 403, 403, 200, 403, 200),
    ("review.review_call", "GET"): row(LOGIN, 403, 403, 200, 403, 200),
    ("review.override", "POST"): row(LOGIN, 403, 403, 400, 403, 400),
    ("review.comment", "POST"): row(LOGIN, 403, 403, 400, 403, 400),
    ("review.decision", "POST"): row(LOGIN, 403, 403, 400, 403, 400),
    ("review.submit", "POST"): row(LOGIN, 303, 404, 404, 404, 404),
    ("review.feedback", "GET"): row(LOGIN, 200, 404, 200, 200, 200),
    ("review.agreement", "GET"): row(LOGIN, 403, 403, 200, 200, 200),
    ("review.agreement_csv", "GET"): row(LOGIN, 403, 403, 200, 200, 200),
    ("progress.mine", "GET"): row(LOGIN, 200, 200, 403, 403, 403),
    ("progress.trainee", "GET"): row(LOGIN, 403, 403, 200, 200, 200),
    ("certify.dashboard", "GET"): row(LOGIN, 403, 403, 403, 200, 200),
    ("certify.certify", "POST"): row(LOGIN, 403, 403, 403, 409, 409),
    ("certify.revoke", "POST"): row(LOGIN, 403, 403, 403, 404, 404),
    ("certify.pdf", "GET"): row(LOGIN, 404, 404, 404, 404, 404),
    ("certify.verify", "GET"): row(404, 404, 404, 404, 404, 404),  # public; the code in the URL does not exist
    ("exports.index", "GET"): row(LOGIN, 403, 403, 403, 200, 200),
    ("exports.download", "GET"): row(LOGIN, 403, 403, 403, 200, 200),
    # background jobs (web/jobs_views.py): staff start re-scoring (eager in tests: runs inline, then 303);
    # the job in the URL does not exist, so staff get 404
    ("jobs.index", "GET"): row(LOGIN, 403, 403, 200, 200, 200),
    ("jobs.rescore", "POST"): row(LOGIN, 403, 403, 303, 303, 303),
    ("jobs.status", "GET"): row(LOGIN, 403, 403, 404, 404, 404),
    # administration (web/admin.py): admins change; coordinators read the account and cohort lists only.
    # Empty forms are refused with 400; deactivate/reactivate need no fields (the URL's user is trainee1).
    ("admin.users", "GET"): row(LOGIN, 403, 403, 403, 200, 200),
    ("admin.new_user", "GET"): row(LOGIN, 403, 403, 403, 403, 200),
    ("admin.create_user", "POST"): row(LOGIN, 403, 403, 403, 403, 400),
    ("admin.edit_user", "GET"): row(LOGIN, 403, 403, 403, 403, 200),
    ("admin.update_user", "POST"): row(LOGIN, 403, 403, 403, 403, 400),
    ("admin.deactivate", "POST"): row(LOGIN, 403, 403, 403, 403, 303),
    ("admin.reactivate", "POST"): row(LOGIN, 403, 403, 403, 403, 303),
    ("admin.reset_password", "POST"): row(LOGIN, 403, 403, 403, 403, 400),
    ("admin.cohorts", "GET"): row(LOGIN, 403, 403, 403, 200, 200),
    ("admin.create_cohort", "POST"): row(LOGIN, 403, 403, 403, 403, 400),
    ("admin.update_cohort", "POST"): row(LOGIN, 403, 403, 403, 403, 400),
    ("admin.assign_supervisor", "POST"): row(LOGIN, 403, 403, 403, 403, 400),
    ("admin.unassign_supervisor", "POST"): row(LOGIN, 403, 403, 403, 403, 400),
    ("admin.audit_log", "GET"): row(LOGIN, 403, 403, 403, 403, 200),
    ("admin.audit_csv", "GET"): row(LOGIN, 403, 403, 403, 403, 200),
}

# What a request to each endpoint sends (form data, JSON body); moves are on the active call.
PAYLOADS: dict[str, dict] = {
    "auth.login": {"data": {"username": "trainee1", "password": "wrong"}},
    "auth.set_language": {"data": {"lang": "en"}},
    "practice.start": {"data": {"scenario": "SCENARIO", "lang": "zh"}},
    "practice.move": {"data": {"action": "wait", "seconds": "5"}},
    "api.start_call": {"json": {"scenario": "SCENARIO", "lang": "zh"}},
    "api.take_move": {"json": {"wait": 5}},
}
ACTIVE_CALL_ENDPOINTS = {"practice.move", "api.take_move"}


def _routes() -> list[tuple[str, str, str]]:
    app = create_app(TestingConfig)
    return sorted({(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


ROUTES = _routes()


def test_every_route_has_an_expected_access():
    missing = [(e, m, r) for e, m, r in ROUTES if (e, m) not in EXPECTED]
    stale = sorted(set(EXPECTED) - {(e, m) for e, m, _ in ROUTES})
    assert not missing, f"routes without a row in EXPECTED (add one): {missing}"
    assert not stale, f"rows in EXPECTED for routes that no longer exist: {stale}"


def _url(app, endpoint: str, rule: str, ended: str, active: str) -> str:
    from flask import url_for
    args = {}
    if "<public_id>" in rule:
        args["public_id"] = active if endpoint in ACTIVE_CALL_ENDPOINTS else ended
    if "<path:filename>" in rule:
        args["filename"] = "app.css"
    if "<int:user_id>" in rule:
        args["user_id"] = user_id(app, "trainee1")
    if "<int:job_id>" in rule:
        args["job_id"] = 999999
    if "<int:cohort_id>" in rule:
        args["cohort_id"] = _cohort_id(app, "Cohort A")
    for name, value in (("code", "HL-NONE-NONE-NONE"), ("kind", "calls"), ("fmt", "csv")):
        if f"<{name}>" in rule:
            args[name] = value
    with app.test_request_context():
        return url_for(endpoint, **args)


def _cohort_id(app, name: str) -> int:
    from web.tables import Cohort
    with app.app_context():
        return db.session.scalar(select(Cohort.id).where(Cohort.name == name))


def _check(response, expected, url: str) -> None:
    status, where = response.status_code, response.headers.get("Location", "")
    if expected == LOGIN:
        if url.startswith("/api/"):
            assert status == 401 and response.is_json, (url, status)
        else:
            assert status == 302 and "/login?next=" in where, (url, status, where)
        return
    assert status == expected, (url, status, response.get_data(as_text=True)[:300])
    if status in (301, 302, 303):
        assert "/login?next=" not in where, (url, where)


@pytest.mark.parametrize("who", list(WHO))
@pytest.mark.parametrize("endpoint,method,rule", ROUTES)
def test_permission_matrix(acct_app, endpoint, method, rule, who):
    if (endpoint, method) not in EXPECTED:
        pytest.fail(f"no expected access for {method} {rule} ({endpoint}): add a row to EXPECTED")
    ended, active = play_call(acct_app, "trainee1"), play_call(acct_app, "trainee1", hang_up=False)
    client = acct_app.test_client()
    if WHO[who]:
        assert login(client, WHO[who]).status_code == 302
    url = _url(acct_app, endpoint, rule, ended, active)
    payload = _payload(acct_app, endpoint)
    response = client.open(url, method=method, **payload)
    _check(response, EXPECTED[(endpoint, method)][who], url)


def _payload(app, endpoint: str) -> dict:
    from web import calls
    with app.app_context():
        scenario = calls.list_scenarios(lang="zh")[0].id
    payload = {k: dict(v) for k, v in PAYLOADS.get(endpoint, {}).items()}
    for body in payload.values():
        if body.get("scenario") == "SCENARIO":
            body["scenario"] = scenario
    return payload


# -- object level ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/calls/{id}", "/calls/{id}/report", "/api/v1/calls/{id}",
                                  "/api/v1/calls/{id}/report"])
@pytest.mark.parametrize("reader", ["trainee1", "supervisor1"])
def test_others_calls_are_invisible(acct_app, path, reader):
    """Trainee A cannot read trainee B's call; supervisor of Cohort A cannot read Cohort B's (page and API)."""
    theirs = play_call(acct_app, "trainee2")
    client = acct_app.test_client()
    login(client, reader)
    response = client.get(path.format(id=theirs))
    assert response.status_code == 404
    assert theirs not in response.get_data(as_text=True)
    assert client.get(path.format(id="no-such-call")).status_code == 404  # same answer: existence not leaked


def test_others_active_call_cannot_be_played(acct_app):
    theirs = play_call(acct_app, "trainee2", hang_up=False)
    client = acct_app.test_client()
    login(client, "trainee1")
    assert client.post(f"/api/v1/calls/{theirs}/turns", json={"hang_up": True}).status_code == 404
    assert client.post(f"/calls/{theirs}/move", data={"action": "hang_up"}).status_code == 404
    with acct_app.app_context():
        assert db.session.scalar(select(CallRecord.status).where(CallRecord.public_id == theirs)) == "active"


def test_new_call_belongs_to_the_trainee_and_reads_are_audited(acct_app):
    client = acct_app.test_client()
    login(client, "trainee2")
    from web import calls
    with acct_app.app_context():
        scenario = calls.list_scenarios(lang="zh")[0].id
    public_id = client.post("/api/v1/calls", json={"scenario": scenario, "lang": "zh"}).get_json()["id"]
    client.get(f"/api/v1/calls/{public_id}")
    with acct_app.app_context():
        call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == public_id))
        from web.tables import User
        assert call.trainee_id == db.session.scalar(select(User.id).where(User.username == "trainee2"))
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "read")).all()
        assert [(e.actor_id, e.object_id) for e in reads] == [(call.trainee_id, public_id)]


# -- GET never changes state ----------------------------------------------------------------
def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t))
                for t in db.metadata.sorted_tables if t.name != "audit_events"}  # reads are audited, by design


@pytest.mark.parametrize("who", ["trainee1", "supervisor1", "admin1"])
def test_get_never_changes_state(acct_app, who):
    ended, active = play_call(acct_app, "trainee1"), play_call(acct_app, "trainee1", hang_up=False)
    client = acct_app.test_client()
    login(client, who)
    before = _counts(acct_app)
    for endpoint, method, rule in ROUTES:
        if method == "GET":
            client.get(_url(acct_app, endpoint, rule, ended, active))
    assert _counts(acct_app) == before
    assert client.get("/logout").status_code == 405


# -- retention purge --------------------------------------------------------------------------
def _age(app, public_id: str, days: int) -> None:
    with app.app_context():
        call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == public_id))
        call.created_at = datetime.now(timezone.utc) - timedelta(days=days)
        db.session.commit()


def test_purge_refuses_records_younger_than_three_years(acct_app):
    young = play_call(acct_app, "trainee1")
    _age(acct_app, young, 365 * 2)
    result = acct_app.test_cli_runner().invoke(args=["purge", "--before", date.today().isoformat()])
    assert result.exit_code != 0
    assert "REFUSED" in result.output and young in result.output and "3 years" in result.output
    with acct_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CallRecord)) == 1
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "purge"))
        assert event.detail["refused"] is True


def test_purge_deletes_only_old_records_with_their_turns_and_scores(acct_app):
    old, young = play_call(acct_app, "trainee1"), play_call(acct_app, "trainee2")
    _age(acct_app, old, 365 * 4)
    _age(acct_app, young, 365 * 2 + 300)
    cutoff = (date.today() - timedelta(days=365 * 3 + 2)).isoformat()
    result = acct_app.test_cli_runner().invoke(args=["purge", "--before", cutoff])
    assert result.exit_code == 0, result.output
    assert old in result.output
    with acct_app.app_context():
        left = db.session.scalars(select(CallRecord.public_id)).all()
        assert left == [young]
        young_id = db.session.scalar(select(CallRecord.id).where(CallRecord.public_id == young))
        assert set(db.session.scalars(select(CallTurn.call_id))) == {young_id}
        assert set(db.session.scalars(select(ScoreRecord.call_id))) == {young_id}
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "purge")).detail["refused"] is False
