"""The scoring engine: a rubric turns a tagged transcript into a report with evidence.

Condition kinds live in simulator/conditions.py (CONDITIONS); this module applies a
rubric's items to a call and adds the results up.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from simulator.conditions import (  # noqa: F401  (re-exported: the scoring API)
    CONDITIONS, FAILING, REVIEW, SKILL_KEYS, THRESHOLD, CallView, caller_spoke, check_condition, evaluate, has_words)
from simulator.scenario import Rubric, RubricItem, Scenario
from simulator.skills import CRITICAL_SKILLS, Skill
from simulator.tagging import CallerEventDetector, SkillTagger, TagContext, tag_in_contexts
from simulator.transcript import Transcript, Turn


@dataclass(frozen=True)
class Points:
    """Score parts that add up across items, calls and trainees."""

    earned: float = 0.0
    possible: float = 0.0

    def __add__(self, other: "Points") -> "Points":
        return Points(self.earned + other.earned, self.possible + other.possible)

    @property
    def percent(self) -> float:
        return round(100.0 * self.earned / self.possible, 1) if self.possible else 100.0


@dataclass(frozen=True)
class ItemResult:
    id: str
    result: str
    evidence: tuple[int, ...]
    weight: float
    critical: bool
    kind: str

    @property
    def points(self) -> Points:
        if self.result == "not_applicable":
            return Points()
        return Points(self.weight if self.result == "met" else 0.0, self.weight)

    @property
    def critical_failure(self) -> bool:
        return self.critical and self.result in FAILING


@dataclass(frozen=True)
class Uncertain:
    """A critical item whose result turns on an uncertain reading: counting the skills the tagger was unsure of
    (REVIEW ≤ confidence < THRESHOLD) would give `if_counted` instead of the counted result. Flagged for a
    supervisor; it does not change the verdict."""

    id: str
    counted: str
    if_counted: str
    turns: tuple[int, ...]
    skills: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "counted": self.counted, "if_counted": self.if_counted,
                "turns": list(self.turns), "skills": list(self.skills)}


@dataclass(frozen=True)
class ScoreReport:
    rubric_id: str
    rubric_hash: str
    items: tuple[ItemResult, ...]
    pass_score: float
    tagger: str
    turn_skills: tuple[tuple[str, ...], ...] = field(default=())
    turn_events: tuple[tuple[str, ...], ...] = field(default=())
    uncertain: tuple[Uncertain, ...] = field(default=())
    events_reader: str = ""   # what read events from the caller's words ("" when nothing did)

    @property
    def points(self) -> Points:
        return sum((i.points for i in self.items), Points())

    @property
    def score(self) -> float:
        return self.points.percent

    @property
    def critical_failures(self) -> list[str]:
        return [i.id for i in self.items if i.critical_failure]

    @property
    def verdict(self) -> str:
        return "pass" if not self.critical_failures and self.score >= self.pass_score else "fail"

    def to_dict(self) -> dict[str, Any]:
        return {"rubric": self.rubric_id, "rubric_hash": self.rubric_hash, "tagger": self.tagger,
                "events_reader": self.events_reader,
                "verdict": self.verdict, "score": self.score, "pass_score": self.pass_score,
                "critical_failures": self.critical_failures,
                "items": [{"id": i.id, "result": i.result, "evidence": list(i.evidence),
                           "weight": i.weight, "critical": i.critical, "kind": i.kind} for i in self.items],
                "turn_skills": [list(s) for s in self.turn_skills],
                "turn_events": [list(e) for e in self.turn_events],
                "uncertain": [u.to_dict() for u in self.uncertain]}


def build_view(transcript: Transcript, tagger: SkillTagger | None = None,
               detector: CallerEventDetector | None = None, scenario: Scenario | None = None) -> CallView:
    """Tag trainee turns (fresh, when a tagger is given) and read events from caller words."""
    turns = transcript.turns
    speech = [i for i, t in enumerate(turns) if t.speaker == "trainee" and t.kind == "speech"]
    tagged: dict[int, Mapping[str, float]] = {}
    if tagger is not None:
        last_caller: str | None = None
        contexts: dict[int, TagContext] = {}
        for i, t in enumerate(turns):  # the same context a live call gives the tagger
            if t.speaker == "caller" and t.text:
                last_caller = t.text
            elif i in speech:
                contexts[i] = TagContext(transcript.lang, transcript.caller_type, last_caller)
        tagged = dict(zip(contexts, tag_in_contexts(tagger, [turns[i].text for i in contexts],
                                                    list(contexts.values()))))
    said = [i for i, t in enumerate(turns) if t.speaker == "caller" and t.text]
    read: dict[int, set[str]] = {}
    if detector is not None and said:
        texts = [turns[i].text for i in said]
        many = getattr(detector, "detect_many", None)  # a model reader reads a call's caller turns in one pass
        read = dict(zip(said, many(texts, transcript.lang) if many else
                        [detector.detect(x, transcript.lang) for x in texts]))
    skills, events, uncertain = [], [], []
    for i, t in enumerate(turns):
        conf = tagged.get(i, t.skills)
        s = {k for k, v in conf.items() if v >= THRESHOLD}
        uncertain.append(frozenset(k for k, v in conf.items() if REVIEW <= v < THRESHOLD and k in _CRITICAL)
                         if t.speaker == "trainee" else frozenset())
        if t.speaker == "trainee" and t.kind == "silence":
            s.add(Skill.patience_silence.value)
        skills.append(frozenset(s) if t.speaker == "trainee" else frozenset())
        ev = set(t.events) | read.get(i, set())
        events.append(frozenset(ev))
    risk = frozenset(k for k, v in scenario.risk.model_dump().items() if v) if scenario else frozenset()
    return CallView(transcript, tuple(skills), tuple(_mark_started_talking(turns, events)), risk, tuple(uncertain))


_CRITICAL = frozenset(s.value for s in CRITICAL_SKILLS)


def _named_skills(cond: Mapping[str, Any]) -> set[str]:
    """Every skill a condition (and the conditions inside it) names."""
    named = {k for key in SKILL_KEYS for k in cond.get(key) or []}
    for sub in cond.get("conditions") or []:
        named |= _named_skills(sub)
    return named


def _uncertain(item: RubricItem, view: CallView, wider: CallView, counted: str) -> Uncertain | None:
    """The flag for `item` when counting the uncertain readings (`wider`: the view with them counted) would flip
    it between pass and fail. Only a skill the condition names can flip it, so the flag names those turns."""
    if not item.critical:
        return None
    result, _ = evaluate(item.condition, wider)
    if (result in FAILING) == (counted in FAILING):
        return None
    named = _named_skills(item.condition.model_dump())
    turns = [i for i, u in enumerate(view.uncertain) if u & named]
    skills = sorted(set().union(*(view.uncertain[i] for i in turns)) & named)
    return Uncertain(item.id, counted, result, tuple(turns), tuple(skills))


def _mark_started_talking(turns: Sequence[Turn], events: list[frozenset[str]]) -> list[frozenset[str]]:
    """Add `started_talking` to a wordless opening's first caller words (transcripts from elsewhere)."""
    callers = [i for i, t in enumerate(turns) if t.speaker == "caller"]
    if not callers or has_words(turns[callers[0]]) or any("started_talking" in e for e in events):
        return events
    first = next((i for i in callers if has_words(turns[i])), None)
    if first is not None:
        events[first] = events[first] | {"started_talking"}
    return events


