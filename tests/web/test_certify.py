"""Certification: policy gating, exceptions, the certificate PDF, verification states,
recertification, revocation, progress page, exports, and who may open what."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from role_fixtures import _cheap_hashes, user_id  # noqa: F401
from supervision_helpers import GOOD, SUICIDE_GOOD, approve, client, play, rows, sv_app  # noqa: F401
from web.extensions import db
from web.tables import AuditEvent, Certificate


def meet_policy(app, username="trainee1") -> None:
    """Two practice calls, an approved silent pass and an approved imminent-risk suicidal pass."""
    approve(app, play(app, username, replies=GOOD))
    approve(app, play(app, username, "sv_suicidal", SUICIDE_GOOD))


def certify(app, username="trainee1", reason=""):
    return client(app, "coordinator1").post(f"/certify/trainees/{user_id(app, username)}",
                                            data={"exception_reason": reason})


def only_certificate(app) -> Certificate:
    with app.app_context():
        certs = rows(Certificate)
        assert len(certs) == 1
        db.session.expunge(certs[0])
        return certs[0]


def test_dashboard_shows_what_is_missing(sv_app):
    play(sv_app, "trainee1", replies=GOOD)
    page = client(sv_app, "coordinator1").get("/certify/").get_data(as_text=True)
    assert "1/2 次练习通话" in page and "0/1 次督导认可通过的沉默来电" in page


def test_certify_refused_when_policy_unmet_without_reason(sv_app):
    response = certify(sv_app)
    assert response.status_code == 409
    with sv_app.app_context():
        assert rows(Certificate) == []
    assert certify(sv_app, reason="   ").status_code == 409


def test_certify_with_exception_reason_is_recorded(sv_app):
    assert certify(sv_app, reason="资深志愿者转岗，经主任批准").status_code == 303
    cert = only_certificate(sv_app)
    assert cert.exception_reason == "资深志愿者转岗，经主任批准"
    assert cert.policy_id == "sv_policy" and cert.policy_version == 3
    assert cert.expires_at - cert.issued_at > timedelta(days=360)
    with sv_app.app_context():
        created = [e for e in rows(AuditEvent, action="create") if e.object_type == "certificate"]
        assert created[0].object_id == cert.code and created[0].detail["exception"] is True


def test_certify_without_reason_once_policy_met(sv_app):
    meet_policy(sv_app)
    page = client(sv_app, "coordinator1").get("/certify/").get_data(as_text=True)
    assert "policy-met" in page
    assert certify(sv_app).status_code == 303
    cert = only_certificate(sv_app)
    assert cert.exception_reason is None and cert.progress["imminent"] == [1, 1]


def test_needs_work_decision_does_not_count(sv_app):
    call = play(sv_app, "trainee1", replies=GOOD)
    play(sv_app, "trainee1", replies=GOOD)
    client(sv_app, "supervisor1").post(f"/review/calls/{call}/decision", data={"decision": "needs_work"})
    assert certify(sv_app).status_code == 409


def test_pdf_embeds_a_cjk_font(sv_app):
    certify(sv_app, reason="test")
    cert = only_certificate(sv_app)
    response = client(sv_app, "coordinator1").get(f"/certify/certificates/{cert.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF")
    assert b"WenQuanYi" in data and b"/FontFile2" in data
    assert client(sv_app, "trainee1").get(f"/certify/certificates/{cert.code}.pdf").status_code == 200  # the holder
    assert client(sv_app, "trainee2").get(f"/certify/certificates/{cert.code}.pdf").status_code == 404


def test_pdf_without_font_fails_clearly(_cheap_hashes, tmp_path):
    from supervision_helpers import make_sv_app
    app = make_sv_app(CERT_FONT=str(tmp_path / "missing.ttf"))
    certify(app, reason="test")
    cert = only_certificate(app)
    response = client(app, "coordinator1").get(f"/certify/certificates/{cert.code}.pdf")
    assert response.status_code == 500
    assert "fonts-wqy-zenhei" in response.get_data(as_text=True)


def test_verify_states_valid_revoked_expired_superseded(sv_app):
    anon = sv_app.test_client()
    assert anon.get("/verify/HL-NOPE-NOPE-NOPE").status_code == 404
    certify(sv_app, reason="test")
    cert = only_certificate(sv_app)
    page = anon.get(f"/verify/{cert.code}")
    assert page.status_code == 200 and 'status-valid' in page.get_data(as_text=True)
    assert "trainee1" not in page.get_data(as_text=True)          # display name only, no username
    assert "实习接线员一" in page.get_data(as_text=True)

    with sv_app.app_context():
        row = db.session.get(Certificate, cert.id)
        row.expires_at = datetime.now(timezone.utc) - timedelta(days=1)
        db.session.commit()
    assert "status-expired" in anon.get(f"/verify/{cert.code}").get_data(as_text=True)

    certify(sv_app, reason="recertified after refresher")        # recertification supersedes
    assert "status-superseded" in anon.get(f"/verify/{cert.code}").get_data(as_text=True)
    with sv_app.app_context():
        new = [c for c in rows(Certificate) if c.code != cert.code][0]
        new_code = new.code
    assert "status-valid" in anon.get(f"/verify/{new_code}").get_data(as_text=True)

    coordinator = client(sv_app, "coordinator1")
    coordinator.post(f"/certify/certificates/{new_code}/revoke", data={"reason": ""})
    assert "status-valid" in anon.get(f"/verify/{new_code}").get_data(as_text=True)   # no reason: refused
    assert coordinator.post(f"/certify/certificates/{new_code}/revoke",
                            data={"reason": "违反保密规定"}).status_code == 303
    revoked = anon.get(f"/verify/{new_code}").get_data(as_text=True)
    assert "status-revoked" in revoked and "违反保密规定" not in revoked      # the reason stays internal


def test_progress_page_has_chart_data(sv_app):
    play(sv_app, "trainee1", replies=GOOD)
    play(sv_app, "trainee1", "sv_suicidal", SUICIDE_GOOD)
    trainee = client(sv_app, "trainee1")
    page = trainee.get("/progress/").get_data(as_text=True)
    blob = page.split('id="progress-data">')[1].split("</script>")[0]
    data = json.loads(blob)
    assert set(data["series"]) == {"silent", "suicidal"} and len(data["labels"]) == 2
    assert {s["skill"] for s in data["skills"]} >= {"greeting_identify", "reflection_feeling", "suicide_inquiry"}
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert trainee.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200
    assert client(sv_app, "supervisor1").get(f"/progress/trainees/{user_id(sv_app, 'trainee1')}").status_code == 200
    assert client(sv_app, "supervisor1").get(f"/progress/trainees/{user_id(sv_app, 'trainee2')}").status_code == 404


@pytest.mark.parametrize("kind", ["calls", "scores", "reviews", "certificates"])
def test_exports_csv_and_json(sv_app, kind):
    call = play(sv_app, "trainee1", replies=GOOD)
    approve(sv_app, call, empathy=("missed", "套话"))
    certify(sv_app, reason="test")
    coordinator = client(sv_app, "coordinator1")
    records = json.loads(coordinator.get(f"/exports/{kind}.json").get_data(as_text=True))
    assert len(records) == 1
    table = list(csv.DictReader(io.StringIO(coordinator.get(f"/exports/{kind}.csv").get_data(as_text=True)
                                            .lstrip("\ufeff"))))
    assert len(table) == 1 and set(table[0]) == set(records[0])
    if kind == "reviews":
        assert records[0]["overrides"] == [{"item": "empathy", "auto": "met", "result": "missed", "reason": "套话"}]
    with sv_app.app_context():
        assert any(e.detail.get("view") == "export" for e in rows(AuditEvent, action="read"))


ROUTES = [("get", "/review/"), ("get", "/review/agreement"), ("get", "/review/agreement.csv"),
          ("get", "/progress/"), ("get", "/certify/"), ("get", "/exports/"), ("get", "/exports/calls.csv")]
EXPECTED = {  # role -> statuses in ROUTES order
    "trainee": [403, 403, 403, 200, 403, 403, 403],
    "supervisor": [200, 200, 200, 403, 403, 403, 403],
    "coordinator": [403, 200, 200, 403, 200, 200, 200],
    "admin": [200, 200, 200, 403, 200, 200, 200],
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("index", range(len(ROUTES)))
def test_role_matrix(sv_app, role, index):
    method, path = ROUTES[index]
    user = {"trainee": "trainee1", "supervisor": "supervisor1", "coordinator": "coordinator1", "admin": "admin1"}[role]
    assert getattr(client(sv_app, user), method)(path).status_code == EXPECTED[role][index]


@pytest.mark.parametrize("path", ["/review/", "/progress/", "/certify/", "/exports/"])
def test_anonymous_is_sent_to_login(sv_app, path):
    response = sv_app.test_client().get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_state_changes_are_post_only(sv_app):
    certify(sv_app, reason="test")
    cert = only_certificate(sv_app)
    coordinator = client(sv_app, "coordinator1")
    assert coordinator.get(f"/certify/certificates/{cert.code}/revoke").status_code == 405
    assert coordinator.get(f"/certify/trainees/{user_id(sv_app, 'trainee1')}").status_code == 405


def test_csrf_refuses_review_and_certify_posts_without_token(_cheap_hashes):
    from supervision_helpers import make_sv_app
    app = make_sv_app(WTF_CSRF_ENABLED=True)
    call = play(app, "trainee1", replies=GOOD)
    for username, path, data in [("supervisor1", f"/review/calls/{call}/decision", {"decision": "approved"}),
                                 ("coordinator1", f"/certify/trainees/{user_id(app, 'trainee1')}",
                                  {"exception_reason": "x"}),
                                 ("trainee1", f"/calls/{call}/submit-review", {})]:
        c = app.test_client()
        page = c.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        from role_fixtures import login  # noqa: F401  (password lookup)
        from web.demo import ACCOUNTS
        password = next(a.password for a in ACCOUNTS if a.username == username)
        assert c.post("/login", data={"username": username, "password": password, "csrf_token": token}).status_code == 302
        assert c.post(path, data=data).status_code == 400
    with app.app_context():
        assert rows(Certificate) == [] and rows(AuditEvent, object_type="review") == []
