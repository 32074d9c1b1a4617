"""The Caller seam: what a simulated caller sees and how it answers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

from simulator.transcript import Turn


@dataclass(frozen=True)
class CallerAction:
    """What the caller does next: speak, stay silent or hang up, revealing any events."""

    kind: str  # "speech" | "silence" | "hang_up"
    text: str = ""
    duration: float | None = None  # for silence: how long the caller stays silent
    events: tuple[str, ...] = ()

    @classmethod
    def say(cls, text: str, events: tuple[str, ...] = ()) -> "CallerAction":
        return cls("speech", text=text, events=tuple(events))

    @classmethod
    def silence(cls, duration: float, events: tuple[str, ...] = ()) -> "CallerAction":
        return cls("silence", duration=duration, events=tuple(events))

    @classmethod
    def hang_up(cls, text: str = "", events: tuple[str, ...] = ()) -> "CallerAction":
        return cls("hang_up", text=text, events=tuple(events))


@dataclass(frozen=True)
class CallState:
    """A read-only view of the call for the caller: never the score."""

    lang: str
    t: float
    turns: tuple[Turn, ...]
    waited_total: float          # seconds the trainee chose to wait in silence
    silent_for: float            # seconds since the caller last spoke (or since the start)
    events_so_far: frozenset[str] = field(default_factory=frozenset)

    def trainee_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.speaker == "trainee"]


@runtime_checkable
class Caller(Protocol):
    """A simulated caller; keeps private state that it can snapshot and restore."""

    def open(self, state: CallState) -> CallerAction:
        """The caller's first action when the line connects."""
        ...

    def respond(self, state: CallState, trainee_turn: Turn) -> CallerAction:
        """React to the trainee's turn: speech (with skills) or a silence of `duration`."""
        ...

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy of the private state, so a call can resume on another server."""
        ...

    def restore(self, data: dict[str, Any]) -> None:
        ...


CALLERS: dict[str, Callable[..., Caller]] = {}


def register_caller(kind: str) -> Callable[[Callable[..., Caller]], Callable[..., Caller]]:
    """Register a caller factory `factory(scenario, lang, **options)` under `kind`."""
    def deco(factory: Callable[..., Caller]) -> Callable[..., Caller]:
        CALLERS[kind] = factory
        return factory
    return deco


def make_caller(scenario, lang: str, **options) -> Caller:
    """Build the caller the scenario asks for (`scenario.caller.kind`)."""
    kind = scenario.caller.kind
    if kind not in CALLERS:
        if kind == "scripted":
            import simulator.callers.scripted  # noqa: F401
        else:
            import importlib
            importlib.import_module("models.callers")  # model-driven callers register there
    try:
        factory = CALLERS[kind]
    except KeyError:
        raise ValueError(f"scenario {scenario.id}: unknown caller kind {kind!r}; known: {sorted(CALLERS)}") from None
    return factory(scenario, lang, **{**scenario.caller.options, **options})


def warm_callers(scenarios, make: Callable[..., Caller] = make_caller) -> int:
    """Load now what each model-driven scenario's first turn would wait for (encoder, embedded line banks and pools,
    a generator), in each of its languages; `make(scenario, lang)` builds the caller. Returns how many were warmed."""
    n = 0
    for scenario in scenarios:
        if scenario.caller.kind == "scripted":
            continue
        for lang in scenario.langs:
            warm = getattr(make(scenario, lang), "warm", None)
            if warm is not None:
                warm()
                n += 1
    return n
