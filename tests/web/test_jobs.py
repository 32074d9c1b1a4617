"""Background jobs: the eager queue end to end (re-scoring after a rubric change, history kept,
idempotence, one bad call not stopping the batch, pages, CLI, audit), and the Redis queue with a
real RQ worker on real Redis and PostgreSQL (marked `services`, skipped only when they are unreachable).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import DATA, logged_in, make_app
from web import calls, jobs
from web.extensions import db
from web.tables import AuditEvent, CallRecord, JobRecord, User

ROOT = Path(__file__).resolve().parents[2]
# Greets, waits until the caller speaks, never reflects feelings: 80 of 100 points (empathy missed).
NO_EMPATHY = (("say", "Hello, this is the support line."), ("wait", 25), ("hang_up", None))


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A copy of the web test scenarios whose rubric a test may change."""
    target = tmp_path / "scenarios"
    shutil.copytree(DATA, target)
    return target


def set_pass_score(scenario_dir: Path, value: int) -> None:
    path = scenario_dir / "rubrics" / "web_rubric.yaml"
    text = path.read_text(encoding="utf-8")
    assert "pass_score: 60\n" in text
    path.write_text(text.replace("pass_score: 60\n", f"pass_score: {value}\n"), encoding="utf-8")


def play(app, username: str = "trainee1", moves=NO_EMPATHY) -> str:
    """A call by `username` on web_quiet in English, ended and scored; its public id."""
    with app.app_context():
        trainee = db.session.scalar(select(User.id).where(User.username == username))
        call = calls.start_call("web_quiet", "en", trainee_id=trainee)
        for kind, arg in moves:
            move = calls.Move("say", text=arg) if kind == "say" else calls.Move(kind, seconds=arg or 0)
            calls.take_move(call, move)
        return call.public_id


def scores_of(app, public_id: str) -> list[tuple[str, float, str]]:
    """(verdict, score, rubric hash) of every ScoreRecord of the call, oldest first."""
    with app.app_context():
        call = db.session.scalar(select(CallRecord).where(CallRecord.public_id == public_id))
        return [(s.verdict, s.score, s.rubric_hash) for s in call.scores]


def job(app, job_id: int) -> JobRecord:
    with app.app_context():
        record = db.session.get(JobRecord, job_id)
        db.session.expunge(record)
        return record


@pytest.fixture
def eager_app(tmp_path, scenario_dir):
    return make_app(tmp_path / "jobs.sqlite", SCENARIO_DIR=str(scenario_dir))


# -- eager queue ------------------------------------------------------------------------------
def test_rescore_after_a_rubric_change_adds_a_score_and_keeps_history(eager_app, scenario_dir):
    public_id = play(eager_app)
    [(verdict, points, old_hash)] = scores_of(eager_app, public_id)
    assert (verdict, points) == ("pass", 80.0)

    set_pass_score(scenario_dir, 90)
    eager_app.extensions["hotline_engines"].reload_library()
    with eager_app.app_context():
        job_id = jobs.enqueue("rescore", scenario="web_quiet")
    record = job(eager_app, job_id)
    assert record.status == "done" and record.error is None
    assert record.result["selected"] == record.result["rescored"] == record.result["new_records"] == 1
    assert record.result["verdicts_changed"] == 1 and record.result["failed"] == 0
    assert record.result["changes"] == [{"call": public_id, "from": "pass", "to": "fail"}]
    assert record.started_at and record.finished_at and record.finished_at >= record.started_at

    history = scores_of(eager_app, public_id)
    assert history[0] == ("pass", 80.0, old_hash)
    assert history[1][:2] == ("fail", 80.0) and history[1][2] != old_hash
    with eager_app.app_context():
        report = calls.report_for(calls.get_call(public_id))
    assert report["verdict"] == "fail" and report["pass_score"] == 90 and not report["rubric"]["changed_since"]


def test_rescore_is_idempotent_per_call(eager_app, scenario_dir):
    public_id = play(eager_app)
    with eager_app.app_context():
        first = jobs.enqueue("rescore")
        second = jobs.enqueue("rescore")
    # nothing changed since the call was scored: no new records, whatever the number of runs
    for job_id in (first, second):
        result = job(eager_app, job_id).result
        assert (result["rescored"], result["unchanged"], result["new_records"]) == (1, 1, 0)
    set_pass_score(scenario_dir, 90)
    eager_app.extensions["hotline_engines"].reload_library()
    with eager_app.app_context():
        results = [job(eager_app, jobs.enqueue("rescore")).result for _ in range(2)]
    assert [r["new_records"] for r in results] == [1, 0]
    assert len(scores_of(eager_app, public_id)) == 2


