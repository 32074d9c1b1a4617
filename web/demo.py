"""Demo data so a newcomer can click through every screen at once: cohorts, one account per role, played calls.

Idempotent: accounts and cohorts are created only when missing; demo calls only for a demo
trainee who has none yet. Calls are played through the real engine (web.calls), not inserted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from flask import Flask
from sqlalchemy import func, select

from web.extensions import db
from web.tables import CallRecord, Cohort, SupervisorCohort, User

log = logging.getLogger(__name__)

COHORTS = (("Cohort A", "Beijing"), ("Cohort B", "Shanghai"))


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    cohort: str | None = None
    locale: str = "zh"

    @property
    def password(self) -> str:
        return f"demo-{self.role}"


ACCOUNTS = (
    DemoAccount("trainee1", "trainee", "实习接线员一", "Cohort A", "zh"),
    DemoAccount("trainee2", "trainee", "Trainee Two", "Cohort B", "en"),
    DemoAccount("supervisor1", "supervisor", "督导一", "Cohort A", "zh"),
    DemoAccount("coordinator1", "coordinator", "协调员一", None, "zh"),
    DemoAccount("admin1", "admin", "Admin One", None, "en"),
)

# Trainee moves per language: a decent opening, patience, a reflection, a warm close.
MOVES = {
    "zh": [("say", "你好，这里是心理援助热线，我是接线员，请问有什么可以帮你？"), ("wait", 10),
           ("say", "没关系，慢慢来，我在这里听着。这里说的话是保密的。"), ("wait", 15),
           ("say", "听起来你现在真的很难受。你愿意多说一些吗？"),
           ("say", "谢谢你打来电话，如果需要，欢迎随时再打来。再见。"), ("hang_up", None)],
    "en": [("say", "Hello, this is the support hotline, I'm a counselor here. How can I help?"), ("wait", 10),
           ("say", "Take your time, there is no hurry. I'm here and listening, and this call is confidential."),
           ("wait", 15), ("say", "It sounds like things are really hard for you right now. Would you tell me more?"),
           ("say", "Thank you for calling. You are welcome to call again any time. Goodbye."), ("hang_up", None)],
}


def _cohort(name: str, site: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == name))
    if cohort is None:
        cohort = Cohort(name=name, site=site)
        db.session.add(cohort)
        db.session.flush()
    return cohort


def _account(spec: DemoAccount, cohorts: dict[str, Cohort]) -> User:
    user = db.session.scalar(select(User).where(User.username == spec.username))
    if user is not None:
        return user
    user = User(username=spec.username, display_name=spec.display_name, role=spec.role, locale=spec.locale)
    user.set_password(spec.password)
    if spec.role == "trainee":
        user.cohort_id = cohorts[spec.cohort].id
    db.session.add(user)
    db.session.flush()
    if spec.role == "supervisor":
        db.session.add(SupervisorCohort(supervisor_id=user.id, cohort_id=cohorts[spec.cohort].id))
    return user


def seed_accounts() -> dict[str, User]:
    """Create the demo cohorts and accounts that are missing; returns users by username."""
    cohorts = {name: _cohort(name, site) for name, site in COHORTS}
    users = {spec.username: _account(spec, cohorts) for spec in ACCOUNTS}
    db.session.commit()
    return users


def play_demo_call(scenario_id: str, lang: str, trainee: User) -> CallRecord:
    """Play one scripted trainee through a real call, stopping when the caller hangs up."""
    from web import calls
    call = calls.start_call(scenario_id, lang, trainee_id=trainee.id)
    for kind, arg in MOVES[lang]:
        if not call.active:
            break
        move = calls.Move.parse(kind, text=arg or "", seconds=arg)
        calls.take_move(call, move)
    if call.active:
        calls.take_move(call, calls.Move("hang_up"))
    return call


def seed_calls(users: dict[str, User], per_trainee: int = 4) -> int:
    """Give each demo trainee with no calls a few played calls, one per caller type; returns how many."""
    from web import calls
    made = 0
    for spec in (a for a in ACCOUNTS if a.role == "trainee"):
        trainee = users[spec.username]
        if db.session.scalar(select(func.count()).where(CallRecord.trainee_id == trainee.id)):
            continue
        seen: set[str] = set()
        for scenario in calls.list_scenarios(lang=spec.locale):
            if scenario.caller_type in seen or len(seen) >= per_trainee:
                continue
            seen.add(scenario.caller_type)
            try:
                play_demo_call(scenario.id, spec.locale, trainee)
                made += 1
            except calls.ServiceError as exc:
                log.warning("demo call on %s failed: %s", scenario.id, exc)
    return made


def seed_demo(app: Flask, with_calls: bool = True) -> list[DemoAccount]:
    """Create demo cohorts, accounts and calls (idempotent); returns the demo accounts."""
    with app.app_context():
        db.create_all()
        users = seed_accounts()
        made = seed_calls(users) if with_calls else 0
    log.info("demo data ready: %d account(s), %d new demo call(s)", len(ACCOUNTS), made)
    return list(ACCOUNTS)


def credentials_banner(accounts: list[DemoAccount]) -> str:
    """The demo log-ins as a few lines to print at start-up."""
    lines = ["Demo accounts (username / password / role):"]
    lines += [f"  {a.username:<13} {a.password:<17} {a.role}" for a in accounts]
    return "\n".join(lines)


@click.command("seed-demo")
@with_appcontext
@click.option("--no-calls", is_flag=True, help="only cohorts and accounts, no played calls")
def seed_demo_command(no_calls: bool) -> None:
    """Create the demo cohorts, accounts and calls (safe to run again) and print the log-ins."""
    from flask import current_app
    click.echo(credentials_banner(seed_demo(current_app._get_current_object(), with_calls=not no_calls)))


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
