"""The jobs blueprint (supervisors, coordinators, admins): recent background jobs, starting a re-scoring
batch, and one job's status as a page or JSON; plus the `rescore` and `worker` CLI commands."""
from __future__ import annotations

import json

import click
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_login import current_user

from web import jobs
from web.calls import NotFound, ServiceError, list_scenarios
from web.extensions import db
from web.rescore import rescore_params
from web.security import ALL_STAFF, roles_required

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def error_text(exc: ServiceError) -> str:
    messages = {
        "queue_down": _("The task queue is not reachable; the job was not started."),
        "bad_date": _("Dates must be written YYYY-MM-DD, the first not after the last."),
        "unknown_rubric": _("There is no such rubric."),
    }
    if isinstance(exc, NotFound):
        return _("There is no such scenario.")
    return messages.get(exc.code, str(exc))


def _render_index(status: int = 200):
    return render_template("jobs/index.html", jobs=jobs.recent_jobs(current_user),
                           scenarios=list_scenarios()), status


@bp.get("/")
@roles_required(*ALL_STAFF)
def index():
    return _render_index()


@bp.post("/rescore")
@roles_required(*ALL_STAFF)
def rescore():
    form = request.form
    try:
        params = rescore_params(scenario=form.get("scenario", "").strip() or None,
                                since=form.get("since", "").strip() or None, until=form.get("until", "").strip() or None)
        job_id = jobs.enqueue("rescore", created_by=current_user.id, visible_to=current_user.id, **params)
    except ServiceError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
        return _render_index(exc.status)
    flash(_("Re-scoring started."), "info")
    return redirect(url_for("jobs.status", job_id=job_id), code=303)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.args.get("format") == "json" or best == "application/json"


@bp.get("/<int:job_id>")
@roles_required(*ALL_STAFF)
def status(job_id: int):
    try:
        record = jobs.job_for(current_user, job_id)
    except ServiceError:
        abort(404)
    if _wants_json():
        return jsonify(record.to_dict())
    return render_template("jobs/job.html", job=record)


# -- command line -------------------------------------------------------------------------------
@click.command("rescore")
@click.option("--scenario", default=None, help="only calls of this scenario id")
@click.option("--rubric", default=None, help="only calls scored with this rubric id")
@click.option("--since", default=None, help="only calls made on or after this UTC date (YYYY-MM-DD)")
@click.option("--until", default=None, help="only calls made on or before this UTC date (YYYY-MM-DD)")
@with_appcontext
def rescore_command(scenario: str | None, rubric: str | None, since: str | None, until: str | None) -> None:
    """Re-score ended calls with the current tagger and rubrics (inline, or queued when TASK_QUEUE=redis)."""
    try:
        job_id = jobs.enqueue("rescore", **rescore_params(scenario, rubric, since, until))
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    record = db.session.get(jobs.JobRecord, job_id)
    db.session.refresh(record)
    click.echo(f"job {job_id}: {record.status}")
    if record.result is not None:
        click.echo(json.dumps(record.result, indent=2, ensure_ascii=False))
    if record.error:
        raise click.ClickException(record.error)


@click.command("worker")
@click.option("--burst", is_flag=True, help="run the queued jobs, then exit")
@click.option("--queue", "name", default=None, help="the RQ queue to serve (default: TASK_QUEUE_NAME)")
@click.option("--simple", is_flag=True, help="run jobs in this process instead of a forked one")
@with_appcontext
def worker_command(burst: bool, name: str | None, simple: bool) -> None:
    """Run an RQ worker on the configured Redis queue."""
    if jobs.queue_kind() != "redis":
        raise click.UsageError("TASK_QUEUE is 'eager': jobs run inline and need no worker "
                               "(set HOTLINE_TASK_QUEUE=redis to use the Redis queue)")
    from rq import SimpleWorker, Worker
    queue = jobs.rq_queue(name)
    db.engine.dispose()  # forked work horses must not share this process's database connections
    worker_class = SimpleWorker if simple else Worker
    click.echo(f"worker on queue {queue.name!r}")
    worker_class([queue], connection=queue.connection).work(burst=burst)
