"""Account, cohort and audit-log administration: the transactions behind the admin blueprint.

Every change is audited (web.audit.record) in the same transaction as the change itself.
Refusals raise ServiceError subclasses with a short `code` the view translates.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Select, delete, func, select

from web import audit
from web.auth import revoke_all_sessions
from web.calls import BadRequest, NotFound
from web.extensions import db
from web.tables import LOCALES, ROLES, AuditEvent, Cohort, SupervisorCohort, User

log = logging.getLogger(__name__)

MIN_PASSWORD = 10
AUDIT_PAGE_SIZE = 50
AUDIT_CSV_LIMIT = 100_000


@dataclass(frozen=True)
class UserSpec:
    """What an admin sets on an account (the password only on creation)."""

    role: str
    locale: str
    cohort_id: int | None
    display_name: str = ""


# -- users ---------------------------------------------------------------------------------
def list_users(role: str = "", cohort_id: int | None = None, active: bool | None = None) -> list[User]:
    """Users by username, optionally filtered by role, cohort and active flag."""
    query = select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if cohort_id is not None:
        query = query.where(User.cohort_id == cohort_id)
    if active is not None:
        query = query.where(User.active.is_(active))
    return list(db.session.scalars(query))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}", "no_user")
    return user


def check_password_strength(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BadRequest(f"the password must have at least {MIN_PASSWORD} characters", "weak_password")
    if username and username.lower() in password.lower():
        raise BadRequest("the password must not contain the username", "password_has_username")


def _check_spec(spec: UserSpec) -> None:
    if spec.role not in ROLES:
        raise BadRequest(f"unknown role {spec.role!r}", "bad_role")
    if spec.locale not in LOCALES:
        raise BadRequest(f"unknown language {spec.locale!r}", "bad_locale")
    if spec.cohort_id is not None and db.session.get(Cohort, spec.cohort_id) is None:
        raise BadRequest(f"no cohort {spec.cohort_id}", "no_cohort")


def create_user(actor: User, username: str, password: str, spec: UserSpec) -> User:
    """A new active account with an argon2 hash of `password`."""
    username = username.strip()
    _check_spec(spec)
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None:
        raise BadRequest(f"username {username!r} is taken", "username_taken")
    check_password_strength(password, username)
    user = User(username=username, display_name=spec.display_name.strip(), role=spec.role,
                locale=spec.locale, cohort_id=spec.cohort_id, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "create", "user", user.id, commit=False, username=username, role=spec.role,
                 cohort_id=spec.cohort_id, locale=spec.locale)
    db.session.commit()
    return user


def update_user(actor: User, user: User, spec: UserSpec) -> dict[str, Any]:
    """Change role, cohort, language and display name; returns {field: [old, new]} of what changed."""
    _check_spec(spec)
    if user.id == actor.id and spec.role != user.role:
        raise BadRequest("you cannot change your own role", "self_demote")
    changes = {name: [getattr(user, name), value] for name, value in
               (("role", spec.role), ("locale", spec.locale), ("cohort_id", spec.cohort_id),
                ("display_name", spec.display_name.strip())) if getattr(user, name) != value}
    for name, (_old, new) in changes.items():
        setattr(user, name, new)
    if "role" in changes and spec.role != "supervisor":
        dropped = _drop_assignments(user)  # only supervisors supervise
        if dropped:
            changes["supervised_cohorts"] = [dropped, []]
    if changes:
        audit.record(actor, "update", "user", user.id, commit=False, changes=changes)
    db.session.commit()
    return changes


def _drop_assignments(user: User) -> list[int]:
    ids = list(db.session.scalars(select(SupervisorCohort.cohort_id).where(SupervisorCohort.supervisor_id == user.id)))
    db.session.execute(delete(SupervisorCohort).where(SupervisorCohort.supervisor_id == user.id))
    return ids


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every live session) or reactivate an account; never one's own."""
    if user.id == actor.id:
        raise BadRequest("you cannot deactivate or reactivate yourself", "self_deactivate")
    if user.active == active:
        return
    user.active = active
    log.info("account %s %s by %s", user.username, "reactivated" if active else "deactivated", actor.username)
    audit.record(actor, "update", "user", user.id, commit=False, change="activate" if active else "deactivate")
    if active:
        db.session.commit()
    else:
        revoke_all_sessions(user)  # commits the change, the audit row and the revocation together


def reset_password(actor: User, user: User, password: str) -> None:
    """Set a new password and end every live session of the account."""
    check_password_strength(password, user.username)
    user.set_password(password)
    log.info("password of %s reset by %s", user.username, actor.username)
    audit.record(actor, "update", "user", user.id, commit=False, change="password_reset")
    revoke_all_sessions(user)


# -- cohorts ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CohortRow:
    cohort: Cohort
    trainees: int
    supervisors: list[User]


def list_cohorts() -> list[CohortRow]:
    """Cohorts by name with their trainee counts and assigned supervisors."""
    counts = dict(db.session.execute(select(User.cohort_id, func.count()).where(User.role == "trainee")
                                     .group_by(User.cohort_id)).all())
    pairs = db.session.execute(select(SupervisorCohort.cohort_id, User).join(User, User.id == SupervisorCohort.supervisor_id)
                               .order_by(User.username)).all()
    sups: dict[int, list[User]] = {}
    for cohort_id, user in pairs:
        sups.setdefault(cohort_id, []).append(user)
    return [CohortRow(c, counts.get(c.id, 0), sups.get(c.id, []))
            for c in db.session.scalars(select(Cohort).order_by(Cohort.name))]


