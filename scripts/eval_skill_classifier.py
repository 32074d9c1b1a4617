#!/usr/bin/env python
"""Evaluate taggers on the held-out test split of the project's utterances (never trained or tuned on).

Prints per-skill precision/recall/F1 per language for the shipped model head, the rule
tagger and the combined tagger, and English-trained → Chinese transfer.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.metrics import format_table, macro_f1, per_skill  # noqa: E402
from models.skill_classifier import HEAD_FILE, CombinedTagger, ModelTagger  # noqa: E402
from models.skill_data import own_utterances, real_counsellor_turns  # noqa: E402
from simulator.conditions import REVIEW  # noqa: E402
from simulator.rule_tagger import RuleTagger  # noqa: E402
from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS  # noqa: E402
from simulator.tagging import TagContext  # noqa: E402


def predict(tagger, texts: list[str], lang: str) -> tuple[np.ndarray, np.ndarray]:
    """The skills read at the scorer's cut (0.5), and those read at REVIEW or above (counted or uncertain)."""
    out = np.zeros((len(texts), len(ALL_SKILLS)), dtype=int)
    flagged = np.zeros_like(out)
    for i, tags in enumerate(tagger.tag(texts, TagContext(lang=lang))):
        for s, c in tags.items():
            out[i, ALL_SKILLS.index(s)] = int(c >= 0.5)
            flagged[i, ALL_SKILLS.index(s)] = int(c >= REVIEW)
    return out, flagged


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", default="test", choices=["val", "test"])
    ap.add_argument("--quiet", action="store_true", help="summary lines only")
    ap.add_argument("--head", type=Path, default=HEAD_FILE, help="the head to evaluate (default: the shipped one)")
    ap.add_argument("--real-turns", type=int, default=600,
                    help="real counsellors' turns per language (ESConv test.txt, CPsyCounD test dialogues) to measure "
                         "false readings on (0: skip)")
    args = ap.parse_args()
    model = ModelTagger(head_path=args.head)
    taggers = {"model": model, "rules": RuleTagger(), "combined": CombinedTagger(model=model)}
    en_only_file = args.head.with_name(("skill_head" if args.head == HEAD_FILE else args.head.stem) + "_en_only.pt")
    en_only = ModelTagger(head_path=en_only_file) if en_only_file.is_file() else None
    summary = []
    for lang in ("en", "zh"):
        exs = [e for e in own_utterances(lang) if e.split == args.split]
        gold = np.stack([e.labels for e in exs]).astype(int)
        runs = dict(taggers)
        if lang == "zh" and en_only is not None:
            runs["en-trained→zh"] = en_only
        for name, tagger in runs.items():
            counted, flagged = predict(tagger, [e.text for e in exs], lang)
            table = per_skill(counted, gold)
            crit = {s.value: round(table[s.value]["recall"], 3) for s in sorted(CRITICAL_SKILLS)}
            summary.append(f"{lang} {name:14s} n={len(exs):4d} macro-F1 {macro_f1(table):.3f}  critical recall {crit}")
            if (flagged != counted).any():  # the uncertain tier: flagged for a supervisor, not counted
                wide = per_skill(flagged, gold)
                summary.append(f"{lang} {name:14s} counting uncertain readings too: critical recall "
                               f"{ {s.value: round(wide[s.value]['recall'], 3) for s in sorted(CRITICAL_SKILLS)} } "
                               f"precision { {s.value: round(wide[s.value]['precision'], 3) for s in sorted(CRITICAL_SKILLS)} }")
            if not args.quiet:
                print(format_table(table, f"{lang} · {name} · {args.split} split") + "\n")
    # Real counsellors' turns of the test dialogues (never trained on, never tuned on: the thresholds' real-turn
    # budget uses the validation dialogues): how often a harmful verdict-deciding skill is read where (we assume)
    # there is none. Trained counsellors do not insult or promise unconditional secrecy (a turn that mentions
    # secrecy is left out of that count); a few turns may really press.
    real = real_counsellor_turns("test", args.real_turns) if args.real_turns else []
    for lang, corpus in (("en", "ESConv test"), ("zh", "CPsyCounD test")):
        turns = [e for e in real if e.lang == lang]
        for name in ("model", "combined") if turns else ():
            counted, flagged = predict(taggers[name], [e.text for e in turns], lang)
            shares = {}
            for s in ("hostile_insult", "pressuring", "promise_secrecy"):
                j = ALL_SKILLS.index(s)
                known = np.array([e.mask[j] == 1 or s == "pressuring" for e in turns])
                shares[s] = (round(float(counted[known, j].mean()), 4), round(float(flagged[known, j].mean()), 4))
            summary.append(f"{corpus} counsellor turns (n={len(turns)}) {name}: share read as (counted, counted or "
                           f"uncertain) {shares}")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
