"""Builds the engine parts (scenario library, tagger, event detector, callers) from config, once per app."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from simulator.caller_events import DETECTORS, default_detector_kind, make_detector
from simulator.callers import Caller, make_caller, warm_callers
from simulator.scenario import Library, Scenario
from simulator.tagging import CallerEventDetector, SkillTagger, check_sensitivity, make_tagger, sensitivity_options


@dataclass
class Engines:
    """Lazily built, shared by all requests of one app."""

    scenario_dir: str
    tagger_kind: str
    caller_backend: str = ""
    sensitivity: str = "standard"   # the model's readiness to read verdict-deciding skills (simulator.tagging)
    events_kind: str = ""           # the caller-event reader (simulator.caller_events.DETECTORS); "" follows the tagger
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _library: Library | None = None
    _tagger: SkillTagger | None = None
    _detector: CallerEventDetector | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            with self._lock:
                if self._library is None:
                    self._library = Library.load(self.scenario_dir)
        return self._library

    @property
    def tagger(self) -> SkillTagger:
        if self._tagger is None:
            with self._lock:
                if self._tagger is None:
                    self._tagger = make_tagger(self.tagger_kind,
                                               **sensitivity_options(self.tagger_kind, self.sensitivity))
        return self._tagger

    @property
    def detector(self) -> CallerEventDetector:
        if self._detector is None:
            with self._lock:
                if self._detector is None:
                    self._detector = make_detector(self.events_kind or default_detector_kind(self.tagger_kind))
        return self._detector

    def caller(self, scenario: Scenario, lang: str) -> Caller:
        options = {"backend": self.caller_backend} if self.caller_backend and scenario.caller.kind != "scripted" else {}
        return make_caller(scenario, lang, **options)

    def warm(self) -> None:
        """Load what the first call would otherwise wait for: scenarios, tagger weights, caller pools and
        generators."""
        self.tagger.tag(["warm-up"])
        self.detector.detect("warm-up", "en")
        warm_callers(self.library.scenarios.values(), self.caller)

    def reload_library(self) -> None:
        with self._lock:
            self._library = None


def init_app(app: Flask) -> None:
    app.extensions["hotline_engines"] = Engines(
        scenario_dir=app.config["SCENARIO_DIR"], tagger_kind=app.config["TAGGER"],
        caller_backend=app.config.get("CALLER_BACKEND", ""),
        sensitivity=check_sensitivity(app.config.get("SKILL_SENSITIVITY", "standard")),
        events_kind=_check_events(app.config.get("EVENTS", "")))


def _check_events(kind: str) -> str:
    if kind and kind not in DETECTORS:
        raise ValueError(f"config EVENTS={kind!r} is not a caller-event reader; known: {', '.join(DETECTORS)} "
                         "(or empty to follow TAGGER)")
    return kind


def engines() -> Engines:
    """The current app's engines."""
    return current_app.extensions["hotline_engines"]
