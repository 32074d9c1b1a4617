"""SQL tables (SQLAlchemy 2, typed). Portable: SQLite by default, PostgreSQL in production.

Table classes never reuse simulator dataclass names: a `CallRecord` holds a call,
a `CallTurn` one committed `simulator.transcript.Turn`, a `ScoreRecord` one `ScoreReport`.
Timestamps are stored in UTC and come back timezone-aware.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from simulator.transcript import Turn
from web.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A UTC timestamp; SQLite drops the zone, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def new_public_id() -> str:
    return str(uuid.uuid4())


class CallRecord(db.Model):
    """One practice call: which scenario, who, and the session state to resume it."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_public_id)
    scenario_id: Mapped[str] = mapped_column(String(120), index=True)
    scenario_hash: Mapped[str] = mapped_column(String(64))
    rubric_id: Mapped[str] = mapped_column(String(120))
    lang: Mapped[str] = mapped_column(String(8))
    caller_type: Mapped[str] = mapped_column(String(32), index=True)
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active | ended
    ended_by: Mapped[str | None] = mapped_column(String(16))
    session_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    turns: Mapped[list["CallTurn"]] = relationship(
        back_populates="call", order_by="CallTurn.idx", cascade="all, delete-orphan")
    scores: Mapped[list["ScoreRecord"]] = relationship(
        back_populates="call", order_by="ScoreRecord.id", cascade="all, delete-orphan")

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def latest_score(self) -> "ScoreRecord | None":
        return self.scores[-1] if self.scores else None

    def __repr__(self) -> str:
        return f"<CallRecord {self.public_id} {self.scenario_id} {self.lang} {self.status}>"


class CallTurn(db.Model):
    """One committed turn of a call, in order (`idx` from 0)."""

    __tablename__ = "call_turns"
    __table_args__ = (UniqueConstraint("call_id", "idx", name="uq_call_turn_idx"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="speech")
    text: Mapped[str] = mapped_column(Text, default="")
    t: Mapped[float] = mapped_column(Float)
    duration: Mapped[float | None] = mapped_column(Float)
    skills: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    call: Mapped[CallRecord] = relationship(back_populates="turns")

    @classmethod
    def from_turn(cls, call_id: int, idx: int, turn: Turn) -> "CallTurn":
        return cls(call_id=call_id, idx=idx, speaker=turn.speaker, kind=turn.kind, text=turn.text,
                   t=turn.t, duration=turn.duration, skills=dict(turn.skills), events=list(turn.events))

    def to_turn(self) -> Turn:
        return Turn(speaker=self.speaker, t=self.t, text=self.text or "", kind=self.kind,
                    duration=self.duration, skills=dict(self.skills or {}), events=tuple(self.events or ()))

    def to_dict(self) -> dict[str, Any]:
        """The interchange-format turn, plus its index in the call."""
        return {"idx": self.idx, **self.to_turn().to_dict()}


class ScoreRecord(db.Model):
    """An automatic score report of a call, with the rubric version it was scored with."""

    __tablename__ = "score_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    rubric_id: Mapped[str] = mapped_column(String(120))
    rubric_hash: Mapped[str] = mapped_column(String(64))
    tagger: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))  # pass | fail
    score: Mapped[float] = mapped_column(Float)
    critical_failures: Mapped[list[str]] = mapped_column(JSON, default=list)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # ScoreReport.to_dict()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    call: Mapped[CallRecord] = relationship(back_populates="scores")


# -- accounts, cohorts, sessions, audit (issue 4) ---------------------------------------------
ROLES = ("trainee", "supervisor", "coordinator", "admin")
LOCALES = ("zh", "en")