def all_cohorts() -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).order_by(Cohort.name)))


def get_cohort(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(f"no cohort {cohort_id}", "no_cohort")
    return cohort


def _check_cohort_name(name: str, except_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise BadRequest("a cohort needs a name", "cohort_name_required")
    clash = db.session.scalar(select(Cohort.id).where(func.lower(Cohort.name) == name.lower()))
    if clash is not None and clash != except_id:
        raise BadRequest(f"cohort {name!r} exists", "cohort_taken")
    return name


def create_cohort(actor: User, name: str, site: str) -> Cohort:
    cohort = Cohort(name=_check_cohort_name(name), site=site.strip())
    db.session.add(cohort)
    db.session.flush()
    audit.record(actor, "create", "cohort", cohort.id, commit=False, name=cohort.name, site=cohort.site)
    db.session.commit()
    return cohort


def rename_cohort(actor: User, cohort: Cohort, name: str, site: str) -> None:
    name, site = _check_cohort_name(name, except_id=cohort.id), site.strip()
    changes = {k: [getattr(cohort, k), v] for k, v in (("name", name), ("site", site)) if getattr(cohort, k) != v}
    cohort.name, cohort.site = name, site
    if changes:
        audit.record(actor, "update", "cohort", cohort.id, commit=False, changes=changes)
    db.session.commit()


def supervisors() -> list[User]:
    """Active supervisors, the people a cohort can be assigned to."""
    return list(db.session.scalars(select(User).where(User.role == "supervisor", User.active.is_(True))
                                   .order_by(User.username)))


def _supervisor(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or user.role != "supervisor":
        raise BadRequest("choose a supervisor", "not_supervisor")
    return user


def assign_supervisor(actor: User, cohort: Cohort, supervisor_id: int | None) -> None:
    """Let a supervisor review this cohort's calls (idempotent)."""
    sup = _supervisor(supervisor_id)
    if db.session.get(SupervisorCohort, (sup.id, cohort.id)) is None:
        db.session.add(SupervisorCohort(supervisor_id=sup.id, cohort_id=cohort.id))
        audit.record(actor, "create", "supervisor_cohort", f"{sup.id}:{cohort.id}", commit=False,
                     supervisor=sup.username, cohort=cohort.name)
    db.session.commit()


def unassign_supervisor(actor: User, cohort: Cohort, supervisor_id: int | None) -> None:
    sup = _supervisor(supervisor_id)
    link = db.session.get(SupervisorCohort, (sup.id, cohort.id))
    if link is None:
        raise BadRequest("this supervisor is not assigned to this cohort", "not_assigned")
    db.session.delete(link)
    audit.record(actor, "delete", "supervisor_cohort", f"{sup.id}:{cohort.id}", commit=False,
                 supervisor=sup.username, cohort=cohort.name)
    db.session.commit()


# -- audit log -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # a username, or "system" for events without an actor
    action: str = ""
    object_type: str = ""
    since: date | None = None  # inclusive, UTC
    until: date | None = None  # inclusive, UTC


def audit_query(f: AuditFilter) -> Select:
    """AuditEvents matching `f`, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if f.actor:
        query = query.where(_actor_clause(f.actor))
    if f.action:
        if f.action not in audit.ACTIONS:
            raise BadRequest(f"unknown action {f.action!r}", "bad_action")
        query = query.where(AuditEvent.action == f.action)
    if f.object_type:
        query = query.where(AuditEvent.object_type == f.object_type.strip())
    if f.since and f.until and f.since > f.until:
        raise BadRequest("the start date is after the end date", "bad_dates")
    if f.since:
        query = query.where(AuditEvent.at >= datetime.combine(f.since, time.min, tzinfo=timezone.utc))
    if f.until:
        query = query.where(AuditEvent.at < datetime.combine(f.until + timedelta(days=1), time.min, tzinfo=timezone.utc))
    return query


def _actor_clause(actor: str):
    if actor == "system":
        return AuditEvent.actor_id.is_(None)
    user_id = db.session.scalar(select(User.id).where(User.username == actor.strip()))
    if user_id is None:
        raise BadRequest(f"no user {actor!r}", "no_actor")
    return AuditEvent.actor_id == user_id


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def audit_page(f: AuditFilter, page: int = 1, size: int = AUDIT_PAGE_SIZE) -> AuditPage:
    query = audit_query(f)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    events = list(db.session.scalars(query.limit(size).offset((page - 1) * size)))
    return AuditPage(events, page, pages, total)


def audit_rows(f: AuditFilter) -> list[dict[str, Any]]:
    """Matching events as flat rows (UTC ISO 8601 times, actor usernames), newest first, for CSV."""
    names = dict(db.session.execute(select(User.id, User.username)).all())
    events = db.session.scalars(audit_query(f).limit(AUDIT_CSV_LIMIT))
    return [{"id": e.id, "at": e.at.isoformat(), "actor_id": e.actor_id, "actor": names.get(e.actor_id, ""),
             "action": e.action, "object_type": e.object_type, "object_id": e.object_id, "detail": e.detail}
            for e in events]


def usernames(ids) -> dict[int, str]:
    ids = [i for i in set(ids) if i is not None]
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
