"""Shared fixtures: the scenario library and the rule tagger (fast, pure)."""
from __future__ import annotations

import pytest

from simulator.scenario import DEFAULT_SCENARIO_DIR, Library


@pytest.fixture(scope="session")
def library() -> Library:
    return Library.load(DEFAULT_SCENARIO_DIR)


@pytest.fixture(scope="session")
def rule_tagger():
    from simulator.rule_tagger import RuleTagger
    return RuleTagger()


@pytest.fixture(scope="session")
def detector():
    from simulator.caller_events import RuleEventDetector
    return RuleEventDetector()
