"""Exports for the hotline's records (coordinator, admin): calls, scores, reviews and certificates
as CSV or JSON. Each download is audited. Timestamps are UTC ISO 8601."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any, Callable, Iterable

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from web import audit
from web.extensions import db
from web.security import SEES_EVERYTHING, roles_required
from web.tables import CallRecord, Certificate, Review, ScoreRecord, User

bp = Blueprint("exports", __name__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _usernames() -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.username)).all())


def call_rows() -> list[dict[str, Any]]:
    users = _usernames()
    return [{"call": c.public_id, "trainee": users.get(c.trainee_id), "scenario": c.scenario_id,
             "scenario_hash": c.scenario_hash, "caller_type": c.caller_type, "lang": c.lang, "status": c.status,
             "ended_by": c.ended_by, "created_at": _iso(c.created_at), "ended_at": _iso(c.ended_at),
             "turns": len(c.turns)}
            for c in db.session.scalars(select(CallRecord).order_by(CallRecord.created_at))]


def score_rows() -> list[dict[str, Any]]:
    rows = db.session.execute(select(ScoreRecord, CallRecord.public_id).join(CallRecord)
                              .order_by(ScoreRecord.created_at)).all()
    return [{"call": public_id, "rubric": s.rubric_id, "rubric_hash": s.rubric_hash, "tagger": s.tagger,
             "verdict": s.verdict, "score": s.score, "critical_failures": list(s.critical_failures or []),
             "items": {i["id"]: i["result"] for i in s.report.get("items", [])}, "created_at": _iso(s.created_at)}
            for s, public_id in rows]


def review_rows() -> list[dict[str, Any]]:
    users = _usernames()
    out = []
    for r in db.session.scalars(select(Review).order_by(Review.created_at)):
        out.append({"call": r.call.public_id, "supervisor": users.get(r.supervisor_id), "decision": r.decision,
                    "summary": r.summary, "submitted_at": _iso(r.submitted_at), "decided_at": _iso(r.decided_at),
                    "overrides": [{"item": o.item_id, "auto": o.auto_result, "result": o.result, "reason": o.reason}
                                  for o in r.overrides],
                    "comments": [{"turn": c.turn_idx, "text": c.text} for c in r.comments]})
    return out


def certificate_rows() -> list[dict[str, Any]]:
    users = _usernames()
    return [{"code": c.code, "trainee": users.get(c.trainee_id), "policy": c.policy_id,
             "policy_version": c.policy_version, "issued_by": users.get(c.issued_by), "issued_at": _iso(c.issued_at),
             "expires_at": _iso(c.expires_at), "status": c.status(), "revoked_at": _iso(c.revoked_at),
             "revoked_reason": c.revoked_reason, "exception_reason": c.exception_reason}
            for c in db.session.scalars(select(Certificate).order_by(Certificate.issued_at))]


KINDS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "calls": call_rows, "scores": score_rows, "reviews": review_rows, "certificates": certificate_rows}


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Rows as CSV; nested values (lists, dicts) become JSON in their cell."""
    rows = list(rows)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                             for k, v in row.items()})
    return out.getvalue()


@bp.get("/exports/")
@roles_required(*SEES_EVERYTHING)
def index():
    return render_template("certify/exports.html", kinds=list(KINDS))


@bp.get("/exports/<kind>.<fmt>")
@roles_required(*SEES_EVERYTHING)
def download(kind: str, fmt: str):
    if kind not in KINDS or fmt not in ("csv", "json"):
        abort(404)
    rows = KINDS[kind]()
    audit.record(current_user, "read", kind.rstrip("s"), "", view="export", format=fmt, rows=len(rows))
    if fmt == "json":
        body, mimetype = json.dumps(rows, ensure_ascii=False, indent=1), "application/json"
    else:
        body, mimetype = "\ufeff" + to_csv(rows), "text/csv"  # BOM: spreadsheet programs then read UTF-8 Chinese
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=hotline-{kind}.{fmt}"})
