"""ModelCaller: a persona with hidden state (simulator.persona) plus a realiser that finds words.

The default realiser retrieves with the sentence encoder: from the scenario's own line
bank and from pools of real help-seeker utterances (models/caller_pool.py), ranked by
cosine to the trainee's last turn plus the stage description, never repeating a line
within a call. Optional generators (models/generators.py) find words in one of two modes:
"chat" (the LM speaks the caller's line; retrieval answers when it fails) or "paraphrase"
(retrieval picks the line, so the persona's stage decides what is revealed, and the LM only
rewords it). Every generated line must pass the safety filter, the role check (it must not
sound like the counselor) and the reveal check (no risk disclosure the stage does not
allow), else the retrieved line is said. A generator limited to some languages (SmolLM2:
English) is never called for others.

Construction is cheap; the encoder, pool and bank embeddings load at the first turn
that needs them and are cached per process. Each turn costs at most one encoder pass.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from models.caller_pool import HashEncoder, TextEncoder, embed_cached, load_pool, pool_cache_dir, select
from models.generators import (GenerationError, Generator, build_messages, build_paraphrase_messages,
                               clean_generated, clean_paraphrase, make_generator, paraphrasable,
                               paraphrase_check, reveal_check, role_check, split_directions)
from simulator.callers.base import CallerAction, CallState, register_caller
from simulator.persona import Intent, PersonaEngine, PersonaSpec, parse_persona
from simulator.safety import check
from simulator.scenario import Scenario
from simulator.transcript import Turn

log = logging.getLogger(__name__)

BANK_BONUS = 0.01   # authored lines win near-ties against pool lines
ENCODERS: dict[str, Callable[[], TextEncoder]] = {"hash": HashEncoder}


def _e5() -> TextEncoder:
    from models.encoder import get_encoder

    return get_encoder()


ENCODERS["e5"] = _e5


@dataclass(frozen=True)
class Candidate:
    text: str
    source: str      # "bank" | "pool"
    vec: int         # row in the bank or pool embedding matrix


class RetrievalRealiser:
    """Chooses a caller line for an intent from the bank and the persona-filtered pool."""

    def __init__(self, spec: PersonaSpec, lang: str, encoder: Callable[[], TextEncoder], use_pool: bool = True):
        self.spec, self.lang = spec, lang
        self._encoder_factory = encoder
        self._encoder: TextEncoder | None = None
        self.bank = [(str(ln[lang]).strip(), ln.get("stage", "*"), ln.get("emotion")) for ln in spec.lines
                     if str(ln.get(lang, "")).strip()]
        self.pool = load_pool(lang) if use_pool else ()
        self._pool_idx: dict[str, list[int]] = {}

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = self._encoder_factory()
        return self._encoder

    def warm(self) -> None:
        """Load the encoder and embed the bank and pool now rather than at the first turn."""
        self._bank_vecs()
        for st in self.spec.stages:
            if st.pool:
                self._pool_vecs(",".join(st.pool))

    def _bank_vecs(self) -> np.ndarray:
        return embed_cached([t for t, _, _ in self.bank], self.encoder)

    def _pool_vecs(self, key: str) -> np.ndarray:
        """Embeddings of one stage's pool subset (only what this persona can say is embedded)."""
        disk = None if isinstance(self.encoder, HashEncoder) else pool_cache_dir()
        return embed_cached([self.pool[i].text for i in self._subset(key)], self.encoder, disk)

    def _subset(self, key: str) -> list[int]:
        if key not in self._pool_idx:
            self._pool_idx[key] = select(self.pool, key.split(","), self.spec.pool_filter)
        return self._pool_idx[key]

    def candidates(self, intent: Intent) -> list[Candidate]:
        """Lines fit for the intent, most specific first: hurt reaction, stage entry, stage talk."""
        stage = self.spec.stage(intent.stage)
        bank = [(i, t) for i, (t, s, e) in enumerate(self.bank)]
        reaction = [Candidate(t, "bank", i) for i, t in bank
                    if self.bank[i][2] == intent.emotion and self.bank[i][1] in (intent.stage, "*")]
        own = [Candidate(t, "bank", i) for i, t in bank
               if self.bank[i][1] == intent.stage and self.bank[i][2] in (None, stage.emotion)]
        if intent.emotion != stage.emotion and reaction and not intent.entered:
            return reaction
        if intent.entered or not stage.pool:
            return own
        key = ",".join(stage.pool)
        return own + [Candidate(self.pool[i].text, "pool", row) for row, i in enumerate(self._subset(key))]

    def pick(self, intent: Intent, trainee_text: str, said: set[str]) -> str:
        """The best unsaid candidate by cosine to trainee text + stage description."""
        fresh = [c for c in self.candidates(intent) if c.text not in said]
        if not fresh:
            fresh = [Candidate(t, "bank", i) for i, (t, s, e) in enumerate(self.bank)
                     if s in (intent.stage, "*") and t not in said]
        if not fresh:
            own = [t for t, s, _ in self.bank if s == intent.stage]
            log.info("caller ran out of fresh lines in stage %s; repeating", intent.stage)
            return own[len(said) % len(own)] if own else ""
        if len(fresh) == 1:
            return fresh[0].text
        query = f"{trainee_text} {intent.reveals.get(self.lang)}".strip()
        q = self.encoder.encode([query])[0]
        stage = self.spec.stage(intent.stage)
        bank_v = self._bank_vecs()
        pool_v = self._pool_vecs(",".join(stage.pool)) if any(c.source == "pool" for c in fresh) else None
        scores = [float((bank_v if c.source == "bank" else pool_v)[c.vec] @ q) + (BANK_BONUS if c.source == "bank" else 0.0)
                  for c in fresh]
        return fresh[int(np.argmax(scores))].text


