"""Per-skill precision/recall/F1 of the RuleTagger on labelled trainee utterances.

Usage:
    .venv/bin/python scripts/eval_rule_tagger.py [--lang en zh] [--data models/data]
                                                 [--errors SKILL] [--threshold 0.5]

Reads models/data/skill_utterances_{lang}.jsonl (one JSON per line with "text", "skills"
and optionally "context", the caller type). That data was written by someone else than
the rules' author, so it measures generalisation to unseen wording -- until one tunes on
it. Tuning log (after the first, honest run; see the helper report for before/after):
categories, not sentences, were added for the critical skills -- English/Chinese pressure
(ultimatums, demand + "right now", "stop crying"), contempt nouns/adjectives, secrecy idioms
and "even if ..." overrides, emergency steps (rescue team, sending help, location asks) with
conditional/past mentions demoted; Chinese suicide questions without a pronoun; service
names ("suicide hotline") no longer count as suicide talk; "why would you kill yourself?"
is interrogating_why, not suicide_inquiry. Second round (golden-call misses; general categories,
checked against this data, so it is partly tuned-on too): "no wonder" + a feeling validates;
您 reads as 你; freeing the line / "the line is for people who need help" is a boundary;
invitations wrapped in 吗 ("能说说吗？") are open, not closed; epistemic "must be scared" is
no directive; a reflection of hopelessness followed by an unrelated question is no suicide
inquiry, nor is "anything you could use to hurt yourself" (risk_means). Figures after that are
optimistic.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.rule_tagger import RuleTagger  # noqa: E402
from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS  # noqa: E402
from simulator.tagging import TagContext  # noqa: E402


def load(path: Path) -> list[dict]:
    """Read a JSONL file of {"text", "skills", ["context"]} records."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def predict(tagger: RuleTagger, rows: list[dict], lang: str, threshold: float) -> list[set[str]]:
    """Tag each row (its caller type as context) and keep skills at or above `threshold`."""
    out = []
    for row in rows:
        ctx = TagContext(lang=lang, caller_type=row.get("context"))
        tags = tagger.tag([row["text"]], ctx)[0]
        out.append({s for s, c in tags.items() if c >= threshold})
    return out


def scores(gold: list[set[str]], pred: list[set[str]]) -> dict[str, tuple[int, int, int]]:
    """Per skill (tp, fp, fn)."""
    table = {}
    for skill in ALL_SKILLS:
        tp = sum(skill in g and skill in p for g, p in zip(gold, pred))
        fp = sum(skill not in g and skill in p for g, p in zip(gold, pred))
        fn = sum(skill in g and skill not in p for g, p in zip(gold, pred))
        table[skill] = (tp, fp, fn)
    return table


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(lang: str, table: dict[str, tuple[int, int, int]], n: int) -> None:
    """Print the per-skill table with micro and macro averages."""
    critical = {s.value for s in CRITICAL_SKILLS}
    print(f"\n== {lang}: {n} utterances ==")
    print(f"{'skill':24} {'support':>7} {'P':>6} {'R':>6} {'F1':>6}")
    f1s = []
    for skill, (tp, fp, fn) in table.items():
        if tp + fn == 0 and fp == 0:
            continue
        p, r, f = prf(tp, fp, fn)
        f1s.append(f)
        mark = " *" if skill in critical else ""
        print(f"{skill:24} {tp + fn:7d} {p:6.2f} {r:6.2f} {f:6.2f}{mark}")
    tp, fp, fn = (sum(v[i] for v in table.values()) for i in range(3))
    p, r, f = prf(tp, fp, fn)
    print(f"{'micro':24} {tp + fn:7d} {p:6.2f} {r:6.2f} {f:6.2f}")
    print(f"{'macro F1':24} {'':7} {'':6} {'':6} {sum(f1s) / max(len(f1s), 1):6.2f}   (* = critical)")


def show_errors(skill: str, rows: list[dict], gold: list[set[str]], pred: list[set[str]]) -> None:
    """Print misses and false alarms for one skill."""
    for row, g, p in zip(rows, gold, pred):
        if (skill in g) != (skill in p):
            kind = "MISS " if skill in g else "FALSE"
            print(f"{kind} {row['text']}  gold={sorted(g)} pred={sorted(p)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lang", nargs="+", default=["en", "zh"])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "data")
    ap.add_argument("--errors", metavar="SKILL", help="list misses and false alarms for one skill")
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args(argv)
    tagger = RuleTagger()
    for lang in args.lang:
        path = args.data / f"skill_utterances_{lang}.jsonl"
        rows = load(path) if path.exists() else []
        if not rows:
            print(f"\n== {lang}: no data at {path} ==")
            continue
        gold = [set(r["skills"]) for r in rows]
        pred = predict(tagger, rows, lang, args.threshold)
        report(lang, scores(gold, pred), len(rows))
        if args.errors:
            show_errors(args.errors, rows, gold, pred)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
