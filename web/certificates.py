"""Certification as a service: progress against the policy, issuing, recertifying and revoking.

A certificate is issued only when the policy is met, or with a recorded exception reason.
Issuing again supersedes the holder's current certificate (recertification); revoking keeps
the row and says why. The policy file is `CERT_POLICY` (default scenarios/policies/certification.yaml).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import select

from simulator.certification import DEFAULT_POLICY, Policy, Progress, add_months, evaluate_policy, load_policy
from web import audit
from web.calls import BadRequest, Conflict
from web.extensions import db
from web.review_service import call_facts
from web.tables import Certificate, Cohort, User

log = logging.getLogger(__name__)

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read aloud and typed


class PolicyNotMet(Conflict):
    """Certification refused: the policy is not met and no exception reason was given."""


def policy() -> Policy:
    """The configured certification policy (loaded once per app)."""
    cached = current_app.extensions.get("hotline_cert_policy")
    if cached is None:
        cached = load_policy(current_app.config.get("CERT_POLICY") or DEFAULT_POLICY)
        current_app.extensions["hotline_cert_policy"] = cached
    return cached


def progress_of(trainee: User) -> Progress:
    return evaluate_policy(policy(), call_facts(trainee.id))


def new_code() -> str:
    """A random public code like HL-7K3Q-M2XD-9PQR (60 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"HL-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def current_certificate(trainee: User) -> Certificate | None:
    """The holder's latest certificate that nothing superseded (it may be expired or revoked)."""
    return db.session.scalar(select(Certificate).where(Certificate.trainee_id == trainee.id,
                                                       Certificate.superseded_by_id.is_(None))
                             .order_by(Certificate.issued_at.desc(), Certificate.id.desc()))


def by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == code.strip().upper()))


@dataclass(frozen=True)
class TraineeRow:
    trainee: User
    cohort: Cohort | None
    progress: Progress
    certificate: Certificate | None


def dashboard_rows() -> list[TraineeRow]:
    """Every active trainee, by cohort and name, with progress and current certificate."""
    trainees = db.session.scalars(select(User).where(User.role == "trainee", User.active.is_(True))).all()
    rows = [TraineeRow(t, t.cohort, progress_of(t), current_certificate(t)) for t in trainees]
    return sorted(rows, key=lambda r: (r.cohort.name if r.cohort else "~", r.trainee.display_name or r.trainee.username))


def certify(trainee: User, coordinator: User, exception_reason: str = "") -> Certificate:
    """Issue a certificate (superseding the current one); refused when the policy is unmet without a reason."""
    if trainee.role != "trainee":
        raise BadRequest("only trainees are certified", "not_trainee")
    pol, progress = policy(), progress_of(trainee)
    reason = (exception_reason or "").strip()
    if not progress.met and not reason:
        raise PolicyNotMet("the policy is not met: " + "; ".join(progress.missing("en")), "policy_not_met")
    now = datetime.now(timezone.utc)
    cert = Certificate(code=new_code(), trainee_id=trainee.id, policy_id=pol.id, policy_version=pol.version,
                       issued_by=coordinator.id, issued_at=now, expires_at=add_months(now, pol.validity_months),
                       exception_reason=None if progress.met else reason,
                       progress={r.id: [r.have, r.need] for r in progress.requirements})
    previous = current_certificate(trainee)
    db.session.add(cert)
    db.session.flush()
    if previous is not None:
        previous.superseded_by_id = cert.id
    audit.record(coordinator, "create", "certificate", cert.code, commit=False, trainee=trainee.id,
                 policy=f"{pol.id}@{pol.version}", exception=bool(cert.exception_reason),
                 supersedes=previous.code if previous else None)
    db.session.commit()
    log.info("certificate %s issued to user %s (exception: %s)", cert.code, trainee.id, bool(cert.exception_reason))
    return cert


def revoke(cert: Certificate, actor: User, reason: str) -> Certificate:
    """Revoke a certificate with a reason (kept on the row; the verification page shows it as revoked)."""
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest("a reason is required to revoke a certificate", "reason_required")
    if cert.revoked_at is not None:
        raise Conflict("the certificate is already revoked", "already_revoked")
    cert.revoked_at, cert.revoked_reason = datetime.now(timezone.utc), reason
    audit.record(actor, "update", "certificate", cert.code, commit=False, revoked=True)
    db.session.commit()
    return cert
