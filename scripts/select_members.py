#!/usr/bin/env python
"""Choose an ensemble's members on the validation split (never on test).

Each candidate head is run alone over the validation lines (authored, both languages) and over real counsellors'
validation turns; the probabilities are cached per head file (keyed by its size and modification time). Every
subset of the candidates (of --min-size members or more) is then averaged, its thresholds are tuned by the
shipped rule (train_skill_classifier.tune_thresholds and tune_sensitivities, the same budgets), and the script
prints validation macro-F1 and the verdict-deciding skills' recall per language at standard and high. The best
subsets by mean recall at standard come first. Build the chosen ensemble with
`train_skill_classifier.py --out models/weights/skill_head.pt --ensemble-with ...`.

Validation is what the thresholds are tuned on, so these figures are optimistic; the test split and the
challenge set (eval_skill_classifier.py) say what the choice is worth.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.metrics import macro_f1, per_skill  # noqa: E402
from models.skill_data import own_utterances  # noqa: E402
from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS  # noqa: E402

VERDICT = sorted(s.value for s in CRITICAL_SKILLS)
SHOWN = ("hostile_insult", "pressuring", "promise_secrecy", "emergency_action", "suicide_inquiry")


def _train_script():
    spec = importlib.util.spec_from_file_location("train_skill_classifier", ROOT / "scripts/train_skill_classifier.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def member_probs(path: Path, texts: list[str], real_texts: list[str], cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """One head's own probabilities (not its ensemble's) on the validation lines and the real turns, cached."""
    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{len(texts)}|{len(real_texts)}".encode())
    file = cache / f"{path.stem}-{key.hexdigest()[:12]}.npz"
    if file.is_file():
        got = np.load(file)
        return got["val"], got["real"]
    from models.skill_classifier import ModelTagger
    tagger = ModelTagger(head_path=path, alone=True)
    val, real = tagger.probabilities(texts), tagger.probabilities(real_texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(file, val=val, real=real)
    return val, real


def score(train, P: np.ndarray, Y: np.ndarray, langs: np.ndarray, real) -> dict:
    """Tune the ensemble's thresholds as the shipped rule does; recall per language at standard and high."""
    from models.skill_classifier import sensitivity_thresholds
    th = train.tune_thresholds(P, Y, real)
    th_high = sensitivity_thresholds(th, {"sensitivity_thresholds": train.tune_sensitivities(P, Y, th, real)}, "high")
    out = {"macro": {}, "standard": {}, "high": {}}
    for lang in ("en", "zh"):
        rows = langs == lang
        gold = Y[rows].astype(int)
        out["macro"][lang] = macro_f1(per_skill((P[rows] >= th).astype(int), gold))
        for level, cuts in (("standard", th), ("high", th_high)):
            table = per_skill((P[rows] >= cuts).astype(int), gold)
            out[level][lang] = {s: table[s]["recall"] for s in VERDICT}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("heads", type=Path, nargs="+", help="candidate head files (each scored alone, without its "
                                                       "own ensemble)")
    ap.add_argument("--min-size", type=int, default=1, help="smallest ensemble to score")
    ap.add_argument("--top", type=int, default=15, help="how many ensembles to print")
    ap.add_argument("--cache", type=Path, default=ROOT / ".cache/members", help="per-head probability cache")
    args = ap.parse_args()
    missing = [str(h) for h in args.heads if not h.is_file()]
    if missing:
        sys.exit(f"no such head file: {', '.join(missing)}")
    train = _train_script()
    val = [e for lang in ("en", "zh") for e in own_utterances(lang) if e.split == "val"]
    real_exs = train.real_val_turns()
    Y = np.stack([e.labels for e in val]) == 1
    langs = np.array([e.lang for e in val])
    real_mask = np.stack([e.mask for e in real_exs])
    if len(set(h.resolve() for h in args.heads)) < len(args.heads):
        sys.exit("a head file is named twice")
    if len(args.heads) > 12:
        sys.exit("at most 12 candidates (every subset is scored)")
    letter = {h: chr(ord("A") + i) for i, h in enumerate(args.heads)}
    probs = {}
    for h in args.heads:
        probs[h] = member_probs(h, [e.text for e in val], [e.text for e in real_exs], args.cache)
        print(f"scored {h} alone", flush=True)
    results = []
    for k in range(max(1, args.min_size), len(args.heads) + 1):
        for subset in itertools.combinations(args.heads, k):
            P = np.mean([probs[h][0] for h in subset], axis=0)
            real = train.RealTurns(np.mean([probs[h][1] for h in subset], axis=0), real_mask)
            results.append((subset, score(train, P, Y, langs, real)))
    mean_std = lambda r: np.mean([r["standard"][lang][s] for lang in ("en", "zh") for s in VERDICT])  # noqa: E731
    results.sort(key=lambda x: -mean_std(x[1]))
    print(f"\nvalidation: {int((langs == 'en').sum())} en / {int((langs == 'zh').sum())} zh lines, "
          f"{len(real_exs)} real counsellors' turns; recall en/zh at standard | high")
    head = "  ".join(f"{s[:21]:>21}" for s in SHOWN)
    print("\n".join(f"  {letter[h]}: {h}" for h in args.heads))
    print(f"{'ensemble':<12} {'macro en/zh':>11}  {head}")
    for subset, r in results[:args.top]:
        name = "".join(letter[h] for h in subset)
        cells = "  ".join(f"{r['standard']['en'][s]:.2f}/{r['standard']['zh'][s]:.2f}|"
                          f"{r['high']['en'][s]:.2f}/{r['high']['zh'][s]:.2f}" for s in SHOWN)
        print(f"{name:<12} {r['macro']['en']:.3f}/{r['macro']['zh']:.3f}  {cells}")
    print("\nmembers of the first line: " + " ".join(str(h) for h in results[0][0]))


if __name__ == "__main__":
    main()
