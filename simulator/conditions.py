"""Rubric conditions: how each kind judges a tagged call, found by name in CONDITIONS.

Condition kinds (rubric `condition.type`), registered in CONDITIONS:
- occurs:     skills (any of) occur >= min_count times [within_turns N trainee turns |
              within_seconds T | after_event E (only turns after E, within_turns_after N;
              include_prompt: true also counts the trainee move just before E, the one
              that drew E out, e.g. "are you thinking of suicide?" -> "yes")].
              met / missed. Missed evidence: the event turn, if any.
- never:      skills never occur (same windows as occurs). met / violated.
- before:     some `first` skill occurs before (or in the same turn as) the first `then`
              skill; violated when a `then` turn comes with no `first` before it.
- no_early_hangup: the trainee does not hang up before `seconds` of call time
              (unless the caller spoke, when `unless_caller_spoke`; or unless one of the
              events `unless_event` came before the hang-up). met / violated.
- hangup_after: if the trainee hangs up, one of `skills` occurs in the last
              `last_turns` trainee speech turns before it (a warm close / a boundary).
              With after_event E, only a hang-up after E is judged and only speech turns
              after E count (hanging up right after a caller reveals E is a violation).
- ratio:      count(numerator) / max(1, count(denominator)) >= min. met / missed.
- max_run:    no more than `max` consecutive trainee speech turns with `skills`. met / violated.
- all_of / any_of: `conditions` combined.
- guard:      `conditions` (all of them) judged only when the call qualifies, else
              not_applicable: caller_spoke (the caller said something), events_any (one of
              these events occurred), events_none (none of these occurred).
check_condition also checks event names (after_event, events_any, events_none, unless_event).

"The caller spoke" means words: a caller turn that is only a stage direction in brackets,
"(a faint breath)", is not speech. build_view marks `started_talking` on the first caller
turn with words after a silent or wordless opening, when the transcript carries none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from simulator.scenario import Condition
from simulator.skills import ALL_SKILLS
from simulator.tagging import EVENTS
from simulator.transcript import Transcript, Turn

THRESHOLD = 0.5
# A verdict-deciding skill read at REVIEW or above but under THRESHOLD is *uncertain*: it does not count towards
# the verdict, but where counting it would change a critical item's result the report flags that item for a
# supervisor (a model tagger reports such readings; see models/skill_classifier.py).
REVIEW = 0.3
_STAGE_DIRECTION = re.compile(r"^\s*[（(\[【][^）)\]】]*[）)\]】]\s*$")
RESULTS = ("met", "missed", "violated", "not_applicable")
FAILING = ("missed", "violated")  # the results that fail an item


@dataclass(frozen=True)
class CallView:
    """The transcript as scoring reads it: effective skills and events per turn."""

    transcript: Transcript
    skills: tuple[frozenset[str], ...]      # per turn (empty for caller turns)
    events: tuple[frozenset[str], ...]      # per turn (caller turns: emitted ∪ read from words)
    risk: frozenset[str] = frozenset()
    uncertain: tuple[frozenset[str], ...] = ()  # per turn: skills read at REVIEW ≤ confidence < THRESHOLD

    @property
    def turns(self) -> tuple[Turn, ...]:
        return self.transcript.turns

    def trainee_speech(self) -> list[int]:
        return [i for i, t in enumerate(self.turns) if t.speaker == "trainee" and t.kind == "speech"]

    def trainee_moves(self) -> list[int]:
        return [i for i, t in enumerate(self.turns) if t.speaker == "trainee" and t.kind != "hang_up"]

    def first_event(self, names: Sequence[str]) -> int | None:
        for i, evs in enumerate(self.events):
            if evs & set(names):
                return i
        return None

    def all_events(self) -> frozenset[str]:
        return frozenset().union(*self.events) if self.events else frozenset()

    def trainee_hangup(self) -> int | None:
        for i, t in enumerate(self.turns):
            if t.kind == "hang_up":
                return i if t.speaker == "trainee" else None
        return None


def has_words(turn: Turn) -> bool:
    """Whether a turn is speech with words, not silence or a bracketed stage direction."""
    return turn.kind == "speech" and bool(turn.text.strip()) and not _STAGE_DIRECTION.match(turn.text)


def caller_spoke(turns: Sequence[Turn]) -> bool:
    return any(t.speaker == "caller" and has_words(t) for t in turns)


Outcome = tuple[str, list[int]]
CONDITIONS: dict[str, Callable[[Condition, CallView], Outcome]] = {}


def condition(kind: str):
    def deco(fn):
        CONDITIONS[kind] = fn
        return fn
    return deco


def _opt(cond: Condition, key: str, default: Any = None) -> Any:
    return (cond.model_extra or {}).get(key, default)


def _names(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _window(cond: Condition, view: CallView) -> tuple[list[int], int | None]:
    """Trainee moves the condition looks at, and the triggering event turn (if any)."""
    moves = view.trainee_moves()
    event_at = None
    if _opt(cond, "after_event"):
        event_at = view.first_event(_names(_opt(cond, "after_event")))
        prompt = [i for i in moves if event_at is not None and i < event_at][-1:]
        moves = [] if event_at is None else [i for i in moves if i > event_at]
        if _opt(cond, "include_prompt"):
            moves = prompt + moves
        if _opt(cond, "within_turns_after") is not None:
            moves = moves[: int(_opt(cond, "within_turns_after"))]
    if _opt(cond, "within_turns") is not None:
        moves = moves[: int(_opt(cond, "within_turns"))]
    if _opt(cond, "within_seconds") is not None:
        moves = [i for i in moves if view.turns[i].t <= float(_opt(cond, "within_seconds"))]
    return moves, event_at


def _hits(view: CallView, idx: Sequence[int], skills: Sequence[str]) -> list[int]:
    want = set(skills)
    return [i for i in idx if view.skills[i] & want]


@condition("occurs")
def _occurs(cond: Condition, view: CallView) -> Outcome:
    moves, event_at = _window(cond, view)
    hits = _hits(view, moves, _opt(cond, "skills", []))
    if len(hits) >= int(_opt(cond, "min_count", 1)):
        return "met", hits
    return "missed", [event_at] if event_at is not None else hits


@condition("never")
def _never(cond: Condition, view: CallView) -> Outcome:
    moves, _ = _window(cond, view)
    hits = _hits(view, moves, _opt(cond, "skills", []))
    return ("violated", hits) if hits else ("met", [])


@condition("before")
def _before(cond: Condition, view: CallView) -> Outcome:
    first, then = set(_opt(cond, "first", [])), set(_opt(cond, "then", []))
    for i in view.trainee_speech():
        if view.skills[i] & first:
            return "met", [i]
        if view.skills[i] & then:
            return "violated", [i]
    return "met", []


@condition("no_early_hangup")
def _no_early_hangup(cond: Condition, view: CallView) -> Outcome:
    h = view.trainee_hangup()
    if h is None:
        return "met", []
    if _opt(cond, "unless_caller_spoke") and caller_spoke(view.turns[:h]):
        return "met", [h]
    at = view.first_event(_names(_opt(cond, "unless_event")))
    if at is not None and at < h:
        return "met", [at, h]
    return ("violated", [h]) if view.turns[h].t < float(_opt(cond, "seconds", 60)) else ("met", [h])


@condition("hangup_after")
def _hangup_after(cond: Condition, view: CallView) -> Outcome:
    h = view.trainee_hangup()
    if h is None:
        return "met", []
    before = [i for i in view.trainee_speech() if i < h]
    if _opt(cond, "after_event"):
        at = view.first_event(_names(_opt(cond, "after_event")))
        if at is None or at > h:
            return "met", []
        before = [i for i in before if i > at]
    before = before[-int(_opt(cond, "last_turns", 2)):]
    hits = _hits(view, before, _opt(cond, "skills", []))
    return ("met", hits + [h]) if hits else ("violated", before[-1:] + [h])


@condition("ratio")
def _ratio(cond: Condition, view: CallView) -> Outcome:
    speech = view.trainee_speech()
    num = _hits(view, speech, _opt(cond, "numerator", []))
    den = _hits(view, speech, _opt(cond, "denominator", []))
    ok = len(num) / max(1, len(den)) >= float(_opt(cond, "min", 1.0))
    return ("met", num) if ok else ("missed", den)


@condition("max_run")
def _max_run(cond: Condition, view: CallView) -> Outcome:
    limit, want = int(_opt(cond, "max", 3)), set(_opt(cond, "skills", []))
    run: list[int] = []
    for i in view.trainee_speech():
        run = run + [i] if view.skills[i] & want else []
        if len(run) > limit:
            return "violated", run
    return "met", []


def _sub(cond: Condition) -> list[Condition]:
    return [Condition.model_validate(c) for c in _opt(cond, "conditions", [])]


@condition("all_of")
def _all_of(cond: Condition, view: CallView) -> Outcome:
    outs = [evaluate(c, view) for c in _sub(cond)]
    bad = [o for o in outs if o[0] != "met"]
    chosen = bad[0][0] if bad else "met"
    return chosen, sorted({i for _, ev in (bad or outs) for i in ev})


@condition("any_of")
def _any_of(cond: Condition, view: CallView) -> Outcome:
    outs = [evaluate(c, view) for c in _sub(cond)]
    good = [o for o in outs if o[0] == "met"]
    if good:
        return "met", sorted({i for _, ev in good for i in ev})
    return outs[0][0] if outs else "missed", sorted({i for _, ev in outs for i in ev})


def _qualifies(cond: Condition, view: CallView) -> bool:
    seen = view.all_events()
    if _opt(cond, "caller_spoke") and not caller_spoke(view.turns):
        return False
    if _opt(cond, "events_any") and not seen & set(_names(_opt(cond, "events_any"))):
        return False
    return not seen & set(_names(_opt(cond, "events_none")))


@condition("guard")
def _guard(cond: Condition, view: CallView) -> Outcome:
    if not _qualifies(cond, view):
        return "not_applicable", []
    return _all_of(cond, view)


def evaluate(cond: Condition, view: CallView) -> Outcome:
    try:
        fn = CONDITIONS[cond.type]
    except KeyError:
        raise ValueError(f"unknown condition type {cond.type!r}; known: {sorted(CONDITIONS)}") from None
    return fn(cond, view)


SKILL_KEYS = ("skills", "first", "then", "numerator", "denominator")
_EVENT_KEYS = ("after_event", "events_any", "events_none", "unless_event")


def check_condition(cond: Condition, where: str = "condition") -> list[tuple[str, str]]:
    """Problems with a rubric condition (unknown type, unknown skills), as (field, problem)."""
    problems: list[tuple[str, str]] = []
    if cond.type not in CONDITIONS:
        problems.append((f"{where}.type", f"unknown condition type {cond.type!r}; known: {sorted(CONDITIONS)}"))
    for key in SKILL_KEYS:
        bad = [s for s in _opt(cond, key, []) or [] if s not in ALL_SKILLS]
        if bad:
            problems.append((f"{where}.{key}", f"unknown skill(s) {bad}"))
    for key in _EVENT_KEYS:
        bad = [e for e in _names(_opt(cond, key)) if e not in EVENTS]
        if bad:
            problems.append((f"{where}.{key}", f"unknown event(s) {bad}"))
    for j, sub in enumerate(_opt(cond, "conditions", []) or []):
        try:
            problems += check_condition(Condition.model_validate(sub), f"{where}.conditions[{j}]")
        except Exception as exc:  # pydantic error on a malformed sub-condition
            problems.append((f"{where}.conditions[{j}]", str(exc).splitlines()[0]))
    return problems
