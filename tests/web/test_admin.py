"""Administration: accounts (create, edit, deactivate, reset password), cohorts and supervisor
assignments, the audit-log viewer and its CSV, and the refusals (self-demotion, weak passwords, CSRF)."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from role_fixtures import (_cheap_hashes, acct_app, admin, client_for, coordinator, login, make_app,  # noqa: F401
                           play_call, user_id)
from web import audit
from web.extensions import db
from web.tables import AuditEvent, Cohort, SupervisorCohort, User

STRONG = "correct-horse-42"


def _cohort_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Cohort.id).where(Cohort.name == name))


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def _events(app, **where) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            query = query.where(getattr(AuditEvent, column) == value)
        return db.session.scalars(query).all()


def _new_user(admin, app, username="newvol", password=STRONG, role="trainee", cohort="Cohort A"):
    return admin.post("/admin/users/", data={"username": username, "display_name": "New Volunteer", "role": role,
                                             "cohort_id": _cohort_id(app, cohort) if cohort else "",
                                             "locale": "en", "password": password})


# -- accounts --------------------------------------------------------------------------------
def test_created_user_can_log_in_and_creation_is_audited(acct_app, admin):
    response = _new_user(admin, acct_app)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    user = _user(acct_app, "newvol")
    assert (user.role, user.locale, user.display_name, user.active) == ("trainee", "en", "New Volunteer", True)
    assert user.cohort_id == _cohort_id(acct_app, "Cohort A")
    assert user.password_hash.startswith("$argon2id$") and STRONG not in user.password_hash
    client = acct_app.test_client()
    assert login(client, "newvol", STRONG).status_code == 302
    created = _events(acct_app, action="create", object_type="user")
    assert [(e.actor_id, e.object_id, e.detail["username"]) for e in created] == [
        (user_id(acct_app, "admin1"), str(user.id), "newvol")]
    assert STRONG not in str(created[0].detail)


def test_deactivation_ends_existing_sessions_and_blocks_login(acct_app, admin, client_for):
    victim = client_for("trainee1")
    assert victim.get("/").status_code == 200
    target = user_id(acct_app, "trainee1")
    assert admin.post(f"/admin/users/{target}/deactivate").status_code == 303
    refused = victim.get("/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert login(acct_app.test_client(), "trainee1").status_code == 401
    assert _user(acct_app, "trainee1").active is False
    assert admin.post(f"/admin/users/{target}/reactivate").status_code == 303
    assert login(acct_app.test_client(), "trainee1").status_code == 302
    changes = [e.detail.get("change") for e in _events(acct_app, action="update", object_type="user")]
    assert changes == ["deactivate", "activate"]


def test_password_reset_ends_sessions_and_old_password(acct_app, admin, client_for):
    victim = client_for("trainee1")
    target = user_id(acct_app, "trainee1")
    assert admin.post(f"/admin/users/{target}/password", data={"password": STRONG}).status_code == 303
    assert victim.get("/").status_code == 302
    assert login(acct_app.test_client(), "trainee1").status_code == 401  # the demo password no longer works
    assert login(acct_app.test_client(), "trainee1", STRONG).status_code == 302
    assert [e.detail for e in _events(acct_app, action="update", object_type="user")] == [{"change": "password_reset"}]


def test_edit_role_cohort_and_locale(acct_app, admin):
    target = user_id(acct_app, "trainee2")
    response = admin.post(f"/admin/users/{target}", data={"role": "trainee", "locale": "zh", "display_name": "二号",
                                                          "cohort_id": _cohort_id(acct_app, "Cohort A")})
    assert response.status_code == 303
    user = _user(acct_app, "trainee2")
    assert (user.locale, user.display_name, user.cohort_id) == ("zh", "二号", _cohort_id(acct_app, "Cohort A"))
    (event,) = _events(acct_app, action="update", object_type="user")
    assert set(event.detail["changes"]) == {"locale", "display_name", "cohort_id"}
    assert event.detail["changes"]["locale"] == ["en", "zh"]


def test_demoting_a_supervisor_drops_their_cohorts(acct_app, admin):
    target = user_id(acct_app, "supervisor1")
    response = admin.post(f"/admin/users/{target}", data={"role": "trainee", "locale": "zh", "cohort_id": ""})
    assert response.status_code == 303
    with acct_app.app_context():
        assert db.session.scalars(select(SupervisorCohort).where(SupervisorCohort.supervisor_id == target)).all() == []
    (event,) = _events(acct_app, action="update", object_type="user")
    assert event.detail["changes"]["role"] == ["supervisor", "trainee"]
    assert event.detail["changes"]["supervised_cohorts"] == [[_cohort_id(acct_app, "Cohort A")], []]


def test_admin_cannot_demote_or_deactivate_self(acct_app, admin):
    me = user_id(acct_app, "admin1")
    response = admin.post(f"/admin/users/{me}", data={"role": "trainee", "locale": "en", "cohort_id": ""})
    assert response.status_code == 400
    assert "cannot change your own role" in response.get_data(as_text=True)
    response = admin.post(f"/admin/users/{me}/deactivate")
    assert response.status_code == 400
    assert "cannot deactivate or reactivate your own account" in response.get_data(as_text=True)
    user = _user(acct_app, "admin1")
    assert (user.role, user.active) == ("admin", True)
    assert _events(acct_app, action="update", object_type="user") == []
    # changing one's own language is fine
    assert admin.post(f"/admin/users/{me}", data={"role": "admin", "locale": "zh", "cohort_id": ""}).status_code == 303


@pytest.mark.parametrize("data,reason", [
    ({"password": "short-pw"}, "least 10 characters"),
    ({"username": "trainee1"}, "already taken"),
    ({"username": "TRAINEE1"}, "already taken"),
    ({"username": "no spaces!"}, "letters, digits"),
    ({"role": "overlord"}, "Not a valid choice"),
    ({"password": "newvol-password"}, "must not contain the username"),
])
def test_account_validation_errors_are_400_with_a_reason(acct_app, admin, data, reason):
    form = {"username": "newvol", "display_name": "", "role": "trainee", "cohort_id": "", "locale": "en",
            "password": STRONG, **data}
    response = admin.post("/admin/users/", data=form)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert _events(acct_app, action="create", object_type="user") == []
    with acct_app.app_context():
        assert db.session.scalar(select(User).where(User.username == "newvol")) is None


def test_reset_password_too_short_is_400(acct_app, admin):
    response = admin.post(f"/admin/users/{user_id(acct_app, 'trainee1')}/password", data={"password": "123456789"})
    assert response.status_code == 400 and "least 10 characters" in response.get_data(as_text=True)
    assert login(acct_app.test_client(), "trainee1").status_code == 302


def test_users_list_filters(acct_app, admin):
    def names(query: str) -> list[str]:
        return re.findall(r'data-username="([^"]+)"', admin.get(f"/admin/users/?{query}").get_data(as_text=True))
    assert names("") == ["admin1", "coordinator1", "supervisor1", "trainee1", "trainee2"]
    assert names("role=trainee") == ["trainee1", "trainee2"]
    assert names(f"cohort={_cohort_id(acct_app, 'Cohort B')}") == ["trainee2"]
    admin.post(f"/admin/users/{user_id(acct_app, 'trainee2')}/deactivate")
    assert names("active=0") == ["trainee2"]
    assert "trainee2" not in names("active=1")


def test_coordinator_reads_lists_but_sees_no_forms(acct_app, coordinator):
    page = coordinator.get("/admin/users/").get_data(as_text=True)
    assert "trainee1" in page and "/admin/users/new" not in page and "/admin/audit" not in page
    page = coordinator.get("/admin/cohorts/").get_data(as_text=True)
    assert "Cohort A" in page and "<form" not in page.split("</header>", 1)[1]


# -- cohorts and supervision -------------------------------------------------------------------
def test_create_and_rename_cohort(acct_app, admin):
    assert admin.post("/admin/cohorts/", data={"name": "Cohort C", "site": "Wuhan"}).status_code == 303
    cid = _cohort_id(acct_app, "Cohort C")
    assert admin.post(f"/admin/cohorts/{cid}", data={"name": "Cohort C (2026)", "site": "Wuhan"}).status_code == 303
    with acct_app.app_context():
        cohort = db.session.get(Cohort, cid)
        assert (cohort.name, cohort.site) == ("Cohort C (2026)", "Wuhan")
    events = _events(acct_app, object_type="cohort")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].detail["changes"] == {"name": ["Cohort C", "Cohort C (2026)"]}


@pytest.mark.parametrize("data,reason", [({"name": ""}, "This field is required"),
                                         ({"name": "cohort b"}, "A cohort with this name exists")])
def test_cohort_validation_errors_are_400(acct_app, admin, data, reason):
    response = admin.post("/admin/cohorts/", data=data)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    with acct_app.app_context():
        assert len(db.session.scalars(select(Cohort)).all()) == 2


def _queue_calls(client) -> list[str]:
    return re.findall(r'data-call="([^"]+)"', client.get("/review/").get_data(as_text=True))


def test_assigned_supervisor_sees_the_cohort_calls_only_while_assigned(acct_app, admin, client_for):
    theirs = play_call(acct_app, "trainee2")  # Cohort B
    assert client_for("trainee2").post(f"/calls/{theirs}/submit-review").status_code == 303
    sup = client_for("supervisor1")  # assigned to Cohort A only
    assert theirs not in _queue_calls(sup)
    assert sup.get(f"/review/calls/{theirs}").status_code == 404
    cohort_b, sup_id = _cohort_id(acct_app, "Cohort B"), user_id(acct_app, "supervisor1")
    assert admin.post(f"/admin/cohorts/{cohort_b}/supervisors", data={"supervisor_id": sup_id}).status_code == 303
    assert theirs in _queue_calls(sup)
    assert sup.get(f"/review/calls/{theirs}").status_code == 200
    assert admin.post(f"/admin/cohorts/{cohort_b}/supervisors/remove",
                      data={"supervisor_id": sup_id}).status_code == 303
    assert theirs not in _queue_calls(sup)
    events = _events(acct_app, object_type="supervisor_cohort")
    assert [(e.action, e.object_id) for e in events] == [("create", f"{sup_id}:{cohort_b}"),
                                                         ("delete", f"{sup_id}:{cohort_b}")]


def test_only_supervisors_can_be_assigned(acct_app, admin):
    cohort_b = _cohort_id(acct_app, "Cohort B")
    response = admin.post(f"/admin/cohorts/{cohort_b}/supervisors", data={"supervisor_id": user_id(acct_app, "trainee1")})
    assert response.status_code == 400 and "Choose a supervisor" in response.get_data(as_text=True)
    response = admin.post(f"/admin/cohorts/{cohort_b}/supervisors/remove",
                          data={"supervisor_id": user_id(acct_app, "supervisor1")})
    assert response.status_code == 400 and "not assigned to this cohort" in response.get_data(as_text=True)
    assert admin.post("/admin/cohorts/9999/supervisors", data={"supervisor_id": 1}).status_code == 404


# -- audit log ---------------------------------------------------------------------------------
def _seed_events(app, n: int) -> None:
    with app.app_context():
        base = datetime(2026, 1, 1, tzinfo=timezone.utc)
        for i in range(n):
            event = audit.record(None, "read", "call", f"c{i:03d}", commit=False)
            event.at = base + timedelta(hours=i)
        db.session.commit()


def _rows(page: str) -> list[str]:
    return re.findall(r'<td class="mono">(c\d{3})</td>', page)


def test_audit_log_newest_first_filtered_and_paginated(acct_app, admin):
    _seed_events(acct_app, 60)
    first = admin.get("/admin/audit/?object_type=call").get_data(as_text=True)
    assert _rows(first)[:3] == ["c059", "c058", "c057"] and len(_rows(first)) == 50
    assert "Page 1 of 2" in first
    second = admin.get("/admin/audit/?object_type=call&page=2").get_data(as_text=True)
    assert _rows(second) == [f"c{i:03d}" for i in range(9, -1, -1)]
    ranged = admin.get("/admin/audit/?since=2026-01-02&until=2026-01-02").get_data(as_text=True)
    assert _rows(ranged) == [f"c{i:03d}" for i in range(47, 23, -1)]  # 24 hours of 2 January, UTC
    by_actor = admin.get("/admin/audit/?actor=system&action=read").get_data(as_text=True)
    assert len(_rows(by_actor)) == 50
    assert _rows(admin.get("/admin/audit/?actor=admin1").get_data(as_text=True)) == []
    viewed = _events(acct_app, object_type="audit")
    assert len(viewed) == 5 and all(e.actor_id == user_id(acct_app, "admin1") for e in viewed)


@pytest.mark.parametrize("query,reason", [("since=2026-13-01", "Not a valid date"),
                                          ("since=2026-02-02&until=2026-01-01", "start date is after"),
                                          ("actor=nobody", "No user with this username"),
                                          ("action=dance", "Not a valid choice")])
def test_audit_filter_errors_are_400(acct_app, admin, query, reason):
    response = admin.get(f"/admin/audit/?{query}")
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert admin.get(f"/admin/audit.csv?{query}").status_code == 400


def test_audit_csv_export(acct_app, admin):
    _new_user(admin, acct_app)
    response = admin.get("/admin/audit.csv?action=create&object_type=user")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["actor"], r["action"], r["object_type"]) for r in rows] == [("admin1", "create", "user")]
    assert '"username": "newvol"' in rows[0]["detail"] and rows[0]["at"].endswith("+00:00")
    (export,) = [e for e in _events(acct_app, object_type="audit") if e.detail.get("view") == "csv"]
    assert export.detail["rows"] == 1


# -- CSRF and language -------------------------------------------------------------------------
def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_admin_posts_need_a_csrf_token():
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "admin1", "password": "demo-admin", "csrf_token": token}).status_code == 302
    assert client.post("/admin/cohorts/", data={"name": "Cohort C"}).status_code == 400
    token = _token(client.get("/admin/cohorts/").get_data(as_text=True))
    assert client.post("/admin/cohorts/", data={"name": "Cohort C", "csrf_token": token}).status_code == 303
    with app.app_context():
        assert [c.name for c in db.session.scalars(select(Cohort).order_by(Cohort.name))] == [
            "Cohort A", "Cohort B", "Cohort C"]


def test_admin_pages_in_both_languages(acct_app, admin):
    assert "Audit log" in admin.get("/admin/users/").get_data(as_text=True)  # admin1's language is English
    admin.post("/lang", data={"lang": "zh"})
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "审计日志" in page and "账户" in page
