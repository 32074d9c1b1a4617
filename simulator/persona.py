"""The hidden-state persona engine behind model-driven callers (pure, deterministic).

A persona keeps trust, emotional intensity and engagement (how drawn-in a prank caller
is), and walks the disclosure stages its scenario declares in `model.stages`. Each
trainee turn moves that state by the skills tagged on it, the way a real caller reacts;
the engine then emits an `Intent` — stage, emotion, act (speak | silence | hang_up) and
the events revealed — which a realiser (models/callers.py) turns into words.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulator.callers.base import CallState
from simulator.scenario import ScenarioError, Text, _check_events, _check_skills, _problems
from simulator.skills import NEGATIVE, Skill
from simulator.transcript import Turn

ON = 0.5  # a skill counts when tagged at this confidence or above

# How a caller's trust moves per skill (times the tag's confidence). Scenarios may override.
TRUST_EFFECTS: dict[str, float] = {
    "validation_empathy": 0.12, "reflection_feeling": 0.12, "paraphrase_summary": 0.08,
    "patience_silence": 0.08, "confidentiality": 0.10, "affirmation": 0.06, "open_question": 0.04,
    "greeting_identify": 0.03, "reasons_for_living": 0.05, "collaborative_options": 0.05,
    "safety_planning": 0.04, "suicide_inquiry": 0.03, "referral": 0.01,
    "pressuring": -0.18, "judging_blaming": -0.20, "minimizing": -0.15, "directive_advice": -0.10,
    "interrogating_why": -0.10, "hostile_insult": -0.30, "premature_fact_probe": -0.08,
    "self_disclosure": -0.04,
}
# How emotional intensity moves: soothing lowers it, pressure raises it.
INTENSITY_EFFECTS: dict[str, float] = {
    "validation_empathy": -0.08, "reflection_feeling": -0.08, "patience_silence": -0.06,
    "affirmation": -0.04, "safety_planning": -0.05, "reasons_for_living": -0.04,
    "pressuring": 0.12, "judging_blaming": 0.10, "minimizing": 0.10, "hostile_insult": 0.15,
    "interrogating_why": 0.06, "premature_fact_probe": 0.05, "directive_advice": 0.04,
}
# How drawn-in a prank caller gets: any real engagement feeds the game.
ENGAGE_EFFECTS: dict[str, float] = {
    "open_question": 0.18, "closed_question": 0.12, "reflection_feeling": 0.15, "paraphrase_summary": 0.12,
    "validation_empathy": 0.10, "hostile_insult": 0.25, "judging_blaming": 0.12, "self_disclosure": 0.20,
    "interrogating_why": 0.15, "patience_silence": -0.10,
}
MAX_GAIN_PER_TURN = 0.2


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageWhen(_Spec):
    """Conditions to enter a stage; every key given must hold."""

    min_trust: float | None = None
    max_trust: float | None = None
    max_intensity: float | None = None
    min_engagement: float | None = None
    skills_any: list[str] = []       # this trainee turn shows any of these ...
    caring: bool = False             # ... and no negative skill in the same turn
    skills_seen: list[str] = []      # cumulative turns with any of these ...
    seen_count: int = 1
    min_waited: float | None = None  # trainee's total patient waiting (s)
    min_waits: int | None = None     # trainee wait turns (or turns showing patience)
    min_turns_in_stage: int | None = None

    _v = field_validator("skills_any", "skills_seen")(classmethod(lambda cls, v: _check_skills(v)))


class StageSpec(_Spec):
    name: str
    reveals: Text                    # what the caller lets out at this stage (prompt + retrieval query)
    act: Literal["speak", "silence", "hang_up"] = "speak"
    emotion: str = "neutral"
    events: list[str] = []
    after: list[str] = []            # stages it can follow; default the previous one; "*" any
    when: StageWhen = StageWhen()
    pool: list[str] = []             # pool categories whose utterances fit this stage
    pause: float = Field(default=5.0, ge=0)

    _v = field_validator("events")(classmethod(lambda cls, v: _check_events(v)))


class PersonaSpec(_Spec):
    """The `model:` block of a model-driven scenario."""

    start_trust: float = Field(default=0.3, ge=0, le=1)
    start_intensity: float = Field(default=0.6, ge=0, le=1)
    negative_emotion: str = "hurt"   # emotion after a hurtful trainee turn
    calm_below: float | None = None  # intensity under which `caller_calmer` fires once
    trust_effects: dict[str, float] = {}
    engage_effects: dict[str, float] = {}
    pool_filter: dict[str, list[str]] = {}   # topics / emotions for pool utterances
    stages: list[StageSpec]
    lines: list[dict[str, Any]] = []         # the bank; read by the realiser

    @field_validator("trust_effects", "engage_effects")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        _check_skills(list(v))
        return v

    @model_validator(mode="after")
    def _graph(self) -> "PersonaSpec":
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stages: duplicate stage names in {names}")
        for s in self.stages:
            bad = [a for a in s.after if a != "*" and a not in names]
            if bad:
                raise ValueError(f"stages.{s.name}.after: no stage named {bad}")
        for i, line in enumerate(self.lines):
            if line.get("stage", "*") not in (*names, "*"):
                raise ValueError(f"lines[{i}].stage: no stage named {line.get('stage')!r}")
        return self

    def stage(self, name: str) -> StageSpec:
        return next(s for s in self.stages if s.name == name)


def parse_persona(model: dict[str, Any], where: str = "<scenario>") -> PersonaSpec:
    """Validate a scenario's `model:` block; errors name the file and field."""
    try:
        return PersonaSpec.model_validate(model)
    except ValidationError as exc:
        raise ScenarioError(where, [(f"model.{f}", p) for f, p in _problems(exc)]) from None


