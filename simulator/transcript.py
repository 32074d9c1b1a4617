"""The transcript: the interchange format between CLI, web, API, exports and tests."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

SPEAKERS = ("trainee", "caller")
KINDS = ("speech", "silence", "hang_up")
LANGS = ("zh", "en")


class TranscriptError(ValueError):
    """A transcript file or dict that does not follow the format; says where and what."""


@dataclass(frozen=True)
class Turn:
    """One committed turn; immutable once made."""

    speaker: str
    t: float
    text: str = ""
    kind: str = "speech"
    duration: float | None = None
    skills: Mapping[str, float] = field(default_factory=dict)
    events: tuple[str, ...] = ()

    @property
    def is_speech(self) -> bool:
        return self.kind == "speech"

    def with_skills(self, skills: Mapping[str, float]) -> "Turn":
        return replace(self, skills=dict(skills))

    def with_events(self, events: Iterable[str]) -> "Turn":
        return replace(self, events=tuple(dict.fromkeys(events)))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"speaker": self.speaker, "t": round(self.t, 2)}
        if self.kind != "speech":
            d["kind"] = self.kind
        if self.text or self.kind == "speech":
            d["text"] = self.text
        if self.duration is not None:
            d["duration"] = round(self.duration, 2)
        if self.skills:
            d["skills"] = {k: round(float(v), 3) for k, v in self.skills.items()}
        if self.events:
            d["events"] = list(self.events)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "turn") -> "Turn":
        if not isinstance(d, Mapping):
            raise TranscriptError(f"{where}: expected an object, got {type(d).__name__}")
        speaker = d.get("speaker")
        if speaker not in SPEAKERS:
            raise TranscriptError(f"{where}.speaker: must be one of {SPEAKERS}, got {speaker!r}")
        kind = d.get("kind", "speech")
        if kind not in KINDS:
            raise TranscriptError(f"{where}.kind: must be one of {KINDS}, got {kind!r}")
        try:
            t = float(d.get("t", 0.0))
        except (TypeError, ValueError):
            raise TranscriptError(f"{where}.t: must be a number of seconds, got {d.get('t')!r}") from None
        if t < 0:
            raise TranscriptError(f"{where}.t: must not be negative")
        text = d.get("text", "") or ""
        if not isinstance(text, str):
            raise TranscriptError(f"{where}.text: must be a string")
        if kind == "speech" and not text.strip():
            raise TranscriptError(f"{where}.text: a speech turn needs text")
        duration = d.get("duration")
        if kind == "silence":
            if not isinstance(duration, (int, float)) or duration < 0:
                raise TranscriptError(f"{where}.duration: a silence needs a duration in seconds ≥ 0")
            duration = float(duration)
        elif duration is not None:
            duration = float(duration)
        skills = d.get("skills") or {}
        if isinstance(skills, list):  # a bare list of skill names means confidence 1
            skills = {s: 1.0 for s in skills}
        if not isinstance(skills, Mapping):
            raise TranscriptError(f"{where}.skills: must be a list or an object of skill→confidence")
        events = d.get("events") or []
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise TranscriptError(f"{where}.events: must be a list of event names")
        return cls(speaker=speaker, t=t, text=text, kind=kind, duration=duration,
                   skills={str(k): float(v) for k, v in skills.items()}, events=tuple(events))


@dataclass(frozen=True)
class Transcript:
    """A whole call: who, in which language, and its turns in order."""

    turns: tuple[Turn, ...]
    lang: str = "zh"
    caller_type: str | None = None
    scenario: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def trainee_turns(self) -> list[tuple[int, Turn]]:
        return [(i, t) for i, t in enumerate(self.turns) if t.speaker == "trainee"]

    def caller_turns(self) -> list[tuple[int, Turn]]:
        return [(i, t) for i, t in enumerate(self.turns) if t.speaker == "caller"]

    @property
    def duration(self) -> float:
        if not self.turns:
            return 0.0
        last = self.turns[-1]
        return last.t + (last.duration or 0.0)

    def ended_by(self) -> str | None:
        for turn in self.turns:
            if turn.kind == "hang_up":
                return turn.speaker
        return None

    def with_turns(self, turns: Iterable[Turn]) -> "Transcript":
        return replace(self, turns=tuple(turns))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.scenario:
            d["scenario"] = self.scenario
        if self.caller_type:
            d["caller_type"] = self.caller_type
        d["lang"] = self.lang
        if self.meta:
            d["meta"] = dict(self.meta)
        d["turns"] = [t.to_dict() for t in self.turns]
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "transcript") -> "Transcript":
        if not isinstance(d, Mapping):
            raise TranscriptError(f"{where}: expected a JSON object")
        lang = d.get("lang", "zh")
        if lang not in LANGS:
            raise TranscriptError(f"{where}.lang: must be one of {LANGS}, got {lang!r}")
        turns = d.get("turns")
        if not isinstance(turns, list):
            raise TranscriptError(f"{where}.turns: must be a list of turns")
        parsed = tuple(Turn.from_dict(t, f"{where}.turns[{i}]") for i, t in enumerate(turns))
        for i in range(1, len(parsed)):
            if parsed[i].t < parsed[i - 1].t:
                raise TranscriptError(f"{where}.turns[{i}].t: time goes backwards ({parsed[i].t} < {parsed[i-1].t})")
        return cls(turns=parsed, lang=lang, caller_type=d.get("caller_type"),
                   scenario=d.get("scenario"), meta=dict(d.get("meta") or {}))

    @classmethod
    def from_json(cls, text: str, where: str = "transcript") -> "Transcript":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data, where)

    @classmethod
    def load(cls, path: str | Path) -> "Transcript":
        path = Path(path)
        return cls.from_json(path.read_text(encoding="utf-8"), where=str(path))
