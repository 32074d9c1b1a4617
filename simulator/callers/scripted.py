"""ScriptedCaller: plays a scenario's state graph."""
from __future__ import annotations

import hashlib
from typing import Any

from simulator.callers.base import CallerAction, CallState, register_caller
from simulator.scenario import Scenario, State, Text, When
from simulator.transcript import Turn


def _pick(variants: list[Text], lang: str, seed: str, avoid: set[str]) -> str:
    """Choose a line variant deterministically, avoiding lines already said if possible."""
    texts = [v.get(lang) for v in variants]
    fresh = [t for t in texts if t not in avoid] or texts
    h = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    return fresh[h % len(fresh)]


class ScriptedCaller:
    """Walks the scenario's states; transitions on the trainee's skills and on silence."""

    def __init__(self, scenario: Scenario, lang: str, seed: int = 0):
        if lang not in scenario.langs:
            raise ValueError(f"scenario {scenario.id} is not playable in {lang!r} (langs: {scenario.langs})")
        self.scenario = scenario
        self.lang = lang
        self.seed = seed
        self.current = scenario.start
        self.turns_in_state = 0
        self.skill_counts: dict[str, int] = {}
        self.said: list[str] = []
        self.moves = 0

    # -- protocol -------------------------------------------------------
    def open(self, state: CallState) -> CallerAction:
        return self._enter(self.scenario.start, state)

    def respond(self, state: CallState, trainee_turn: Turn) -> CallerAction:
        self.moves += 1
        skills = {k for k, v in trainee_turn.skills.items() if v >= 0.5}
        for s in skills:
            self.skill_counts[s] = self.skill_counts.get(s, 0) + 1
        waited = trainee_turn.kind == "silence"
        self.turns_in_state += 1
        for tr in self._state.transitions:
            if self._holds(tr.when, skills, waited, state):
                return self._enter(tr.to, state)
        return self._stay(state, waited)

    def snapshot(self) -> dict[str, Any]:
        return {"current": self.current, "turns_in_state": self.turns_in_state,
                "skill_counts": dict(self.skill_counts), "said": list(self.said), "moves": self.moves}

    def restore(self, data: dict[str, Any]) -> None:
        self.current = data["current"]
        self.turns_in_state = int(data["turns_in_state"])
        self.skill_counts = dict(data["skill_counts"])
        self.said = list(data["said"])
        self.moves = int(data.get("moves", 0))

    # -- internals ------------------------------------------------------
    @property
    def _state(self) -> State:
        return self.scenario.states[self.current]

    def _holds(self, w: When, skills: set[str], waited: bool, state: CallState) -> bool:
        checks = [
            not w.skills_any or bool(skills & set(w.skills_any)),
            not w.skills_seen or sum(self.skill_counts.get(s, 0) for s in w.skills_seen) >= w.seen_count,
            w.waited_at_least is None or state.waited_total >= w.waited_at_least,
            w.silence_at_least is None or state.silent_for >= w.silence_at_least,
            w.turns_in_state_at_least is None or self.turns_in_state >= w.turns_in_state_at_least,
            w.on_wait is None or w.on_wait == waited,
        ]
        return all(checks)

    def _line(self, variants: list[Text]) -> str:
        seed = f"{self.scenario.id}:{self.lang}:{self.seed}:{self.current}:{self.moves}"
        text = _pick(variants, self.lang, seed, set(self.said))
        self.said.append(text)
        return text

    def _enter(self, name: str, state: CallState) -> CallerAction:
        self.current = name
        self.turns_in_state = 0
        st = self._state
        events = tuple(st.events)
        text = self._line(st.lines) if st.lines else ""
        if st.hang_up:
            return CallerAction.hang_up(text, events)
        if st.silent and not text:
            return CallerAction.silence(st.pause, events)
        return CallerAction.say(text, events)

    def _stay(self, state: CallState, waited: bool) -> CallerAction:
        st = self._state
        if st.silent:
            return CallerAction.silence(0.0 if waited else st.pause)
        variants = st.repeat_lines or st.lines
        return CallerAction.say(self._line(variants))


@register_caller("scripted")
def _scripted(scenario: Scenario, lang: str, **options) -> ScriptedCaller:
    return ScriptedCaller(scenario, lang, seed=int(options.get("seed", 0)))