class Cohort(db.Model):
    """A group of trainees at one site, supervised together."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    site: Mapped[str] = mapped_column(String(120), default="")

    def __repr__(self) -> str:
        return f"<Cohort {self.name}>"


class User(db.Model):
    """An account; `session_version` is bumped to revoke every live session at once."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="trainee")  # one of ROLES
    locale: Mapped[str] = mapped_column(String(8), default="zh")  # one of LOCALES
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cohort: Mapped[Cohort | None] = relationship(foreign_keys=[cohort_id])
    supervised: Mapped[list[Cohort]] = relationship(secondary="supervisor_cohorts", order_by="Cohort.name")

    # Flask-Login's user interface, written out so `active` decides is_active.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return str(self.id)

    def set_password(self, password: str) -> None:
        from web.passwords import hash_password
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        from web.passwords import verify_password
        return verify_password(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class SupervisorCohort(db.Model):
    """Assignment of a supervisor to a cohort (many-to-many)."""

    __tablename__ = "supervisor_cohorts"

    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)


class UserSession(db.Model):
    """A live login; the cookie names it and every request checks it, so logout really ends it."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # random token kept in the cookie
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEvent(db.Model):
    """Who did what to which object, when (UTC); rows are only ever added."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the log outlives accounts
    action: Mapped[str] = mapped_column(String(16), index=True)  # read|create|update|delete|login|logout|purge
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# -- supervision and certification (issue 4, part B) ----------------------------------------
REVIEW_DECISIONS = ("approved", "needs_work")


class Review(db.Model):
    """A supervisor's review of one call: item overrides, turn comments, a final decision.

    Created when the trainee submits the call or a supervisor opens it; `decision` stays None
    while the review is a draft, and the trainee sees the review only once it is decided.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True, index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the trainee asked for it
    decision: Mapped[str | None] = mapped_column(String(16), index=True)  # one of REVIEW_DECISIONS, None = draft
    summary: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    call: Mapped[CallRecord] = relationship()
    overrides: Mapped[list["ItemOverride"]] = relationship(
        back_populates="review", order_by="ItemOverride.id", cascade="all, delete-orphan")
    comments: Mapped[list["TurnComment"]] = relationship(
        back_populates="review", order_by="TurnComment.id", cascade="all, delete-orphan")

    @property
    def decided(self) -> bool:
        return self.decision is not None

    def override_map(self) -> dict[str, str]:
        """Item id -> the supervisor's result."""
        return {o.item_id: o.result for o in self.overrides}


class ItemOverride(db.Model):
    """The supervisor's result for one rubric item where it differs from the scorer's, with why."""

    __tablename__ = "item_overrides"
    __table_args__ = (UniqueConstraint("review_id", "item_id", name="uq_override_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(120))
    auto_result: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(String(16))  # met | missed | violated
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship(back_populates="overrides")


class TurnComment(db.Model):
    """A supervisor's comment on one turn of the reviewed call."""

    __tablename__ = "turn_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    turn_idx: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    review: Mapped[Review] = relationship(back_populates="comments")


class Certificate(db.Model):
    """A volunteer's certificate; the public `code` is what the verification page looks up."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    policy_id: Mapped[str] = mapped_column(String(120))
    policy_version: Mapped[int] = mapped_column(Integer)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    exception_reason: Mapped[str | None] = mapped_column(Text)  # set when issued without the policy met
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the policy progress when issued

    trainee: Mapped[User | None] = relationship(foreign_keys=[trainee_id])

    def status(self, now: datetime | None = None) -> str:
        """revoked | superseded | expired | valid."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_by_id is not None:
            return "superseded"
        return "expired" if self.expires_at <= now else "valid"


# -- background jobs (web/jobs.py) -------------------------------------------------------------
JOB_STATUSES = ("queued", "running", "done", "failed")


class JobRecord(db.Model):
    """One background job and how it went; every app server reads status here, whatever the queue."""

    __tablename__ = "job_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # one of JOB_STATUSES
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def to_dict(self) -> dict[str, Any]:
        stamp = lambda t: t.isoformat() if t else None  # noqa: E731
        return {"id": self.id, "name": self.name, "params": self.params, "status": self.status,
                "result": self.result, "error": self.error, "created_by": self.created_by,
                "created_at": stamp(self.created_at), "started_at": stamp(self.started_at),
                "finished_at": stamp(self.finished_at)}
