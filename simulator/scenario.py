"""Scenario and rubric schemas, and loaders whose errors name file, field and problem."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulator.skills import ALL_SKILLS
from simulator.tagging import EVENTS

CALLER_TYPES = ("silent", "crying", "prank", "suicidal", "advice", "other")
DEFAULT_SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioError(ValueError):
    """A scenario, rubric or policy file that cannot be used; the message names file, field, problem."""

    def __init__(self, path: str | Path, problems: list[tuple[str, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [f"{self.path}: {field}: {problem}" for field, problem in problems]
        super().__init__("\n".join(lines))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A bilingual text."""

    zh: str
    en: str

    @field_validator("zh", "en")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _check_skills(names: list[str]) -> list[str]:
    bad = [n for n in names if n not in ALL_SKILLS]
    if bad:
        raise ValueError(f"unknown skill(s) {bad}; see simulator/skills.py")
    return names


def _check_events(names: list[str]) -> list[str]:
    bad = [n for n in names if n not in EVENTS]
    if bad:
        raise ValueError(f"unknown event(s) {bad}; known: {list(EVENTS)}")
    return names


class When(_Strict):
    """A transition's condition; every key given must hold (AND)."""

    skills_any: list[str] = []          # this trainee turn shows any of these
    skills_seen: list[str] = []         # cumulative: turns showing any of these ...
    seen_count: int = 1                 # ... at least this many times in the call
    waited_at_least: float | None = None   # trainee's total patient waiting (s)
    silence_at_least: float | None = None  # line silent since caller last spoke (s)
    turns_in_state_at_least: int | None = None
    on_wait: bool | None = None         # true: only when the trainee waited; false: only on speech
    always: bool = False

    _v_any = field_validator("skills_any", "skills_seen")(classmethod(lambda cls, v: _check_skills(v)))

    @model_validator(mode="after")
    def _not_empty(self) -> "When":
        if not (self.skills_any or self.skills_seen or self.waited_at_least is not None
                or self.silence_at_least is not None or self.turns_in_state_at_least is not None
                or self.on_wait is not None or self.always):
            raise ValueError("a transition needs at least one condition (or always: true)")
        return self


class Transition(_Strict):
    to: str
    when: When


class State(_Strict):
    """A node in the caller's script."""

    lines: list[Text] = []          # said on entering (one variant chosen)
    repeat_lines: list[Text] = []   # said when staying here after a trainee move
    silent: bool = False            # stays silent (no words) in this state
    pause: float = 5.0              # seconds of caller silence after a trainee utterance
    hang_up: bool = False           # caller hangs up on entering (after any line)
    events: list[str] = []          # revealed on entering
    transitions: list[Transition] = []

    _v_ev = field_validator("events")(classmethod(lambda cls, v: _check_events(v)))

    @model_validator(mode="after")
    def _speakable(self) -> "State":
        if not self.lines and not self.silent and not self.hang_up:
            raise ValueError("a state needs lines, silent: true or hang_up: true")
        return self


class Persona(_Strict):
    name: Text
    age: int | None = None
    background: Text
    mood: str | None = None


class Risk(_Strict):
    """Hidden facts the trainee must find out."""

    ideation: bool = False
    plan: bool = False
    means_at_hand: bool = False
    imminent: bool = False
    past_attempt: bool = False


class CallerSpec(_Strict):
    kind: str = "scripted"
    options: dict[str, Any] = {}


