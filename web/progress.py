"""The progress blueprint: a trainee's calls, reports and reviews, progress over time as charts
(Chart.js, served from web/static/vendor), and where they stand against the certification policy."""
from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from simulator.scoring import THRESHOLD
from simulator.skills import NEGATIVE
from web import audit, certificates
from web.extensions import db
from web.i18n import skill_label
from web.review_service import final_report
from web.security import ALL_STAFF, roles_required, supervised_cohort_ids, trainee_or_404
from web.tables import CallRecord, Review, User

bp = Blueprint("progress", __name__)


def call_rows(trainee: User) -> list[dict[str, Any]]:
    """The trainee's calls, newest first, with automatic and reviewed results."""
    calls = db.session.scalars(select(CallRecord).where(CallRecord.trainee_id == trainee.id)
                               .order_by(CallRecord.created_at.desc())).all()
    reviews = {r.call_id: r for r in db.session.scalars(select(Review).where(Review.call_id.in_([c.id for c in calls])))}
    rows = []
    for call in calls:
        review = reviews.get(call.id)
        final = final_report(call, review) if review and review.decided else None
        rows.append({"call": call, "score": call.latest_score, "review": review,
                     "final_verdict": final.verdict if final else None})
    return rows


def chart_data(trainee: User, lang: str) -> dict[str, Any]:
    """Scores per caller type over time (one series per type) and how often each skill was used."""
    calls = db.session.scalars(select(CallRecord).where(CallRecord.trainee_id == trainee.id)
                               .order_by(CallRecord.created_at)).all()
    scored = [c for c in calls if c.latest_score is not None]
    types = sorted({c.caller_type for c in scored})
    series = {t: [c.latest_score.score if c.caller_type == t else None for c in scored] for t in types}
    skills: Counter[str] = Counter()
    for call in calls:
        for turn in call.turns:
            if turn.speaker == "trainee":
                skills.update(s for s, conf in (turn.skills or {}).items() if conf >= THRESHOLD)
    negative = {s.value for s in NEGATIVE}
    ordered = sorted(skills.items(), key=lambda kv: (kv[0] in negative, -kv[1], kv[0]))
    return {"labels": [f"{c.created_at:%m-%d %H:%M}" for c in scored], "series": series,
            "skills": [{"skill": s, "label": skill_label(s, lang), "count": n, "negative": s in negative}
                       for s, n in ordered]}


def _render(trainee: User):
    from flask_babel import get_locale
    lang = str(get_locale() or "zh")
    audit.record(current_user, "read", "call", "", view="progress", trainee=trainee.id)
    return render_template("progress/progress.html", trainee=trainee, rows=call_rows(trainee),
                           charts=chart_data(trainee, lang), progress=certificates.progress_of(trainee),
                           certificate=certificates.current_certificate(trainee), own=trainee.id == current_user.id)


@bp.get("/progress/")
@roles_required("trainee")
def mine():
    return _render(current_user)


@bp.get("/progress/trainees/<int:user_id>")
@roles_required(*ALL_STAFF)
def trainee(user_id: int):
    user = trainee_or_404(user_id)
    if current_user.role == "supervisor" and user.cohort_id not in supervised_cohort_ids(current_user):
        abort(404)
    return _render(user)