def test_one_failing_call_does_not_stop_the_batch(eager_app):
    broken, fine = play(eager_app), play(eager_app)
    with eager_app.app_context():
        trainee = db.session.scalar(select(User.id).where(User.username == "trainee1"))
        calls.start_call("web_quiet", "en", trainee_id=trainee)  # still active: never re-scored
        db.session.execute(CallRecord.__table__.update().where(CallRecord.public_id == broken)
                           .values(scenario_id="no_longer_there"))
        db.session.commit()
        job_id = jobs.enqueue("rescore")
    result = job(eager_app, job_id).result
    assert job(eager_app, job_id).status == "done"
    assert (result["selected"], result["rescored"], result["failed"]) == (2, 1, 1)
    assert result["failures"][0]["call"] == broken and "no_longer_there" in result["failures"][0]["error"]
    assert len(scores_of(eager_app, fine)) == 1 and len(scores_of(eager_app, broken)) == 1


def test_filters_pick_the_calls(eager_app, scenario_dir):
    play(eager_app)
    set_pass_score(scenario_dir, 90)
    eager_app.extensions["hotline_engines"].reload_library()
    with eager_app.app_context():
        none = [jobs.enqueue("rescore", scenario="web_prank"), jobs.enqueue("rescore", rubric="other"),
                jobs.enqueue("rescore", until="2000-01-01")]
        some = jobs.enqueue("rescore", rubric="web_rubric", since="2000-01-01")
    assert [job(eager_app, j).result["selected"] for j in none] == [0, 0, 0]
    assert job(eager_app, some).result["new_records"] == 1


def test_unknown_job_and_failing_job_are_clear(eager_app, monkeypatch):
    with eager_app.app_context():
        with pytest.raises(jobs.UnknownJob, match="unknown job 'retrain'; known jobs: rescore"):
            jobs.enqueue("retrain")
        assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 0

        def explode(**params):
            raise RuntimeError("disk full")
        monkeypatch.setitem(jobs.JOBS, "rescore", explode)
        job_id = jobs.enqueue("rescore")
    record = job(eager_app, job_id)
    assert record.status == "failed" and record.error == "RuntimeError: disk full" and record.result is None


def test_supervisor_rescores_own_cohort_from_the_page(eager_app, scenario_dir):
    mine, theirs = play(eager_app, "trainee1"), play(eager_app, "trainee2")  # supervisor1 has Cohort A only
    set_pass_score(scenario_dir, 90)
    eager_app.extensions["hotline_engines"].reload_library()
    client = logged_in(eager_app, "supervisor1")
    page = client.get("/jobs/")
    assert page.status_code == 200 and b'value="web_quiet"' in page.data
    response = client.post("/jobs/rescore", data={"scenario": "web_quiet"})
    assert response.status_code == 303
    location = response.headers["Location"]
    status = client.get(location, headers={"Accept": "application/json"}).json
    assert status["status"] == "done" and status["params"]["scenario"] == "web_quiet"
    assert status["result"]["changes"] == [{"call": mine, "from": "pass", "to": "fail"}]
    assert len(scores_of(eager_app, theirs)) == 1
    html = client.get(location).get_data(as_text=True)
    assert mine in html and 'class="job-status"' in html
    assert f'data-job="{status["id"]}"' in client.get("/jobs/").get_data(as_text=True)
    with eager_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "job"))
        supervisor = db.session.scalar(select(User.id).where(User.username == "supervisor1"))
    assert (event.action, event.object_id, event.actor_id) == ("create", str(status["id"]), supervisor)
    assert event.detail["params"]["scenario"] == "web_quiet"
    # another supervisor's job is not theirs to see; a coordinator sees every job
    assert logged_in(eager_app, "coordinator1").get(location + "?format=json").json["id"] == status["id"]


def test_bad_form_is_refused_and_starts_nothing(eager_app):
    client = logged_in(eager_app, "admin1")
    assert client.post("/jobs/rescore", data={"scenario": "nope"}).status_code == 404
    assert client.post("/jobs/rescore", data={"since": "yesterday"}).status_code == 400
    assert client.post("/jobs/rescore", data={"since": "2024-02-01", "until": "2024-01-01"}).status_code == 400
    with eager_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(JobRecord)) == 0


def test_cli_rescore_and_worker_in_eager_mode(eager_app, scenario_dir):
    public_id = play(eager_app)
    set_pass_score(scenario_dir, 90)
    eager_app.extensions["hotline_engines"].reload_library()
    runner = eager_app.test_cli_runner()
    result = runner.invoke(args=["rescore", "--scenario", "web_quiet"])
    assert result.exit_code == 0, result.output
    assert "job 1: done" in result.output and '"verdicts_changed": 1' in result.output
    assert [s[0] for s in scores_of(eager_app, public_id)] == ["pass", "fail"]
    assert runner.invoke(args=["rescore", "--scenario", "nope"]).exit_code != 0
    refused = runner.invoke(args=["worker", "--burst"])
    assert refused.exit_code != 0 and "TASK_QUEUE is 'eager'" in refused.output