class Scenario(_Strict):
    """A simulated call: persona, hidden facts, script and rubric."""

    id: str
    caller_type: str
    title: Text
    summary: Text
    difficulty: int = Field(ge=1, le=3)
    langs: list[Literal["zh", "en"]] = ["zh", "en"]
    rubric: str
    persona: Persona
    risk: Risk = Risk()
    tags: list[str] = []
    guidance: Text | None = None       # what a good call looks like (shown after the call)
    caller: CallerSpec = CallerSpec()
    start: str
    states: dict[str, State]
    model: dict[str, Any] = {}        # extra data for model-driven callers
    content_hash: str = ""

    @field_validator("caller_type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in CALLER_TYPES:
            raise ValueError(f"must be one of {CALLER_TYPES}")
        return v

    @model_validator(mode="after")
    def _graph(self) -> "Scenario":
        if self.start not in self.states:
            raise ValueError(f"start state {self.start!r} is not among states {sorted(self.states)}")
        for name, st in self.states.items():
            for i, tr in enumerate(st.transitions):
                if tr.to not in self.states:
                    raise ValueError(f"states.{name}.transitions[{i}].to: no state named {tr.to!r}")
        return self

    def text(self, t: Text | None, lang: str) -> str:
        return t.get(lang) if t else ""


class Condition(_Strict):
    """A rubric condition; `type` picks the evaluator from simulator.conditions.CONDITIONS."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str


class RubricItem(_Strict):
    id: str
    text: Text
    kind: Literal["required", "forbidden", "quality"]
    weight: float = Field(gt=0)
    critical: bool = False
    source: str
    condition: Condition
    applies_if_event: list[str] = []    # item applies only if any of these events occurred
    applies_if_risk: list[str] = []     # ... or the scenario's hidden risk has any of these
    exemplars: dict[Literal["zh", "en"], list[str]] = {}
    feedback: Text | None = None

    _v_ev = field_validator("applies_if_event")(classmethod(lambda cls, v: _check_events(v)))


class Rubric(_Strict):
    id: str
    title: Text
    applies_to: list[str] = []
    includes: list[str] = []          # other rubric ids whose items are added (e.g. common)
    pass_score: float = Field(default=70, ge=0, le=100)
    items: list[RubricItem]
    content_hash: str = ""

    @model_validator(mode="after")
    def _unique(self) -> "Rubric":
        ids = [i.id for i in self.items]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate item ids {sorted(dup)}")
        return self


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        out.append((loc, msg))
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(path, [("(file)", f"cannot read: {exc.strerror}")]) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise ScenarioError(path, [(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError(path, [("(top level)", "expected a mapping of fields")])
    data["content_hash"] = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
    return data


def _parse(model: type[BaseModel], path: Path, data: dict[str, Any]):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(path, _problems(exc)) from None


def parse_scenario(data: dict[str, Any], path: str | Path = "<scenario>") -> Scenario:
    """Validate a scenario mapping (e.g. from the web) into a Scenario."""
    return _parse(Scenario, Path(path), dict(data))


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    return _parse(Scenario, path, _read_yaml(path))


def load_rubric(path: str | Path) -> Rubric:
    path = Path(path)
    return _parse(Rubric, path, _read_yaml(path))


class Library:
    """All scenarios and rubrics under one folder, validated, with cross-references checked."""

    def __init__(self, scenarios: dict[str, Scenario], rubrics: dict[str, Rubric]):
        self.scenarios = scenarios
        self.rubrics = rubrics

    @classmethod
    def load(cls, root: str | Path = DEFAULT_SCENARIO_DIR) -> "Library":
        from simulator.scoring import check_rubric  # scoring imports this module
        root = Path(root)
        if not root.exists():
            raise ScenarioError(root, [("(path)", "no such folder")])
        errors: list[ScenarioError] = []
        rubrics: dict[str, Rubric] = {}
        scenarios: dict[str, Scenario] = {}
        sources: dict[str, Path] = {}
        for path in sorted(root.rglob("*.yaml")):
            if path.name.startswith("policy") or "policies" in path.parts:
                continue
            try:
                if "rubrics" in path.parts:
                    r = load_rubric(path)
                    problems = check_rubric(r)
                    if problems:
                        raise ScenarioError(path, problems)
                    rubrics[r.id] = r
                else:
                    s = load_scenario(path)
                    if s.id in scenarios:
                        errors.append(ScenarioError(path, [("id", f"duplicate scenario id, also in {sources[s.id]}")]))
                    scenarios[s.id] = s
                    sources[s.id] = path
            except ScenarioError as exc:
                errors.append(exc)
        for sid, s in scenarios.items():
            if s.rubric not in rubrics:
                errors.append(ScenarioError(sources[sid], [("rubric", f"no rubric with id {s.rubric!r}")]))
        for r in rubrics.values():
            for inc in r.includes:
                if inc not in rubrics:
                    errors.append(ScenarioError(f"rubric {r.id}", [("includes", f"no rubric with id {inc!r}")]))
        if errors:
            problems = [(f"{e.path}: {f}", p) for e in errors for f, p in e.problems]
            raise ScenarioError(root, problems)
        return cls(scenarios, rubrics)

    def rubric_for(self, scenario_id: str | None = None, caller_type: str | None = None,
                   rubric_id: str | None = None) -> Rubric:
        """Resolve the rubric to score with, items of `includes` merged in."""
        if rubric_id is None and scenario_id and scenario_id in self.scenarios:
            rubric_id = self.scenarios[scenario_id].rubric
        if rubric_id is None and caller_type:
            for r in self.rubrics.values():
                if caller_type in r.applies_to:
                    rubric_id = r.id
                    break
        if rubric_id is None:
            rubric_id = "common"
        if rubric_id not in self.rubrics:
            raise KeyError(f"no rubric {rubric_id!r}; known: {sorted(self.rubrics)}")
        return merged_rubric(self.rubrics[rubric_id], self.rubrics)


def merged_rubric(rubric: Rubric, all_rubrics: dict[str, Rubric]) -> Rubric:
    """Return `rubric` with the items of its `includes` prepended (depth-first, once each)."""
    items: list[RubricItem] = []
    seen: set[str] = set()

    def add(r: Rubric, stack: tuple[str, ...]) -> None:
        for inc in r.includes:
            if inc not in stack:
                add(all_rubrics[inc], stack + (inc,))
        for it in r.items:
            if it.id not in seen:
                seen.add(it.id)
                items.append(it)

    add(rubric, (rubric.id,))
    h = hashlib.sha256("".join(all_rubrics[i].content_hash for i in (rubric.id, *rubric.includes)
                               if i in all_rubrics).encode()).hexdigest()[:16]
    return rubric.model_copy(update={"items": items, "includes": [], "content_hash": h})