def _applies(item: RubricItem, view: CallView, caller_type: str | None) -> bool:
    if not item.applies_if_event and not item.applies_if_risk:
        return True
    return bool(view.all_events() & set(item.applies_if_event)) or bool(view.risk & set(item.applies_if_risk))


def score(transcript: Transcript, rubric: Rubric, tagger: SkillTagger | None = None,
          detector: CallerEventDetector | None = None, scenario: Scenario | None = None) -> ScoreReport:
    """Score `transcript` against `rubric`; deterministic for a given tagger and detector."""
    view = build_view(transcript, tagger, detector, scenario)
    wider = replace(view, skills=tuple(s | u for s, u in zip(view.skills, view.uncertain))) if any(
        view.uncertain) else None
    results, flags = [], []
    for item in rubric.items:
        if _applies(item, view, transcript.caller_type):
            result, evidence = evaluate(item.condition, view)
            flag = _uncertain(item, view, wider, result) if wider is not None else None
            if flag is not None:
                flags.append(flag)
        else:
            result, evidence = "not_applicable", []
        results.append(ItemResult(item.id, result, tuple(sorted(set(evidence))), item.weight,
                                  item.critical, item.kind))
    return ScoreReport(rubric.id, rubric.content_hash, tuple(results), rubric.pass_score,
                       getattr(tagger, "name", "transcript") if tagger else "transcript",
                       tuple(tuple(sorted(s)) for s in view.skills),
                       tuple(tuple(sorted(e)) for e in view.events), tuple(flags),
                       getattr(detector, "name", "custom") if detector is not None else "")


def check_rubric(rubric: Rubric) -> list[tuple[str, str]]:
    """Problems with every item's condition in `rubric`."""
    out: list[tuple[str, str]] = []
    for n, item in enumerate(rubric.items):
        out += check_condition(item.condition, f"items[{n}].condition")
    return out
