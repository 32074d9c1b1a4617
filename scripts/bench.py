#!/usr/bin/env python
"""Benchmarks: print figures for tagging, scoring, caller turns, memory and cold start (no pass/fail).

    .venv/bin/python scripts/bench.py [--n 60]
"""
from __future__ import annotations

import time

T0 = time.perf_counter()  # cold start counts from here, before the heavy imports

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TURNS = {
    "en": ["Hello, this is the support line, I'm here with you.", "Take your time, there's no hurry.",
           "It sounds like you've been carrying this alone for a long time.", "What has tonight been like?",
           "Sometimes when people feel this low they think about ending their life. Are you thinking of that?",
           "Have you thought about how you would do it?", "Is anyone with you right now?",
           "Let's think together about who you could call if it gets worse.", "You should just get some sleep.",
           "I'm going to stay on the line while my colleague calls an ambulance to your address."],
    "zh": ["你好，这里是心理援助热线，我在听。", "不着急，慢慢来。", "听起来你一个人扛了很久，真的很累。",
           "今晚对你来说是怎样的？", "有的人难受到这种程度时会想到结束自己的生命，你现在有这样的想法吗？",
           "你有没有想过具体会怎么做？", "你现在身边有人吗？", "我们一起想想，如果更难受了可以联系谁。",
           "你应该早点睡觉。", "我会一直陪你在线上，同事正在帮你联系120。"],
}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def row(name: str, ms: list[float]) -> str:
    return f"{name:44s} p50 {pct(ms, .5):8.2f} ms   p95 {pct(ms, .95):8.2f} ms   (n={len(ms)})"


def thirty_turn_call():
    from simulator.transcript import Transcript, Turn
    turns, t = [], 0.0
    for i in range(15):
        turns.append(Turn("trainee", t, TURNS["en"][i % 10]))
        turns.append(Turn("caller", t + 4, "I don't know... everything feels pointless lately."))
        t += 10
    return Transcript(tuple(turns), lang="en", caller_type="suicidal", scenario="suicidal_imminent_means")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=60)
    args = ap.parse_args()
    from models.encoder import get_encoder
    from models.skill_classifier import CombinedTagger, ModelTagger
    from models.event_reader import CombinedEventDetector
    from simulator.caller_events import RuleEventDetector
    from simulator.callers import CallState, make_caller
    from simulator.rule_tagger import RuleTagger
    from simulator.scenario import Library
    from simulator.scoring import score
    from simulator.tagging import TagContext
    from simulator.transcript import Turn

    model = ModelTagger()
    model.tag([TURNS["en"][0]])
    cold = time.perf_counter() - T0
    lines = [f"cold start (imports + encoder + head + first tag)  {cold:.2f} s"]
    enc = get_encoder()
    texts = TURNS["en"] + TURNS["zh"]
    lines.append(row("encoder pass, one sentence", timed(lambda i: enc.encode([texts[i % 20]]), args.n)))
    taggers = {"rules": RuleTagger(), "model": model, "combined": CombinedTagger(model=model)}
    for name, tg in taggers.items():
        ms = timed(lambda i: tg.tag([texts[i % 20]], TagContext(lang="en" if i % 20 < 10 else "zh")), args.n)
        lines.append(row(f"tag one turn · {name}", ms))
    lib = Library.load()
    tr = thirty_turn_call()
    rubric = lib.rubric_for(scenario_id=tr.scenario)
    # each tagger with the event reader that goes with it by default (rules alone; rules ∪ model)
    readers = {"rules": RuleEventDetector(), "combined": CombinedEventDetector()}
    for name in ("rules", "combined"):
        det = readers[name]
        ms = timed(lambda i: score(tr, rubric, taggers[name], det, lib.scenarios.get(tr.scenario)), 10)
        lines.append(row(f"score a 30-turn call (re-tag, {name}; events {det.name})", ms))
    # what the app does at hang-up: the trainee's turns keep the skills tagged as they were said, so scoring reads
    # only the caller's words (one event-reader batch) and evaluates the rubric
    said = iter(taggers["combined"].tag([t.text for t in tr.turns if t.speaker == "trainee"], TagContext(lang="en")))
    stored = replace(tr, turns=tuple(t.with_skills(next(said)) if t.speaker == "trainee" else t for t in tr.turns))
    ms = timed(lambda i: score(stored, rubric, None, readers["combined"], lib.scenarios.get(tr.scenario)), 10)
    lines.append(row("score a 30-turn call at hang-up (stored tags; events combined)", ms))
    ms = timed(lambda i: readers["combined"].detect_many([t.text for t in tr.turns if t.speaker == "caller"], "en"), 10)
    lines.append(row("read events of a 30-turn call's caller turns · combined", ms))
    lines += caller_rows(lib, make_caller, CallState, Turn, taggers["rules"], args.n)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines.append(f"peak RSS  {rss:.0f} MB")
    print("\n".join(lines))
    print(json.dumps({"cold_start_s": round(cold, 2), "peak_rss_mb": round(rss)}))


def caller_rows(lib, make_caller, CallState, Turn, tagger, n: int) -> list[str]:
    out = []
    for kind in ("scripted", "model"):
        ids = [s.id for s in lib.scenarios.values() if (s.caller.kind == "model") == (kind == "model")]
        for lang in ("en", "zh"):
            sc = lib.scenarios[ids[0]]
            caller = make_caller(sc, lang)
            state = CallState(lang=lang, t=0.0, turns=(), waited_total=0.0, silent_for=0.0)
            caller.open(state)
            texts = TURNS[lang]
            skills = tagger.tag(texts)
            snap = caller.snapshot()

            def turn(i: int) -> None:
                if i % 8 == 0:
                    caller.restore(snap)  # keep the caller mid-call rather than hung up
                caller.respond(state, Turn("trainee", float(i), texts[i % 10], skills=skills[i % 10]))
            turn(0)  # warm-up: pools are encoded once per process
            out.append(row(f"caller turn · {kind} · {lang} ({sc.id[:18]})", timed(turn, n)))
    return out


if __name__ == "__main__":
    main()
