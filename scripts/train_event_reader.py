#!/usr/bin/env python
"""Train (or evaluate) the encoder-based caller-event reader (models/event_reader.py).

Data: the authored caller lines of models/data/caller_events_{en,zh}.jsonl, split 60/20/20 by a hash of the line id.
The head (one logistic unit per risk event over plain multilingual-e5 embeddings) is fitted on the training lines of
both languages, its cuts are tuned on the validation lines (lowest cut with precision ≥ --min-precision), and the
figures printed and written to the card come from the test lines, which neither step reads.

    .venv/bin/python scripts/train_event_reader.py            # train, evaluate, write event_head.npz + card
    .venv/bin/python scripts/train_event_reader.py --eval-only
    .venv/bin/python scripts/train_event_reader.py --show-val   # the validation lines each reader gets wrong
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.event_reader import (  # noqa: E402
    ACT_EVENTS, HEAD_FILE, MODEL_EVENTS, CombinedEventDetector, EventHead, ModelEventDetector, event_lines,
    label_matrix, second_opinions, seeker_lines, seeker_mask, tune_thresholds)
from models.metrics import kappa, per_skill  # noqa: E402
from simulator.caller_events import RuleEventDetector  # noqa: E402

LANGS = ("en", "zh")
CARD = HEAD_FILE.parent / "EVENT_READER.md"


def readings(detector, lines) -> np.ndarray:
    texts = [ln.text for ln in lines]
    many = getattr(detector, "detect_many", None)
    found = many(texts, lines[0].lang) if many else [detector.detect(t, lines[0].lang) for t in texts]
    return np.array([[e in f for e in MODEL_EVENTS] for f in found], dtype=int)


def table(lines, pred) -> tuple[str, dict]:
    gold = label_matrix(lines).astype(int)
    stats = per_skill(pred, gold, MODEL_EVENTS)
    quiet = gold.sum(1) == 0
    false_share = float((pred[quiet].sum(1) > 0).mean()) if quiet.any() else 0.0
    rows = [f"| {e} | {v['precision']:.2f} | {v['recall']:.2f} | {v['f1']:.2f} | {v['support']} |"
            for e, v in stats.items() if v["support"]]
    f1s = [v["f1"] for v in stats.values() if v["support"]]
    rows.append(f"| macro-F1 | | | **{np.mean(f1s):.3f}** | |")
    # what applies ask_suicide_on_hopelessness (and the risk items' "after hopelessness or ideation")
    said, read = gold[:, :2].any(1), pred[:, :2].any(1)
    tp = float((said & read).sum())
    p, r = tp / max(read.sum(), 1), tp / max(said.sum(), 1)
    rows.append(f"| hopelessness or ideation (either) | {p:.2f} | {r:.2f} | {2 * p * r / max(p + r, 1e-9):.2f} | "
                f"{int(said.sum())} |")
    rows.append(f"| no-event lines read as any event | | | {false_share:.1%} | {int(quiet.sum())} |")
    return "| event | P | R | F1 | n |\n|---|---|---|---|---|\n" + "\n".join(rows), stats


def seeker_rates(split: str, detectors: dict) -> str:
    """How often each reader reads each event in real help-seekers' lines of `split` (no plan, means, imminence
    or past attempt is expected there; hopelessness and a wish to die may be real)."""
    rows = ["| reader | lang | lines | " + " | ".join(MODEL_EVENTS) + " |",
            "|---|---|---|" + "---|" * len(MODEL_EVENTS)]
    for lang in LANGS:
        texts = [t for t, _ in seeker_lines(lang, split)]
        for name, det in detectors.items():
            many = getattr(det, "detect_many", None)
            found = many(texts, lang) if many else [det.detect(t, lang) for t in texts]
            rates = [sum(e in f for f in found) / max(len(texts), 1) for e in MODEL_EVENTS]
            rows.append(f"| {name} | {lang} | {len(texts)} | " + " | ".join(f"{r:.1%}" for r in rates) + " |")
    return "\n".join(rows)


def agreement(detectors: dict, split: str = "test") -> str:
    """The writers' labels against a blind second annotator's (every line), and each reader's recall of
    hopelessness-or-ideation on the `split` lines where the two agree that it is there, and where only the writer
    saw it."""
    second = second_opinions()
    out = ["| lang | lines (unsure) | same events | " + " | ".join(f"{e} κ" for e in MODEL_EVENTS)
           + " | hopelessness or ideation κ |", "|---|---|---|" + "---|" * (len(MODEL_EVENTS) + 1)]
    recall = []
    for lang in LANGS:
        lines = [ln for ln in event_lines(lang) if ln.id in second]
        gold = label_matrix(lines) == 1
        other = np.array([[e in second[ln.id][0] for e in MODEL_EVENTS] for ln in lines])
        unsure = sum(second[ln.id][1] for ln in lines)
        cells = [f"{kappa(gold[:, j], other[:, j]):.2f}" for j in range(len(MODEL_EVENTS))]
        either = kappa(gold[:, :2].any(1), other[:, :2].any(1))
        out.append(f"| {lang} | {len(lines)} ({unsure}) | {(gold == other).all(1).mean():.1%} | "
                   + " | ".join(cells) + f" | {either:.2f} |")
        part = [i for i, ln in enumerate(lines) if ln.split == split]
        both = [i for i in part if gold[i, :2].any() and other[i, :2].any()]
        only = [i for i in part if gold[i, :2].any() and not other[i, :2].any()]
        for name, det in detectors.items():
            pred = readings(det, [lines[i] for i in part])[:, :2].any(1)
            read = dict(zip(part, pred))
            rec = [f"{np.mean([read[i] for i in idx]):.2f} ({len(idx)})" if idx else "– (0)" for idx in (both, only)]
            recall.append(f"| {name} | {lang} | {rec[0]} | {rec[1]} |")
    return ("\n".join(out) + f"\n\nRecall of hopelessness-or-ideation on the {split} lines (n):\n\n"
            "| reader | lang | both annotators | writer only |\n|---|---|---|---|\n" + "\n".join(recall))


def evaluate(split: str, detectors: dict, show: bool = False) -> str:
    out = []
    for lang in LANGS:
        lines = event_lines(lang, split)
        for name, det in detectors.items():
            pred = readings(det, lines)
            text, _ = table(lines, pred)
            out.append(f"### {name}, {lang} ({split} split, {len(lines)} lines)\n\n{text}\n")
            if show:
                gold = label_matrix(lines).astype(int)
                for ln, p, g in zip(lines, pred, gold):
                    if (p != g).any():
                        miss = [e for e, a, b in zip(MODEL_EVENTS, p, g) if b and not a]
                        extra = [e for e, a, b in zip(MODEL_EVENTS, p, g) if a and not b]
                        out.append(f"- [{ln.kind}] {ln.text}  missed={miss} extra={extra}")
                out.append("")
    return "\n".join(out)


def train(min_precision: float, seed: int, k: int = 10, tau: float = 0.05, mix: float = 0.5) -> EventHead:
    """Logistic units on plain embeddings of the authored lines (every label known) and of real help-seekers' lines
    (known negatives for the events of acting only); cuts tuned on the validation parts of both."""
    from models.encoder import get_encoder

    enc = get_encoder()
    data = {s: [ln for lang in LANGS for ln in event_lines(lang, s)] for s in ("train", "val")}
    seek = {s: [t for lang in LANGS for t, _ in seeker_lines(lang, s)] for s in ("train", "val")}
    started = time.perf_counter()
    x = {s: enc.encode([ln.text for ln in data[s]] + seek[s]) for s in data}
    print(f"encoded {sum(len(v) for v in x.values())} lines in {time.perf_counter() - started:.1f} s; real "
          f"help-seekers' lines as known negatives for {', '.join(ACT_EVENTS)}: {len(seek['train'])} train, "
          f"{len(seek['val'])} val")
    y, m = {}, {}
    for s in data:
        n = len(seek[s])
        y[s] = np.concatenate([label_matrix(data[s]), np.zeros((n, len(MODEL_EVENTS)), np.float32)])
        m[s] = np.concatenate([np.ones((len(data[s]), len(MODEL_EVENTS)), np.float32), np.tile(seeker_mask(), (n, 1))])
    head = EventHead.fit(x["train"], y["train"], seed=seed, mask=m["train"])
    if mix < 1.0:  # the authored training lines (every label known) vote by their nearest neighbours
        n = len(data["train"])
        head.memory = EventHead.make_memory(x["train"][:n], y["train"][:n], k, tau, mix)
    head.thresholds = tune_thresholds(head.probabilities(x["val"]), y["val"], min_precision, m["val"])
    counts = {lang: {s: len(event_lines(lang, s)) for s in ("train", "val", "test")} for lang in LANGS}
    head.meta = {"seed": seed, "min_precision": min_precision, "lines": counts,
                 "seeker_lines": {s: len(v) for s, v in seek.items()}, "memory": {"k": k, "tau": tau, "mix": mix},
                 "thresholds": dict(zip(MODEL_EVENTS, map(float, head.thresholds)))}
    return head


# Everyday caller lines and passive wishes worded for the card (in no data file): what each reader makes of them.
PROBES = [
    ("en", "I take my tablets every morning like the doctor said, that part's fine."),
    ("en", "We've got plans for the bank holiday, my brother's driving down."),
    ("en", "I'm sat on the roof of the shed fixing the felt, so bear with me."),
    ("en", "Some nights I lie there hoping I just won't open my eyes again in the morning."),
    ("en", "Honestly everyone would have an easier time of it if I wasn't around."),
    ("zh", "我计划下个月带我妈去海边玩几天。"),
    ("zh", "今天天气不错，我带孩子去公园转了一圈。"),
    ("zh", "有时候躺在床上就想，要是能一直睡下去不用再醒来就好了。"),
    ("zh", "我这种人留在世上也是给家里添麻烦，还不如不在了。"),
]


def probe_rows(detectors: dict) -> str:
    rows = ["| line | " + " | ".join(detectors) + " |", "|---|" + "---|" * len(detectors)]
    for lang, text in PROBES:
        cells = [", ".join(sorted(d.detect(text, lang))) or "–" for d in detectors.values()]
        rows.append(f"| {text} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def card(head: EventHead, figures: str, probes: str = "", agreed: str = "") -> str:
    counts = head.meta["lines"]
    per_event = {lang: {e: sum(e in ln.events for ln in event_lines(lang)) for e in MODEL_EVENTS} for lang in LANGS}
    quiet = {lang: sum(not ln.events for ln in event_lines(lang)) for lang in LANGS}
    rows = "\n".join(f"| {e} | {per_event['en'][e]} | {per_event['zh'][e]} | {head.meta['thresholds'][e]:.2f} |"
                     for e in MODEL_EVENTS)
    return f"""# Caller-event reader — model card

