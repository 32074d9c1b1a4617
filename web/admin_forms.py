"""Flask-WTF forms of the admin pages (CSRF on every POST; the audit filter is a GET form without CSRF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from web.admin_service import MIN_PASSWORD
from web.audit import ACTIONS
from web.tables import LOCALES, ROLES

USERNAME_RE = r"^[A-Za-z0-9_.\-]{3,64}$"


def _role_choices():
    from web.auth import ROLE_LABELS
    return [SelectChoice(r, ROLE_LABELS[r]) for r in ROLES]


LOCALE_NAMES = {"zh": "中文", "en": "English"}
LOCALE_CHOICES = [SelectChoice(code, LOCALE_NAMES.get(code, code)) for code in LOCALES]


def _cohort_id(value):
    """'' -> None (no cohort), else an int id."""
    return int(value) if value not in (None, "", "None") else None


class AccountFields(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired()])
    cohort_id = SelectField(_l("Cohort"), coerce=_cohort_id, validate_choice=True)
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, validators=[DataRequired()])

    def set_cohorts(self, cohorts) -> "AccountFields":
        self.cohort_id.choices = [SelectChoice("", "—")] + [SelectChoice(c.id, c.name) for c in cohorts]
        return self


class UserCreateForm(AccountFields):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Regexp(USERNAME_RE, message=_l("3–64 letters, digits, dots, dashes or underscores."))])
    password = PasswordField(_l("Initial password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=256,
                               message=_l("At least %(n)d characters.", n=MIN_PASSWORD))])


class UserEditForm(AccountFields):
    pass


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=256,
                               message=_l("At least %(n)d characters.", n=MIN_PASSWORD))])


class ConfirmForm(FlaskForm):
    """A bare POST (deactivate, reactivate): only the CSRF token."""


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    site = StringField(_l("Site"), validators=[Optional(), Length(max=120)])


class AssignForm(FlaskForm):
    supervisor_id = IntegerField(_l("Supervisor"), validators=[DataRequired()])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=64)])
    action = SelectField(_l("Action"), choices=[SelectChoice("", "—")] + [SelectChoice(a) for a in ACTIONS],
                         validators=[Optional()])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=32)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    page = IntegerField(validators=[Optional()])
