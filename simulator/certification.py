"""The certification policy as data: schema, loader, and a trainee's progress against it.

A policy is a list of requirements; each requirement's `kind` picks its evaluator from
REQUIREMENT_KINDS. The evaluation is pure: it reads CallFacts (what the web layer knows of a
trainee's calls after supervision) and says, per requirement, whether it is met and what is missing.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Callable, Iterable, Literal, Union

from pydantic import Field, field_validator, model_validator

from simulator.scenario import CALLER_TYPES, DEFAULT_SCENARIO_DIR, Risk, ScenarioError, Text, _parse, _read_yaml, _Strict

DEFAULT_POLICY = DEFAULT_SCENARIO_DIR / "policies" / "certification.yaml"
RISKS = tuple(Risk.model_fields)


def _caller_type(v: str | None) -> str | None:
    if v is not None and v not in CALLER_TYPES:
        raise ValueError(f"unknown caller type {v!r}; one of {CALLER_TYPES}")
    return v


class _Requirement(_Strict):
    id: str
    text: Text
    count: int = Field(ge=1)
    caller_type: str | None = None

    _v_type = field_validator("caller_type")(classmethod(lambda cls, v: _caller_type(v)))


class ApprovedPasses(_Requirement):
    """Calls a supervisor approved whose reviewed verdict is pass."""

    kind: Literal["approved_passes"]
    risk_any: list[str] = []
    no_critical_failure: bool = True

    @field_validator("risk_any")
    @classmethod
    def _risks(cls, v: list[str]) -> list[str]:
        bad = [r for r in v if r not in RISKS]
        if bad:
            raise ValueError(f"unknown risk(s) {bad}; one of {RISKS}")
        return v


class PracticeCalls(_Requirement):
    """Ended practice calls, whatever their result."""

    kind: Literal["practice_calls"]


Requirement = Annotated[Union[ApprovedPasses, PracticeCalls], Field(discriminator="kind")]


class Policy(_Strict):
    id: str
    version: int = Field(ge=1)
    title: Text
    validity_months: int = Field(ge=1, le=120)
    requirements: list[Requirement] = Field(min_length=1)
    content_hash: str = ""

    @model_validator(mode="after")
    def _unique(self) -> "Policy":
        ids = [r.id for r in self.requirements]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate requirement ids {dup}")
        return self


def load_policy(path: str | Path = DEFAULT_POLICY) -> Policy:
    """Load and validate a policy file; ScenarioError names file, field and problem."""
    path = Path(path)
    return _parse(Policy, path, _read_yaml(path))


# -- evaluation --------------------------------------------------------------------------
@dataclass(frozen=True)
class CallFacts:
    """What certification needs to know about one call of a trainee."""

    call_id: str
    caller_type: str
    ended: bool = True
    decision: str | None = None          # the supervisor's: approved | needs_work | None
    verdict: str | None = None           # reviewed verdict (overrides applied): pass | fail | None
    critical_failures: tuple[str, ...] = ()
    risk: frozenset[str] = frozenset()   # the scenario's hidden risk facts that are true
    at: datetime | None = None


@dataclass(frozen=True)
class RequirementProgress:
    id: str
    kind: str
    text: Text
    have: int
    need: int
    call_ids: tuple[str, ...]            # the calls that count towards it

    @property
    def met(self) -> bool:
        return self.have >= self.need

    def line(self, lang: str) -> str:
        """E.g. "2 of 3 supervisor-approved passes on crying calls" / "2/3 次经督导认可通过的哭泣来电"."""
        have = min(self.have, self.need)
        if lang == "zh":
            return f"{have}/{self.need} {self.text.zh}"
        return f"{have} of {self.need} {self.text.en}"


@dataclass(frozen=True)
class Progress:
    policy_id: str
    policy_version: int
    requirements: tuple[RequirementProgress, ...]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def done(self) -> int:
        return sum(r.met for r in self.requirements)

    def missing(self, lang: str) -> list[str]:
        """One line per requirement not yet met."""
        return [r.line(lang) for r in self.requirements if not r.met]


def _type_ok(req: _Requirement, call: CallFacts) -> bool:
    return call.ended and (req.caller_type is None or call.caller_type == req.caller_type)


def _approved_passes(req: ApprovedPasses, call: CallFacts) -> bool:
    return (_type_ok(req, call) and call.decision == "approved" and call.verdict == "pass"
            and (not req.no_critical_failure or not call.critical_failures)
            and (not req.risk_any or bool(call.risk & set(req.risk_any))))


def _practice_calls(req: PracticeCalls, call: CallFacts) -> bool:
    return _type_ok(req, call)


REQUIREMENT_KINDS: dict[str, Callable[[_Requirement, CallFacts], bool]] = {
    "approved_passes": _approved_passes,
    "practice_calls": _practice_calls,
}


def evaluate_requirement(req: _Requirement, calls: Iterable[CallFacts]) -> RequirementProgress:
    try:
        counts = REQUIREMENT_KINDS[req.kind]
    except KeyError:
        raise ValueError(f"unknown requirement kind {req.kind!r}; known: {sorted(REQUIREMENT_KINDS)}") from None
    ids = tuple(c.call_id for c in calls if counts(req, c))
    return RequirementProgress(req.id, req.kind, req.text, len(ids), req.count, ids)


def evaluate_policy(policy: Policy, calls: Iterable[CallFacts]) -> Progress:
    """Each requirement of `policy`, met or how far along, over a trainee's `calls`."""
    calls = list(calls)
    return Progress(policy.id, policy.version, tuple(evaluate_requirement(r, calls) for r in policy.requirements))


def add_months(when: datetime, months: int) -> datetime:
    """`when` plus `months` calendar months (the 31st becomes the month's last day)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


__all__ = ["ApprovedPasses", "CallFacts", "Policy", "PracticeCalls", "Progress", "RequirementProgress",
           "ScenarioError", "add_months", "evaluate_policy", "load_policy"]
