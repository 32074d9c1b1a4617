"""The admin blueprint: accounts, cohorts and supervisor assignments, and the audit-log viewer.

Access: every change and the audit log are for admins only. Coordinators may read the user and
cohort lists (they certify volunteers and need to see who is in which cohort) but see no forms and
cannot post; the audit log stays with admins, since it records coordinators' own actions too.
Views are thin: parse a Flask-WTF form, call web.admin_service, render or redirect (303).
"""
from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from web import admin_service as svc
from web import audit
from web.admin_forms import (AssignForm, AuditFilterForm, CohortForm, ConfirmForm, PasswordResetForm,
                             UserCreateForm, UserEditForm)
from web.calls import NotFound, ServiceError
from web.extensions import db
from web.security import roles_required
from web.tables import ROLES

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMIN = ("admin",)
READERS = ("coordinator", "admin")


@bp.context_processor
def _admin_context() -> dict:
    return {"min_password": svc.MIN_PASSWORD}


def error_text(exc: ServiceError) -> str:
    """A translated reason for a refused change (the service's own words when no code matches)."""
    messages = {
        "self_demote": _("You cannot change your own role; ask another admin."),
        "self_deactivate": _("You cannot deactivate or reactivate your own account; ask another admin."),
        "username_taken": _("This username is already taken."),
        "weak_password": _("The password must have at least %(n)d characters.", n=svc.MIN_PASSWORD),
        "password_has_username": _("The password must not contain the username."),
        "bad_role": _("Choose a role."),
        "bad_locale": _("Choose a language."),
        "no_cohort": _("No such cohort."),
        "cohort_name_required": _("A cohort needs a name."),
        "cohort_taken": _("A cohort with this name exists."),
        "not_supervisor": _("Choose a supervisor."),
        "not_assigned": _("This supervisor is not assigned to this cohort."),
        "bad_action": _("Unknown action."),
        "bad_dates": _("The start date is after the end date."),
        "no_actor": _("No user with this username."),
    }
    return messages.get(exc.code, str(exc))


def _form_reason(form) -> str:
    """The form's validation errors as one sentence per field."""
    parts = [f"{form[name].label.text}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items()
             if name in form]
    return "; ".join(parts) or _("The form was not valid; please try again.")


def _refuse(reason: str, template: str, **context):
    db.session.rollback()
    flash(reason, "error")
    return render_template(template, **context), 400


def _user_or_404(user_id: int):
    try:
        return svc.get_user(user_id)
    except NotFound:
        abort(404)


def _cohort_or_404(cohort_id: int):
    try:
        return svc.get_cohort(cohort_id)
    except NotFound:
        abort(404)


def _spec(form) -> svc.UserSpec:
    return svc.UserSpec(role=form.role.data, locale=form.locale.data, cohort_id=form.cohort_id.data,
                        display_name=form.display_name.data or "")


# -- users -----------------------------------------------------------------------------------
@bp.get("/users/")
@roles_required(*READERS)
def users():
    args = request.args
    role = args.get("role", "") if args.get("role", "") in ROLES else ""
    cohort = args.get("cohort", type=int)
    active = {"1": True, "0": False}.get(args.get("active", ""))
    return render_template("admin/users.html", users=svc.list_users(role, cohort, active), roles=ROLES,
                           cohorts=svc.all_cohorts(), f={"role": role, "cohort": cohort, "active": args.get("active", "")})


def _new_user_page(form, status: int = 200):
    return render_template("admin/user_new.html", form=form), status


@bp.get("/users/new")
@roles_required(*ADMIN)
def new_user():
    return _new_user_page(UserCreateForm().set_cohorts(svc.all_cohorts()))


@bp.post("/users/")
@roles_required(*ADMIN)
def create_user():
    form = UserCreateForm().set_cohorts(svc.all_cohorts())
    if not form.validate_on_submit():
        return _refuse(_form_reason(form), "admin/user_new.html", form=form)
    try:
        user = svc.create_user(current_user, form.username.data, form.password.data, _spec(form))
    except ServiceError as exc:
        return _refuse(error_text(exc), "admin/user_new.html", form=form)
    flash(_("Account %(name)s created.", name=user.username), "info")
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)


def _edit_context(user, form=None) -> dict:
    form = form or UserEditForm(obj=user)
    return {"user": user, "form": form.set_cohorts(svc.all_cohorts()), "password_form": PasswordResetForm(),
            "confirm_form": ConfirmForm(), "is_self": user.id == current_user.id}


@bp.get("/users/<int:user_id>")
@roles_required(*ADMIN)
def edit_user(user_id: int):
    return render_template("admin/user_edit.html", **_edit_context(_user_or_404(user_id)))