class ModelCaller:
    """A Caller whose hidden persona state decides what happens and a realiser decides the words."""

    def __init__(self, scenario: Scenario, lang: str, seed: int = 0, backend: str = "retrieval",
                 encoder: TextEncoder | str = "e5", generator: Generator | None = None,
                 use_pool: bool = True, **options: Any):
        if lang not in scenario.langs:
            raise ValueError(f"scenario {scenario.id} is not playable in {lang!r} (langs: {scenario.langs})")
        self.scenario, self.lang = scenario, lang
        self.spec = parse_persona(scenario.model, scenario.id)
        self.engine = PersonaEngine(self.spec, seed)
        factory = ENCODERS[encoder] if isinstance(encoder, str) else (lambda: encoder)
        self.realiser = RetrievalRealiser(self.spec, lang, factory, use_pool)
        self.generator = generator if generator is not None else _make_generator(backend, options)
        langs = getattr(self.generator, "langs", None)
        self.use_generator = self.generator is not None and (not langs or lang in langs)
        self.mode = getattr(self.generator, "mode", "chat")
        self.said: list[str] = []
        self.sources: list[str] = []  # retrieved lines that were said reworded: never picked again
        self.blocked = 0     # generations the safety filter refused (for logs and tests)
        self.rejected = 0    # generations the role or reveal check refused
        self.last: dict[str, str] = {}  # how the last line was made: how, why, source
        self.made: list[dict[str, str]] = []  # `last` of every line this process said (logs, tests; not resumed)

    def warm(self) -> None:
        """Load now what the first turn would wait for: encoder, embeddings and, if this call uses one, the
        generator (a SmolLM2 conversion takes ~25 s). A generator that cannot load is logged; turns then
        fall back to retrieval as they would anyway."""
        self.realiser.warm()
        warm = getattr(self.generator, "warm", None) if self.use_generator else None
        if warm is not None:
            try:
                warm()
            except GenerationError as exc:
                log.warning("scenario %s: caller generator unavailable, retrieval will answer: %s",
                            self.scenario.id, exc)

    # -- protocol -------------------------------------------------------------
    def open(self, state: CallState) -> CallerAction:
        return self._act(self.engine.open(state), state, "")

    def respond(self, state: CallState, trainee_turn: Turn) -> CallerAction:
        return self._act(self.engine.step(state, trainee_turn), state, trainee_turn.text)

    def snapshot(self) -> dict[str, Any]:
        return {"persona": self.engine.snapshot(), "said": list(self.said), "blocked": self.blocked,
                "sources": list(self.sources)}

    def restore(self, data: dict[str, Any]) -> None:
        self.engine.restore(data["persona"])
        self.said = list(data["said"])
        self.blocked = int(data.get("blocked", 0))
        self.sources = list(data.get("sources", []))

    # -- internals --------------------------------------------------------------
    def _act(self, intent: Intent, state: CallState, trainee_text: str) -> CallerAction:
        if intent.act == "silence":
            return CallerAction.silence(intent.pause, intent.events)
        text = self._words(intent, state, trainee_text)
        self.said.append(text)
        self.made.append({**self.last, "text": text})
        if intent.act == "hang_up":
            return CallerAction.hang_up(text, intent.events)
        return CallerAction.say(text, intent.events)

    def _words(self, intent: Intent, state: CallState, trainee_text: str) -> str:
        why = "" if self.use_generator else ("no generator" if self.generator is None else f"no LM for {self.lang}")
        if self.use_generator and self.mode == "chat":
            generated, why = self._generate(intent, state)
            if generated:
                self.last = {"how": "generated", "why": "", "source": ""}
                return generated
        text = self.realiser.pick(intent, trainee_text, set(self.said) | set(self.sources))
        ok, reason = check(text, self.lang)
        if not ok:  # scenario and pool lines are checked when written; this guards edits
            log.warning("scenario %s: line blocked by the safety filter (%s): %r", self.scenario.id, reason, text)
            self.last = {"how": "retrieved", "why": f"retrieved line blocked: {reason}", "source": text}
            return "……" if self.lang == "zh" else "..."
        if self.use_generator and self.mode == "paraphrase":
            return self._paraphrase(intent, text)
        self.last = {"how": "retrieved", "why": why, "source": text}
        return text

    def _refuse(self, text: str, allowed: str) -> str:
        """Why a generated `text` may not be said ("" if it may): safety, then role, then reveals."""
        ok, reason = check(text, self.lang)
        if not ok:
            self.blocked += 1
            log.warning("scenario %s: generated line blocked (%s)", self.scenario.id, reason)
            return f"safety: {reason}"
        for ok, reason in (role_check(text, self.lang), reveal_check(text, allowed, self.lang)):
            if not ok:
                self.rejected += 1
                log.info("scenario %s: generated line rejected (%s): %r", self.scenario.id, reason, text)
                return reason
        return "repeats an earlier line" if text in self.said else ""

    def _generate(self, intent: Intent, state: CallState) -> tuple[str, str]:
        """(the LM's line, "") or ("", why retrieval answers instead)."""
        try:
            raw = self.generator.generate(build_messages(self.scenario, self.lang, intent, state.turns))
        except GenerationError as exc:
            log.warning("caller generation failed, using retrieval: %s", exc)
            return "", "generation failed"
        text = clean_generated(raw, self.lang)
        if not text:
            return "", f"no {self.lang} text in the output"
        why = self._refuse(text, intent.reveals.get(self.lang))
        return ("", why) if why else (text, "")

    def _paraphrase(self, intent: Intent, line: str) -> str:
        """The retrieved `line` reworded by the LM, or the line itself when it may not or cannot be."""
        def keep(why: str) -> str:
            self.last = {"how": "retrieved", "why": why, "source": line}
            return line

        if any(e.startswith("disclosed_") or e == "means_at_hand" for e in self.spec.stage(intent.stage).events):
            return keep("disclosure stage: said as written")
        speech, why = paraphrasable(line, self.lang)
        if not speech:
            return keep(why)
        try:
            raw = self.generator.generate(build_paraphrase_messages(speech))
        except GenerationError as exc:
            log.warning("caller paraphrase failed, saying the retrieved line: %s", exc)
            return keep("generation failed")
        text = clean_paraphrase(raw, speech)
        if not text:
            return keep("no English text in the output")
        lead, _, tail = split_directions(line)
        said = f"{lead.strip()} {text} {tail.strip()}".strip()
        why = self._refuse(said, line)
        if why:
            keep(why)
            self.last["lm"] = said
            return line
        ok, why = paraphrase_check(speech, text)
        if not ok:
            self.last["lm"] = text
            return keep(f"not a faithful rewording: {why}")
        self.sources.append(line)
        self.last = {"how": "paraphrased", "why": "", "source": line}
        return said


def _make_generator(backend: str, options: dict[str, Any]) -> Generator | None:
    """The configured generator, or None (retrieval) when its model is not installed."""
    try:
        return make_generator(backend, options)
    except GenerationError as exc:
        log.warning("caller backend %r unavailable, using retrieval: %s", backend, exc)
        return None


@register_caller("model")
def _model(scenario: Scenario, lang: str, **options: Any) -> ModelCaller:
    return ModelCaller(scenario, lang, **options)