Reads the risk events a caller voices ({', '.join(MODEL_EVENTS)}) from the caller's words, for scoring
transcripts and calls: `ask_suicide_on_hopelessness` and the risk items apply once these events are read.
multilingual-e5-small (plain, no adapter; the same encoder in memory as the skill tagger and the callers), mean-pooled
unit-norm embeddings, and one logistic unit per event (`event_head.npz`, {HEAD_FILE.stat().st_size // 1024} KB).
The app's default reader (`combined`) is the keyword rules of `simulator/caller_events.py` ∪ this model, with the
model's readings taking part in the rules' reasoning about imminence. `hotline evaluate --events rules|model|combined`
picks one.

## Data
`models/data/caller_events_{{en,zh}}.jsonl`: caller lines written for this project (see models/data/README.md), each
labelled with every risk event it clearly shows, or none. Many are lines with no event that a careless
reader could take for one: everyday tiredness, idioms about dying, wanting to hide in one's room, another
person's suicide, denials, recovered past feelings, ordinary plans and medication; and, since session 13, heavy
distress without hopelessness (a lay-off, debts, a break-up, bullying, grief the caller is coping with). Split
60/20/20 by a hash of the id: train {counts['en']['train']} / val {counts['en']['val']} / test {counts['en']['test']} (en),
{counts['zh']['train']} / {counts['zh']['val']} / {counts['zh']['test']} (zh).

| event | en lines | zh lines | cut |
|---|---|---|---|
{rows}
| (no event) | {quiet['en']} | {quiet['zh']} | |

## Training
Both languages together, seed {head.meta['seed']}: full-batch logistic regression (Adam, 400 steps, L2 1e-3,
positives weighted to balance each event) on plain, frozen embeddings. Besides the authored lines, the model callers'
pool of real help-seekers' lines ({head.meta['seeker_lines']['train']} training lines, ESConv seekers and the Chinese
corpora, split by source id; lines the pool files under "hopeless" left out) serve as known negatives for
{', '.join(ACT_EVENTS)}: a real seeker's everyday talk shows no plan, means, imminence or past attempt, while
whether it voices hopelessness is not labelled (masked). Cuts tuned on the validation parts of both: per event, the
lowest cut with precision ≥ {head.meta['min_precision']:.2f} (a false reading makes a risk item apply to a call with
no risk), else the best-F1 cut. The units' probability is blended with an example memory, as in the skill tagger:
the authored training lines vote by their k = {head.meta['memory']['k']} nearest neighbours (softmax temperature
{head.meta['memory']['tau']} over cosines), mix {head.meta['memory']['mix']} (chosen on the validation lines: it lifted
the recall of hopelessness-or-ideation there from .53 to .71 at the same precision). A low-rank adapter tuned with
the units (as for the skill tagger) was tried and raised the validation loss from the first epoch on: with ~1 000
lines it overfits, so none is used.

## Figures (test split, never trained or tuned on)

{figures}

## A second annotator (`caller_events_second.jsonl`; `--agreement`)

A blind second annotator (a language-model helper given only the event definitions and conventions, the lines
shuffled under opaque keys, no labels) labelled every line written in session 12; Cohen's κ per event against the
writers' labels, and each reader's recall where both annotators mark hopelessness or ideation. Lines added later were
kept only where a second blind annotator agreed with the writer (`scripts/add_caller_events.py --second`), so they are
not counted here.

{agreed}

## Probes (lines worded for this card, in no data file)

{probes}

## Limits
- The lines are written and labelled by language-model helpers (a writer and a blind second annotator); no human
  annotated them. The annotators agree on hopelessness, ideation and past attempts (κ ≥ .94) but less on plan, means
  and imminence (κ .69–.90): whether a chosen time is a plan, and whether a caller at a height or holding the means
  is at imminent risk, are conventions the two read differently.
- One line at a time: the reader does not see the call around a line ("yeah, that" after a question about suicide
  is not read as disclosure; the rules do not read it either).
- Test splits are small (see n); a few lines move a figure by several points.
- The combined reader reads an event into about twice as many of the deliberately misleading no-event lines as the
  rules alone (tables above): a call where a caller jokes about dying or plans a holiday can get a risk item it does
  not need, which a supervisor's review settles. Real help-seekers' lines are read as hopelessness at the rate in the
  last table; those lines are not labelled for it, so how many of these readings are wrong is not known.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval-only", action="store_true", help="evaluate the shipped head, train nothing")
    ap.add_argument("--card-only", action="store_true", help="evaluate the shipped head and rewrite its card")
    ap.add_argument("--show-val", action="store_true", help="list the validation lines each reader gets wrong")
    ap.add_argument("--agreement", action="store_true", help="only print the second annotator's agreement with the "
                    "writers' labels (models/data/caller_events_second.jsonl) and each reader's recall on the test "
                    "lines both mark")
    ap.add_argument("--min-precision", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--knn-k", type=int, default=10, help="neighbours in the example-memory vote")
    ap.add_argument("--knn-tau", type=float, default=0.05, help="softmax temperature over neighbour cosines")
    ap.add_argument("--knn-mix", type=float, default=0.5, help="weight of the units against the vote (1 = no vote)")
    ap.add_argument("--out", type=Path, default=HEAD_FILE, help="where to write the head (the card goes beside "
                    "the shipped head only)")
    args = ap.parse_args()
    if args.agreement:
        model = ModelEventDetector(args.out)
        print(agreement({"rules": RuleEventDetector(), "model": model, "combined": CombinedEventDetector(model=model)}))
        return
    if not (args.eval_only or args.card_only or args.show_val):
        head = train(args.min_precision, args.seed, args.knn_k, args.knn_tau, args.knn_mix)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        head.save(args.out)
        print(f"wrote {args.out}; cuts " + ", ".join(f"{e} {c:.2f}" for e, c in zip(MODEL_EVENTS, head.thresholds)))
    model = ModelEventDetector(args.out)
    detectors = {"rules": RuleEventDetector(), "model": model, "combined": CombinedEventDetector(model=model)}
    if args.show_val:
        print(evaluate("val", detectors, show=True))
        return
    figures = evaluate("test", detectors)
    figures += ("\n### Real help-seekers' lines (the model callers' pool, test part): share read as each event\n\n"
                + seeker_rates("test", detectors) + "\n")
    print(figures)
    if not args.eval_only and args.out == HEAD_FILE:  # trained now, or --card-only
        CARD.write_text(card(EventHead.load(args.out), figures, probe_rows(detectors), agreement(detectors)),
                        encoding="utf-8")
        print(f"wrote {CARD}")


if __name__ == "__main__":
    main()
