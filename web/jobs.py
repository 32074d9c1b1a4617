"""Background jobs on the configured task queue (TASK_QUEUE): `eager` runs a job inline (tests, one
machine), `redis` puts it on an RQ queue on REDIS_URL for `flask --app web worker` to run.

A job is a plain function in JOBS taking JSON-able keyword arguments and returning a JSON-able
result; it runs inside an app context (the worker's, or one built from config by create_app()).
A JobRecord row holds each job's status, result and error, so every app server sees them.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from flask import Flask, current_app, has_app_context
from sqlalchemy import select

from web import audit
from web.calls import NotFound, ServiceError
from web.extensions import db
from web.rescore import rescore_calls
from web.security import SEES_EVERYTHING
from web.tables import JobRecord, User

log = logging.getLogger(__name__)

JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "rescore": rescore_calls,
}
QUEUE_KINDS = ("eager", "redis")
DEFAULT_QUEUE_NAME = "hotline"
JOB_TIMEOUT = 6 * 3600  # seconds RQ lets one job run; a large re-scoring batch takes a while

_worker_app: Flask | None = None  # the app a worker process builds for jobs run outside any app context


class UnknownJob(LookupError):
    """A job name that is not in JOBS."""

    def __init__(self, name: str):
        super().__init__(f"unknown job {name!r}; known jobs: {', '.join(sorted(JOBS))}")


class QueueUnavailable(ServiceError):
    """The task queue (Redis) refused the job; the JobRecord is marked failed."""

    status = 503


def job_function(name: str) -> Callable[..., dict[str, Any]]:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(name) from None


def queue_kind() -> str:
    kind = current_app.config.get("TASK_QUEUE", "eager")
    if kind not in QUEUE_KINDS:
        raise ValueError(f"TASK_QUEUE must be one of {', '.join(QUEUE_KINDS)}, not {kind!r}")
    return kind


def queue_name() -> str:
    return current_app.config.get("TASK_QUEUE_NAME", DEFAULT_QUEUE_NAME)


def rq_queue(name: str | None = None):
    """The RQ queue jobs go to (rq and redis are imported only when the redis queue is used)."""
    from redis import Redis
    from rq import Queue
    return Queue(name or queue_name(), connection=Redis.from_url(current_app.config["REDIS_URL"]))


def enqueue(job_name: str, created_by: int | None = None, **params: Any) -> int:
    """Record and queue job `job_name` with keyword `params` (audited); the JobRecord id."""
    job_function(job_name)
    kind = queue_kind()
    record = JobRecord(name=job_name, params=params, status="queued", created_by=created_by)
    db.session.add(record)
    db.session.flush()
    audit.record(created_by, "create", "job", record.id, commit=False, name=job_name, params=params, queue=kind)
    db.session.commit()
    record_id = record.id
    if kind == "eager":
        run_job(record_id)
    else:
        _put_on_rq(record_id)
    return record_id


def _put_on_rq(record_id: int) -> None:
    try:
        # RQ picks its own job id: record ids repeat across databases that may share one Redis
        rq_queue().enqueue(run_job, record_id, job_timeout=JOB_TIMEOUT, result_ttl=86400, failure_ttl=7 * 86400,
                           description=f"hotline job {record_id}")
    except Exception as exc:  # Redis down or refusing: say so on the record, then to the caller
        log.exception("job %d could not be queued", record_id)
        _finish(record_id, "failed", error=f"could not queue the job: {type(exc).__name__}: {exc}")
        raise QueueUnavailable("the task queue is not reachable; the job was not started", "queue_down") from None


@contextmanager
def _job_context() -> Iterator[None]:
    """The current app context, or (in a bare worker process) one of an app built from config."""
    global _worker_app
    if has_app_context():
        yield
        return
    if _worker_app is None:
        from web import create_app
        _worker_app = create_app()
    with _worker_app.app_context():
        yield


def run_job(record_id: int) -> str:
    """Run the job of JobRecord `record_id` (what the queue calls) and record how it went; its status."""
    with _job_context():
        record = db.session.get(JobRecord, record_id)
        if record is None:
            log.error("job %d: no such job record", record_id)
            return "missing"
        if record.status == "done":  # delivered twice: the work is done already
            return record.status
        record.status, record.started_at, record.error = "running", datetime.now(timezone.utc), None
        db.session.commit()
        name, params = record.name, dict(record.params or {})
        try:
            result = job_function(name)(**params)
        except Exception as exc:
            db.session.rollback()
            log.exception("job %d (%s) failed", record_id, name)
            return _finish(record_id, "failed", error=f"{type(exc).__name__}: {exc}")
        return _finish(record_id, "done", result=result)


def _finish(record_id: int, status: str, result: dict[str, Any] | None = None, error: str | None = None) -> str:
    record = db.session.get(JobRecord, record_id)
    record.status, record.result, record.error = status, result, error
    record.finished_at = datetime.now(timezone.utc)
    db.session.commit()
    log.info("job %d (%s) %s", record_id, record.name, status)
    return status


# -- reading ------------------------------------------------------------------------------
def _visible(user: User):
    query = select(JobRecord)
    return query if user.role in SEES_EVERYTHING else query.where(JobRecord.created_by == user.id)


def recent_jobs(user: User, limit: int = 30) -> list[JobRecord]:
    """The latest jobs `user` may see: coordinators and admins all, others their own."""
    return list(db.session.scalars(_visible(user).order_by(JobRecord.id.desc()).limit(limit)))


def job_for(user: User, record_id: int) -> JobRecord:
    """JobRecord `record_id` if `user` may see it; NotFound whether missing or someone else's."""
    record = db.session.scalar(_visible(user).where(JobRecord.id == record_id))
    if record is None:
        raise NotFound(f"no job {record_id}")
    return record
