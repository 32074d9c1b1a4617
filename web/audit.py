"""The audit log (who read or changed what, in UTC) and the retention purge that respects it.

Hotline rules keep call records at least three years (RETENTION_YEARS); the purge refuses any
cut-off that could delete a younger record, says which records and why, and is itself audited.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any

import click
from flask.cli import with_appcontext
from flask import Flask, current_app
from sqlalchemy import Table, delete, select

from web.extensions import db
from web.tables import AuditEvent, CallRecord

log = logging.getLogger(__name__)

ACTIONS = ("read", "create", "update", "delete", "login", "logout", "purge")


def record(actor: Any, action: str, obj_type: str = "", obj_id: Any = "", commit: bool = True,
           **detail: Any) -> AuditEvent:
    """Add one audit event; `actor` is a User, a user id, or None for the system."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; expected one of {', '.join(ACTIONS)}")
    actor_id = getattr(actor, "id", actor) if getattr(actor, "is_authenticated", True) else None
    event = AuditEvent(actor_id=actor_id, action=action, object_type=obj_type,
                       object_id="" if obj_id is None else str(obj_id), detail=detail)
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


# -- retention ----------------------------------------------------------------------------
def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass
class PurgeResult:
    before: date
    earliest_allowed: date
    refused: bool
    reasons: list[str] = field(default_factory=list)
    call_ids: list[int] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)  # "public id (created date)" per call, for people
    deleted: dict[str, int] = field(default_factory=dict)


def _dependents(table: Table) -> list[tuple[Table, Any, Any]]:
    """(child table, child FK column, referenced column) for every table that points at `table`."""
    out = []
    for child in db.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is table and child is not table:
                out.append((child, fk.parent, fk.column))
    return out


def _delete_rows(table: Table, column, values: list, deleted: dict[str, int]) -> None:
    """Delete rows of `table` whose `column` is in `values`, children first (portable: no DB cascades needed)."""
    if not values:
        return
    for child, child_col, ref_col in _dependents(table):
        keys = list(db.session.scalars(select(ref_col).where(column.in_(values))))
        _delete_rows(child, child_col, keys, deleted)
    result = db.session.execute(delete(table).where(column.in_(values)))
    deleted[table.name] = deleted.get(table.name, 0) + (result.rowcount or 0)


def plan_purge(before: date, today: date | None = None) -> PurgeResult:
    """What a purge of calls created before `before` would delete, or why it must refuse."""
    years = int(current_app.config.get("RETENTION_YEARS", 3))
    today = today or datetime.now(timezone.utc).date()
    earliest = years_before(today, years)
    cutoff = datetime.combine(before, time.min, tzinfo=timezone.utc)
    calls = db.session.scalars(select(CallRecord).where(CallRecord.created_at < cutoff)
                               .order_by(CallRecord.created_at)).all()
    result = PurgeResult(before=before, earliest_allowed=earliest, refused=False, call_ids=[c.id for c in calls],
                         calls=[f"{c.public_id} (created {c.created_at:%Y-%m-%d})" for c in calls])
    if before > earliest:
        result.refused = True
        result.reasons.append(
            f"cut-off {before} is after {earliest}: records are kept at least {years} years "
            f"(RETENTION_YEARS={years}), so the latest allowed cut-off today is {earliest}")
        for call in calls:
            if call.created_at.date() >= earliest:
                result.reasons.append(
                    f"call {call.public_id} (created {call.created_at:%Y-%m-%d}) is younger than "
                    f"{years} years; it may be purged from {years_before(call.created_at.date(), -years)}")
    return result


def purge(before: date, actor: Any = None, today: date | None = None) -> PurgeResult:
    """Delete calls (with their turns, scores and anything else attached) created before `before`."""
    result = plan_purge(before, today)
    if not result.refused and result.call_ids:
        _delete_rows(CallRecord.__table__, CallRecord.__table__.c.id, result.call_ids, result.deleted)
    record(actor, "purge", "call", "", commit=False, before=before.isoformat(), refused=result.refused,
           call_ids=result.call_ids if not result.refused else [], deleted=result.deleted,
           reasons=result.reasons[:20])
    db.session.commit()
    log.info("purge before %s: refused=%s deleted=%s", before, result.refused, result.deleted)
    return result


@click.command("purge")
@with_appcontext
@click.option("--before", "before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="delete calls created before this UTC date (YYYY-MM-DD)")
def purge_command(before: datetime) -> None:
    """Delete call records older than --before, refusing anything younger than RETENTION_YEARS."""
    result = purge(before.date())
    if result.refused:
        click.echo(f"REFUSED: nothing deleted ({len(result.call_ids)} call(s) older than {result.before}).", err=True)
        for reason in result.reasons:
            click.echo(f"  - {reason}", err=True)
        raise SystemExit(2)
    click.echo(f"Purged {len(result.call_ids)} call(s) created before {result.before}:")
    for line in result.calls:
        click.echo(f"  call {line}")
    for table, count in sorted(result.deleted.items()):
        click.echo(f"  {table}: {count} row(s)")


def init_app(app: Flask) -> None:
    app.config.setdefault("RETENTION_YEARS", 3)
    app.cli.add_command(purge_command)
