"""Fixtures for the review and certification tests: an app on the small, stable scenarios in
tests/web/supervision_data (its own rubric and policy), a keyword tagger, and helpers that play
calls through the real engine and review them as a supervisor would."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import pytest
from flask import Flask
from sqlalchemy import select

from role_fixtures import login, make_app, user_id
from simulator.tagging import TagContext, register_tagger
from web.extensions import db

DATA = Path(__file__).parent / "supervision_data"
POLICY = DATA / "policies" / "sv_policy.yaml"

KEYWORDS: dict[str, tuple[str, ...]] = {
    "greeting_identify": ("热线", "hotline"),
    "reflection_feeling": ("听起来", "sounds like"),
    "suicide_inquiry": ("自杀", "suicide"),
    "pressuring": ("快说", "hurry up"),
    "closing": ("再见", "goodbye"),
}

# Read below the scorer's cut (REVIEW ≤ confidence < 0.5): uncertain, flagged for a supervisor, not counted.
UNSURE_KEYWORDS: dict[str, tuple[str, ...]] = {"pressuring": ("快点吧",)}

GOOD = ["你好，这里是心理援助热线。", "听起来你很难受。"]                # greet + empathy
PRESSING = ["你好，这里是热线。", "快说啊！"]                          # greet, then presses: critical failure
MAYBE_PRESSING = ["你好，这里是心理援助热线。", "听起来你很难受。快点吧。"]  # passes, but the scorer is unsure
SUICIDE_GOOD = ["你好，这里是热线。", "听起来你很痛苦。你是不是在想自杀？"]  # passes the suicidal call


@register_tagger("svtest")
class SupervisionKeywordTagger:
    """Tags a text with every skill whose keyword it contains (confidence 1; 0.4 for UNSURE_KEYWORDS)."""

    name = "svtest-keywords"

    def tag(self, texts: Sequence[str], context: TagContext | None = None) -> list[dict[str, float]]:
        out = []
        for t in texts:
            tags = {s: 0.4 for s, words in UNSURE_KEYWORDS.items() if any(w in t.lower() for w in words)}
            tags.update({s: 1.0 for s, words in KEYWORDS.items() if any(w in t.lower() for w in words)})
            out.append(tags)
        return out


class NoEvents:
    def detect(self, text: str, lang: str | None = None) -> set[str]:
        return set()


def make_sv_app(**overrides) -> Flask:
    app = make_app(SCENARIO_DIR=str(DATA), TAGGER="svtest", CERT_POLICY=str(POLICY), **overrides)
    app.extensions["hotline_engines"]._detector = NoEvents()
    return app


@pytest.fixture
def sv_app(_cheap_hashes):
    app = make_sv_app()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


def play(app: Flask, username: str, scenario: str = "sv_silent", replies: Sequence[str] = GOOD,
         lang: str = "zh") -> str:
    """A call by `username`: each reply said in turn, then the trainee hangs up; its public id."""
    from web import calls
    with app.app_context():
        call = calls.start_call(scenario, lang, trainee_id=user_id(app, username))
        for text in replies:
            calls.take_move(call, calls.Move("say", text=text))
        calls.take_move(call, calls.Move("hang_up"))
        return call.public_id


def client(app: Flask, username: str | None):
    c = app.test_client()
    if username:
        assert login(c, username).status_code == 302
    return c


def approve(app: Flask, public_id: str, supervisor: str = "supervisor1", **overrides: tuple[str, str]) -> None:
    """Review and decide a call as `supervisor`: item=(result, reason) overrides, then approve."""
    sup = client(app, supervisor)
    for item, (result, reason) in overrides.items():
        assert sup.post(f"/review/calls/{public_id}/override",
                        data={"item": item, "result": result, "reason": reason}).status_code == 303
    assert sup.post(f"/review/calls/{public_id}/decision",
                    data={"decision": "approved", "summary": "ok"}).status_code == 303


def call_ids_on(html: str) -> list[str]:
    return re.findall(r'data-call="([^"]+)"', html)


def rows(model, **where):
    stmt = select(model).filter_by(**where)
    return db.session.scalars(stmt).all()