# -- Redis queue, real RQ worker, real PostgreSQL ------------------------------------------------
REDIS_URL = os.environ.get("HOTLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_queue_name():
    """A fresh RQ queue name on a reachable Redis; its jobs and registries are removed afterwards."""
    redis = pytest.importorskip("redis", reason="redis is not installed")
    rq = pytest.importorskip("rq", reason="rq is not installed")
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    name = f"hotline-test-{uuid.uuid4().hex[:10]}"
    yield name
    queue = rq.Queue(name, connection=connection)
    for registry in (queue.finished_job_registry, queue.failed_job_registry, queue.started_job_registry):
        for job_id in registry.get_job_ids():
            connection.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    queue.delete(delete_jobs=True)
    for key in connection.scan_iter(f"rq:*{name}*"):
        connection.delete(key)



def redis_app(tmp_path, pg_url, scenario_dir, queue_name):
    return make_app(tmp_path / "unused.sqlite", SQLALCHEMY_DATABASE_URI=pg_url, SCENARIO_DIR=str(scenario_dir),
                    TASK_QUEUE="redis", REDIS_URL=REDIS_URL, TASK_QUEUE_NAME=queue_name)


@pytest.mark.services
def test_rq_worker_rescores_on_postgresql(tmp_path, pg_url, scenario_dir, redis_queue_name, monkeypatch):
    from rq import SimpleWorker
    app = redis_app(tmp_path, pg_url, scenario_dir, redis_queue_name)
    public_id = play(app)
    set_pass_score(scenario_dir, 90)
    client = logged_in(app, "admin1")
    response = client.post("/jobs/rescore", data={"scenario": "web_quiet"})
    assert response.status_code == 303
    status = client.get(response.headers["Location"] + "?format=json").json
    assert status["status"] == "queued"  # nothing runs until a worker takes it
    assert scores_of(app, public_id)[-1][0] == "pass"

    # The worker runs outside any app context, so it builds its own app from HOTLINE_* config, as
    # `flask --app web worker` would on another machine; the "webtest" tagger is registered in conftest.
    for key, value in {"SQLALCHEMY_DATABASE_URI": pg_url, "SCENARIO_DIR": str(scenario_dir),
                       "TAGGER": "webtest", "DEMO_DATA": "false"}.items():
        monkeypatch.setenv(f"HOTLINE_{key}", value)
    monkeypatch.setattr(jobs, "_worker_app", None)
    queue = None
    with app.app_context():
        queue = jobs.rq_queue()
    assert queue.count == 1
    assert SimpleWorker([queue], connection=queue.connection).work(burst=True)
    with jobs._worker_app.app_context():  # let the worker's app release its PostgreSQL connections
        db.engine.dispose()

    status = client.get(response.headers["Location"] + "?format=json").json  # read by the web app
    assert status["status"] == "done", status
    assert status["result"]["selected"] == 1 and status["result"]["failed"] == 0
    assert [s[0] for s in scores_of(app, public_id)] == ["pass", "fail"]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.services
def test_flask_worker_command_runs_queued_jobs(tmp_path, pg_url, scenario_dir, redis_queue_name):
    app = redis_app(tmp_path, pg_url, scenario_dir, redis_queue_name)
    public_id = play(app)
    set_pass_score(scenario_dir, 90)
    with app.app_context():
        job_id = jobs.enqueue("rescore", scenario="web_quiet")
        assert db.session.get(JobRecord, job_id).status == "queued"
        db.engine.dispose()
    env = {**os.environ, "HOTLINE_SQLALCHEMY_DATABASE_URI": pg_url, "HOTLINE_SCENARIO_DIR": str(scenario_dir),
           "HOTLINE_TAGGER": "rules", "HOTLINE_TASK_QUEUE": "redis", "HOTLINE_REDIS_URL": REDIS_URL,
           "HOTLINE_DEMO_DATA": "false"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "web", "worker", "--burst",
                           "--queue", redis_queue_name], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    record = job(app, job_id)
    assert record.status == "done", (record.error, done.stderr[-2000:])
    assert record.result["selected"] == record.result["rescored"] == 1
    history = scores_of(app, public_id)
    assert history[0][0] == "pass" and history[-1][0] == "fail" and len(history) == 2
    with app.app_context():
        db.engine.dispose()


def test_a_rescore_that_only_changes_the_flags_for_review_is_news():
    from web.rescore import same_report
    base = {"rubric_hash": "h", "tagger": "combined", "verdict": "pass", "score": 90.0, "pass_score": 70,
            "items": [], "turn_skills": [], "turn_events": []}
    flag = [{"id": "no_insult", "counted": "met", "if_counted": "violated", "turns": [3], "skills": ["hostile_insult"]}]
    assert same_report(base, {**base, "uncertain": []})            # stored before flags existed: nothing new
    assert not same_report(base, {**base, "uncertain": flag})
    assert same_report({**base, "uncertain": flag}, {**base, "uncertain": flag})
