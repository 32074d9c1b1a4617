"""The call session: a tiny loop that runs turns on a simulated clock and never scores."""
from __future__ import annotations

import re
from typing import Any, Callable

from simulator.callers.base import Caller, CallerAction, CallState
from simulator.scenario import Scenario
from simulator.skills import Skill
from simulator.tagging import SkillTagger, TagContext
from simulator.transcript import Transcript, Turn

MAX_TURNS = 400
MAX_WAIT = 600.0
MAX_TEXT = 2000

OnTurn = Callable[[int, Turn], None]


class CallError(ValueError):
    """A move the call cannot take (it has ended, an empty reply, a bad wait)."""


def speaking_time(text: str, lang: str) -> float:
    """Seconds it takes to say `text` aloud (about 4 Chinese characters or 2.5 English words a second)."""
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    words = len(re.findall(r"[A-Za-z0-9']+", text))
    return round(1.0 + cjk / 4.0 + words / 2.5, 1)


class CallSession:
    """Runs one call: trainee moves in, caller actions out, every turn committed as it happens."""

    def __init__(self, scenario: Scenario, lang: str, caller: Caller, tagger: SkillTagger,
                 on_turn: OnTurn | None = None):
        self.scenario = scenario
        self.lang = lang
        self.caller = caller
        self.tagger = tagger
        self.on_turn = on_turn
        self.turns: list[Turn] = []
        self.t = 0.0
        self.waited_total = 0.0
        self.last_caller_speech_end = 0.0
        self.events: set[str] = set()
        self.ended_by: str | None = None
        self.started = False

    # -- moves ------------------------------------------------------------
    def start(self) -> list[Turn]:
        """Connect the line: the caller's opening action."""
        if self.started:
            raise CallError("the call has already started")
        self.started = True
        return self._caller_acts(self.caller.open(self._state()))

    def say(self, text: str) -> list[Turn]:
        """The trainee speaks; returns the turns committed (trainee's and the caller's)."""
        self._check_open()
        text = (text or "").strip()
        if not text:
            raise CallError("a reply needs some text (use wait to stay silent)")
        if len(text) > MAX_TEXT:
            raise CallError(f"a reply is limited to {MAX_TEXT} characters")
        context = TagContext(lang=self.lang, caller_type=self.scenario.caller_type,
                             previous_caller_text=self._last_caller_text())
        skills = self.tagger.tag([text], context)[0]
        turn = Turn("trainee", self.t, text=text, skills=skills)
        new = [self._commit(turn, speaking_time(text, self.lang))]
        return new + self._caller_acts(self.caller.respond(self._state(), turn))

    def wait(self, seconds: float) -> list[Turn]:
        """The trainee lets `seconds` of silence pass on the line."""
        self._check_open()
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            raise CallError("wait needs a number of seconds") from None
        if not 0 < seconds <= MAX_WAIT:
            raise CallError(f"wait must be between 0 and {MAX_WAIT:.0f} seconds")
        turn = Turn("trainee", self.t, kind="silence", duration=seconds,
                    skills={Skill.patience_silence.value: 1.0})
        self.waited_total += seconds  # before the commit, so on_turn sees settled state
        new = [self._commit(turn, seconds)]
        return new + self._caller_acts(self.caller.respond(self._state(), turn))

    def hang_up(self) -> list[Turn]:
        """The trainee ends the call."""
        self._check_open()
        self.ended_by = "trainee"
        return [self._commit(Turn("trainee", self.t, kind="hang_up"), 0.0)]

    # -- state --------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.ended_by is not None

    @property
    def silent_for(self) -> float:
        return round(self.t - self.last_caller_speech_end, 1)

    def transcript(self) -> Transcript:
        return Transcript(turns=tuple(self.turns), lang=self.lang,
                          caller_type=self.scenario.caller_type, scenario=self.scenario.id,
                          meta={"scenario_hash": self.scenario.content_hash})

    def snapshot(self) -> dict[str, Any]:
        """Everything needed to resume on another process, besides the committed turns."""
        return {"t": self.t, "waited_total": self.waited_total,
                "last_caller_speech_end": self.last_caller_speech_end, "events": sorted(self.events),
                "ended_by": self.ended_by, "started": self.started, "caller": self.caller.snapshot()}

    def restore(self, turns: list[Turn], data: dict[str, Any]) -> None:
        self.turns = list(turns)
        self.t = float(data["t"])
        self.waited_total = float(data["waited_total"])
        self.last_caller_speech_end = float(data["last_caller_speech_end"])
        self.events = set(data["events"])
        self.ended_by = data["ended_by"]
        self.started = bool(data["started"])
        self.caller.restore(data["caller"])

    # -- internals ------------------------------------------------------------
    def _check_open(self) -> None:
        if not self.started:
            raise CallError("the call has not started")
        if self.ended:
            raise CallError(f"the call has ended ({self.ended_by} hung up)")
        if len(self.turns) >= MAX_TURNS:
            raise CallError(f"the call has reached its limit of {MAX_TURNS} turns; please hang up")

    def _state(self) -> CallState:
        return CallState(lang=self.lang, t=self.t, turns=tuple(self.turns),
                         waited_total=self.waited_total, silent_for=self.silent_for,
                         events_so_far=frozenset(self.events))

    def _last_caller_text(self) -> str | None:
        for turn in reversed(self.turns):
            if turn.speaker == "caller" and turn.text:
                return turn.text
        return None

    def _commit(self, turn: Turn, advance: float) -> Turn:
        self.turns.append(turn)
        self.t = round(self.t + advance, 1)
        if self.on_turn:
            self.on_turn(len(self.turns) - 1, turn)
        return turn

    def _caller_acts(self, action: CallerAction) -> list[Turn]:
        self.events.update(action.events)
        if action.kind == "silence":
            if not action.duration:
                return []
            return [self._commit(Turn("caller", self.t, kind="silence", duration=action.duration,
                                      events=action.events), action.duration)]
        out: list[Turn] = []
        if action.text:
            spoken = speaking_time(action.text, self.lang)
            self.last_caller_speech_end = round(self.t + spoken, 1)
            out.append(self._commit(Turn("caller", self.t, text=action.text, events=action.events), spoken))
        if action.kind == "hang_up":
            self.ended_by = "caller"
            out.append(self._commit(Turn("caller", self.t, kind="hang_up",
                                         events=() if action.text else action.events), 0.0))
        return out