def _user_change(user_id: int, change, done: str, form=None):
    """Run `change(user)`; refusals re-render the account page with a 400 and the reason."""
    user = _user_or_404(user_id)
    if form is not None and not form.validate_on_submit():
        return _refuse(_form_reason(form), "admin/user_edit.html", **_edit_context(user))
    try:
        change(user)
    except ServiceError as exc:
        return _refuse(error_text(exc), "admin/user_edit.html", **_edit_context(db.session.get(type(user), user_id)))
    flash(done, "info")
    return redirect(url_for("admin.edit_user", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>")
@roles_required(*ADMIN)
def update_user(user_id: int):
    form = UserEditForm().set_cohorts(svc.all_cohorts())
    return _user_change(user_id, lambda u: svc.update_user(current_user, u, _spec(form)), _("Account saved."), form)


@bp.post("/users/<int:user_id>/deactivate")
@roles_required(*ADMIN)
def deactivate(user_id: int):
    return _user_change(user_id, lambda u: svc.set_active(current_user, u, False),
                        _("Account deactivated; its sessions have ended."), ConfirmForm())


@bp.post("/users/<int:user_id>/reactivate")
@roles_required(*ADMIN)
def reactivate(user_id: int):
    return _user_change(user_id, lambda u: svc.set_active(current_user, u, True), _("Account reactivated."),
                        ConfirmForm())


@bp.post("/users/<int:user_id>/password")
@roles_required(*ADMIN)
def reset_password(user_id: int):
    form = PasswordResetForm()
    return _user_change(user_id, lambda u: svc.reset_password(current_user, u, form.password.data),
                        _("Password reset; the account's sessions have ended."), form)


# -- cohorts ---------------------------------------------------------------------------------
def _cohorts_context(form=None) -> dict:
    return {"rows": svc.list_cohorts(), "supervisors": svc.supervisors(), "form": form or CohortForm(),
            "can_edit": current_user.role in ADMIN}


@bp.get("/cohorts/")
@roles_required(*READERS)
def cohorts():
    return render_template("admin/cohorts.html", **_cohorts_context())


def _cohort_change(change, form, done: str):
    if not form.validate_on_submit():
        return _refuse(_form_reason(form), "admin/cohorts.html", **_cohorts_context())
    try:
        change()
    except ServiceError as exc:
        return _refuse(error_text(exc), "admin/cohorts.html", **_cohorts_context())
    flash(done, "info")
    return redirect(url_for("admin.cohorts"), code=303)


@bp.post("/cohorts/")
@roles_required(*ADMIN)
def create_cohort():
    form = CohortForm()
    return _cohort_change(lambda: svc.create_cohort(current_user, form.name.data, form.site.data or ""), form,
                          _("Cohort created."))


@bp.post("/cohorts/<int:cohort_id>")
@roles_required(*ADMIN)
def update_cohort(cohort_id: int):
    cohort, form = _cohort_or_404(cohort_id), CohortForm()
    return _cohort_change(lambda: svc.rename_cohort(current_user, cohort, form.name.data, form.site.data or ""),
                          form, _("Cohort saved."))


@bp.post("/cohorts/<int:cohort_id>/supervisors")
@roles_required(*ADMIN)
def assign_supervisor(cohort_id: int):
    cohort, form = _cohort_or_404(cohort_id), AssignForm()
    return _cohort_change(lambda: svc.assign_supervisor(current_user, cohort, form.supervisor_id.data), form,
                          _("Supervisor assigned."))


@bp.post("/cohorts/<int:cohort_id>/supervisors/remove")
@roles_required(*ADMIN)
def unassign_supervisor(cohort_id: int):
    cohort, form = _cohort_or_404(cohort_id), AssignForm()
    return _cohort_change(lambda: svc.unassign_supervisor(current_user, cohort, form.supervisor_id.data), form,
                          _("Supervisor unassigned."))


# -- audit log -------------------------------------------------------------------------------
def _audit_filter() -> tuple[AuditFilterForm, svc.AuditFilter]:
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        raise ServiceError(_form_reason(form), "bad_filter")
    return form, svc.AuditFilter(actor=(form.actor.data or "").strip(), action=form.action.data or "",
                                 object_type=form.object_type.data or "", since=form.since.data, until=form.until.data)


def _filter_args() -> dict:
    return {k: v for k, v in request.args.items() if k != "page" and v}


@bp.get("/audit/")
@roles_required(*ADMIN)
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    try:
        form, flt = _audit_filter()
        page = svc.audit_page(flt, request.args.get("page", 1, type=int))
    except ServiceError as exc:
        flash(error_text(exc), "error")
        return render_template("admin/audit.html", form=form, page=None, names={}, args=_filter_args()), 400
    audit.record(current_user, "read", "audit", "", view="log", page=page.page, filters=_filter_args())
    names = svc.usernames(e.actor_id for e in page.events)
    return render_template("admin/audit.html", form=form, page=page, names=names, args=_filter_args())


@bp.get("/audit.csv")
@roles_required(*ADMIN)
def audit_csv():
    try:
        _form, flt = _audit_filter()
        rows = svc.audit_rows(flt)
    except ServiceError as exc:
        return Response(error_text(exc) + "\n", status=400, mimetype="text/plain")
    audit.record(current_user, "read", "audit", "", view="csv", rows=len(rows), filters=_filter_args())
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "at", "actor_id", "actor", "action", "object_type",
                                             "object_id", "detail"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "detail": json.dumps(row["detail"], ensure_ascii=False, sort_keys=True)})
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",  # BOM: spreadsheets then read UTF-8
                    headers={"Content-Disposition": "attachment; filename=hotline-audit-log.csv"})
