"""The review blueprint: the supervisor's queue and review page, the trainee's submission and
feedback, and the scorer-agreement page with its CSV."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from simulator.agreement import OVERALL, agreement_table
from simulator.overrides import OVERRIDE_RESULTS
from web import audit, review_service as svc, security
from web.calls import ServiceError
from web.extensions import db
from web.security import ALL_STAFF, readable_call_or_404, roles_required

bp = Blueprint("review", __name__)

REVIEWERS = ("supervisor", "admin")


def error_text(exc: ServiceError) -> str:
    """A translated message for a refused request (the service's own words when no code matches)."""
    messages = {
        "reason_required": _("A reason is required to override an item."),
        "comment_required": _("The comment is empty."),
        "bad_result": _("Choose met, missed or violated."),
        "bad_decision": _("Choose approved or needs work."),
        "unknown_item": _("This call's report has no such item."),
        "bad_turn": _("This call has no such turn."),
        "call_active": _("The call is still in progress."),
        "not_scored": _("The call has not been scored yet."),
        "too_long": _("The text is too long."),
    }
    return messages.get(exc.code, str(exc))


# -- supervisor ----------------------------------------------------------------------------
@bp.get("/review/")
@roles_required(*REVIEWERS)
def queue():
    pending, done = svc.queue_for(current_user), svc.queue_for(current_user, decided=True)[:30]
    names = svc.trainee_names({e.call.trainee_id for e in pending + done})
    return render_template("review/queue.html", pending=pending, done=done, trainee_names=names)


def _render_review(call, status: int = 200):
    review = svc.get_review(call)
    return render_template("review/review.html", call=call, r=svc.review_page(call, review),
                           results=OVERRIDE_RESULTS), status


@bp.get("/review/calls/<public_id>")
@roles_required(*REVIEWERS)
def review_call(public_id: str):
    call = readable_call_or_404(public_id)
    audit.record(current_user, "read", "call", call.public_id, view="review")
    return _render_review(call)


def _apply(public_id: str, action, done_message: str, anchor: str = ""):
    """Run a review change; on refusal re-render the page with the reason and the service's status."""
    call = readable_call_or_404(public_id)
    try:
        action(call)
    except ServiceError as exc:
        db.session.rollback()  # a half-made draft review must not be committed by a later write
        flash(error_text(exc), "error")
        return _render_review(call, exc.status)
    flash(done_message, "info")
    return redirect(url_for("review.review_call", public_id=public_id, _anchor=anchor), code=303)


@bp.post("/review/calls/<public_id>/override")
@roles_required(*REVIEWERS)
def override(public_id: str):
    form = request.form
    item = form.get("item", "")
    return _apply(public_id, lambda call: svc.set_override(call, current_user, item, form.get("result", ""),
                                                           form.get("reason", "")),
                  _("Item result saved."), f"item-{item}")


@bp.post("/review/calls/<public_id>/comment")
@roles_required(*REVIEWERS)
def comment(public_id: str):
    raw = request.form.get("turn", "")
    if not raw.isdigit():
        abort(400)
    return _apply(public_id, lambda call: svc.add_comment(call, current_user, int(raw), request.form.get("text", "")),
                  _("Comment saved."), f"turn-{raw}")


@bp.post("/review/calls/<public_id>/decision")
@roles_required(*REVIEWERS)
def decision(public_id: str):
    form = request.form
    return _apply(public_id, lambda call: svc.decide(call, current_user, form.get("decision", ""),
                                                     form.get("summary", "")),
                  _("Decision recorded; the trainee can now read the feedback."), "decision")


# -- trainee -----------------------------------------------------------------------------
@bp.post("/calls/<public_id>/submit-review")
@login_required
def submit(public_id: str):
    call = security.playable_call_or_404(public_id)  # only the trainee who took the call
    try:
        svc.submit(call, current_user)
    except ServiceError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("practice.report", public_id=public_id), code=303)
    flash(_("Submitted for review. You will see the feedback here once a supervisor has decided."), "info")
    return redirect(url_for("review.feedback", public_id=public_id), code=303)


@bp.get("/calls/<public_id>/feedback")
@login_required
def feedback(public_id: str):
    call = readable_call_or_404(public_id)
    review = svc.get_review(call)
    visible = review if review is not None and (review.decided or current_user.role != "trainee") else None
    audit.record(current_user, "read", "call", call.public_id, view="feedback")
    return render_template("review/feedback.html", call=call, review=review,
                           r=svc.review_page(call, visible) if visible else None)


# -- agreement ---------------------------------------------------------------------------
def _rows():
    judgements = svc.judgements_for(current_user)
    audit.record(current_user, "read", "review", "", view="agreement", pairs=len(judgements))
    return agreement_table(judgements)


@bp.get("/review/agreement")
@roles_required(*ALL_STAFF)
def agreement():
    return render_template("review/agreement.html", rows=_rows(), overall=OVERALL)


@bp.get("/review/agreement.csv")
@roles_required(*ALL_STAFF)
def agreement_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["item", "pairs", "agreed", "percent", "kappa", "kappa_note", "skipped"])
    for row in _rows():
        writer.writerow([row.item_id, row.n, row.agreed, "" if row.percent is None else row.percent,
                         "" if row.kappa is None else row.kappa, row.kappa_note, row.skipped])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=scorer-agreement.csv"})