@dataclass(frozen=True)
class Intent:
    """What the persona wants to do next; the realiser picks or generates the words."""

    stage: str
    emotion: str
    act: str                    # "speak" | "silence" | "hang_up"
    events: tuple[str, ...]
    reveals: Text
    entered: bool               # the stage was entered on this move
    pause: float = 0.0          # for silence: seconds of caller silence


def _clamp(x: float) -> float:
    return round(min(1.0, max(0.0, x)), 4)


class PersonaEngine:
    """Hidden state of one caller during one call; snapshot/restore as JSON."""

    def __init__(self, spec: PersonaSpec, seed: int = 0):
        self.spec = spec
        self.seed = seed
        self.trust = spec.start_trust
        self.intensity = spec.start_intensity
        self.engagement = 0.0
        self.stage = spec.stages[0].name
        self.turns_in_stage = 0
        self.waits = 0
        self.moves = 0
        self.seen: dict[str, int] = {}
        self.fired: list[str] = []
        self.calm_fired = False

    # -- protocol -----------------------------------------------------------
    def open(self, state: CallState) -> Intent:
        """The first intent when the line connects: the first stage."""
        return self._intent(self.spec.stages[0], entered=True, emotion=None, waited=False)

    def step(self, state: CallState, turn: Turn) -> Intent:
        """Update the hidden state by the trainee's turn and return the next intent."""
        self.moves += 1
        self.turns_in_stage += 1
        waited = turn.kind == "silence"
        skills = {k: float(v) for k, v in turn.skills.items() if float(v) >= ON}
        for name in skills:
            self.seen[name] = self.seen.get(name, 0) + 1
        if waited or "patience_silence" in skills:
            self.waits += 1
        hurt = self._update(skills, waited)
        nxt = self._next_stage(skills, state)
        if nxt is not None:
            self.stage, self.turns_in_stage = nxt.name, 0
        emotion = self.spec.negative_emotion if hurt else None
        return self._intent(self.spec.stage(self.stage), entered=nxt is not None, emotion=emotion, waited=waited)

    def snapshot(self) -> dict[str, Any]:
        return {"trust": self.trust, "intensity": self.intensity, "engagement": self.engagement,
                "stage": self.stage, "turns_in_stage": self.turns_in_stage, "waits": self.waits,
                "moves": self.moves, "seen": dict(self.seen), "fired": list(self.fired),
                "calm_fired": self.calm_fired}

    def restore(self, data: dict[str, Any]) -> None:
        self.trust, self.intensity = float(data["trust"]), float(data["intensity"])
        self.engagement = float(data["engagement"])
        self.stage = data["stage"]
        self.spec.stage(self.stage)  # raises StopIteration on a stage the scenario lacks
        self.turns_in_stage, self.waits = int(data["turns_in_stage"]), int(data["waits"])
        self.moves = int(data["moves"])
        self.seen, self.fired = dict(data["seen"]), list(data["fired"])
        self.calm_fired = bool(data["calm_fired"])

    # -- internals ------------------------------------------------------------
    def _update(self, skills: dict[str, float], waited: bool) -> bool:
        """Move trust, intensity and engagement; return True if the turn hurt."""
        effects = {**TRUST_EFFECTS, **self.spec.trust_effects}
        gain = sum(effects.get(k, 0.0) * c for k, c in skills.items() if effects.get(k, 0.0) > 0)
        loss = sum(effects.get(k, 0.0) * c for k, c in skills.items() if effects.get(k, 0.0) < 0)
        self.trust = _clamp(self.trust + min(gain, MAX_GAIN_PER_TURN) * (1.0 - self.trust * 0.5) + loss)
        calm = -0.05 if waited else 0.0
        self.intensity = _clamp(self.intensity + calm + sum(INTENSITY_EFFECTS.get(k, 0.0) * c for k, c in skills.items()))
        engage = {**ENGAGE_EFFECTS, **self.spec.engage_effects}
        bored = -0.1 if waited else 0.0
        self.engagement = _clamp(self.engagement + bored + sum(engage.get(k, 0.0) * c for k, c in skills.items()))
        return loss < 0

    def _next_stage(self, skills: dict[str, float], state: CallState) -> StageSpec | None:
        """The first stage reachable from the current one whose conditions hold."""
        names = [s.name for s in self.spec.stages]
        for i, st in enumerate(self.spec.stages):
            sources = st.after or ([names[i - 1]] if i > 0 else [])
            reachable = st.name != self.stage and ("*" in sources or self.stage in sources)
            if reachable and self._holds(st.when, skills, state):
                return st
        return None

    def _holds(self, w: StageWhen, skills: dict[str, float], state: CallState) -> bool:
        negative = any(Skill(k) in NEGATIVE for k in skills if k in Skill.__members__)
        checks = (
            w.min_trust is None or self.trust >= w.min_trust,
            w.max_trust is None or self.trust <= w.max_trust,
            w.max_intensity is None or self.intensity <= w.max_intensity,
            w.min_engagement is None or self.engagement >= w.min_engagement,
            not w.skills_any or (bool(set(skills) & set(w.skills_any)) and not (w.caring and negative)),
            not w.skills_seen or sum(self.seen.get(s, 0) for s in w.skills_seen) >= w.seen_count,
            w.min_waited is None or state.waited_total >= w.min_waited,
            w.min_waits is None or self.waits >= w.min_waits,
            w.min_turns_in_stage is None or self.turns_in_stage >= w.min_turns_in_stage,
        )
        return all(checks)

    def _intent(self, st: StageSpec, entered: bool, emotion: str | None, waited: bool) -> Intent:
        events = list(st.events) if entered else []
        if self.spec.calm_below is not None and not self.calm_fired and self.intensity < self.spec.calm_below:
            self.calm_fired = True
            events.append("caller_calmer")
        events = [e for e in events if e not in self.fired]
        self.fired.extend(events)
        pause = 0.0 if (waited and not entered) else self._jitter(st.pause)
        return Intent(stage=st.name, emotion=emotion or st.emotion, act=st.act, events=tuple(events),
                      reveals=st.reveals, entered=entered, pause=pause)

    def _jitter(self, pause: float) -> float:
        """A deterministic ±20 % variation of a pause, fixed by seed and move."""
        h = int(hashlib.sha256(f"{self.seed}:{self.moves}:{self.stage}".encode()).hexdigest()[:6], 16)
        return round(pause * (0.8 + 0.4 * (h / 0xFFFFFF)), 1)
