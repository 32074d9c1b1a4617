"""The certify blueprint: the coordinator's cohort dashboard, certify / revoke, the certificate PDF,
and the public verification page (no login; status and minimal personal data only)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from web import audit, certificates as svc
from web.calls import ServiceError
from web.certificate_pdf import CertificateText, FontMissing, find_cjk_font, render_certificate
from web.extensions import db
from web.review import error_text
from web.security import SEES_EVERYTHING, roles_required, trainee_or_404

bp = Blueprint("certify", __name__)


@bp.get("/certify/")
@roles_required(*SEES_EVERYTHING)
def dashboard():
    rows = svc.dashboard_rows()
    audit.record(current_user, "read", "certificate", "", view="dashboard", trainees=len(rows))
    return render_template("certify/dashboard.html", rows=rows, policy=svc.policy())


def _certify_error(exc: ServiceError) -> str:
    if exc.code == "policy_not_met":
        return _("The policy is not met yet. Give an exception reason to certify anyway.")
    return error_text(exc)


@bp.post("/certify/trainees/<int:user_id>")
@roles_required(*SEES_EVERYTHING)
def certify(user_id: int):
    trainee = trainee_or_404(user_id)
    try:
        cert = svc.certify(trainee, current_user, request.form.get("exception_reason", ""))
    except ServiceError as exc:
        db.session.rollback()
        flash(_certify_error(exc), "error")
        return render_template("certify/dashboard.html", rows=svc.dashboard_rows(), policy=svc.policy(),
                               focus=user_id), exc.status
    flash(_("Certificate %(code)s issued.", code=cert.code), "info")
    return redirect(url_for("certify.dashboard", _anchor=f"trainee-{user_id}"), code=303)


def _certificate_or_404(code: str):
    cert = svc.by_code(code)
    if cert is None:
        abort(404)
    return cert


@bp.post("/certify/certificates/<code>/revoke")
@roles_required(*SEES_EVERYTHING)
def revoke(code: str):
    cert = _certificate_or_404(code)
    try:
        svc.revoke(cert, current_user, request.form.get("reason", ""))
    except ServiceError as exc:
        flash(error_text(exc) if exc.code != "reason_required" else _("A reason is required to revoke."), "error")
        return redirect(url_for("certify.dashboard"), code=303)
    flash(_("Certificate %(code)s revoked.", code=cert.code), "info")
    return redirect(url_for("certify.dashboard", _anchor=f"trainee-{cert.trainee_id}"), code=303)


@bp.get("/certify/certificates/<code>.pdf")
@login_required
def pdf(code: str):
    cert = _certificate_or_404(code)
    if current_user.role not in SEES_EVERYTHING and cert.trainee_id != current_user.id:
        abort(404)
    pol = svc.policy()
    holder = cert.trainee.display_name or cert.trainee.username if cert.trainee else "—"
    text = CertificateText(code=cert.code, holder=holder, title_zh=pol.title.zh, title_en=pol.title.en,
                           issued_on=f"{cert.issued_at:%Y-%m-%d}", expires_on=f"{cert.expires_at:%Y-%m-%d}",
                           verify_url=url_for("certify.verify", code=cert.code, _external=True),
                           policy=f"{cert.policy_id} v{cert.policy_version}")
    try:
        data = render_certificate(text, find_cjk_font(current_app.config.get("CERT_FONT")))
    except FontMissing as exc:
        current_app.logger.error("%s", exc)
        return Response(str(exc), status=500, mimetype="text/plain")
    audit.record(current_user, "read", "certificate", cert.code, view="pdf")
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=certificate-{cert.code}.pdf"})


@bp.get("/verify/<code>")
def verify(code: str):
    """Public: is this certificate valid? Shows the holder's name, dates and status, nothing else."""
    cert = svc.by_code(code)
    audit.record(current_user if current_user.is_authenticated else None, "read", "certificate", code[:40],
                 view="verify", found=cert is not None)
    return render_template("certify/verify.html", cert=cert, code=code, policy=svc.policy(),
                           status=cert.status() if cert else "unknown"), 200 if cert else 404
