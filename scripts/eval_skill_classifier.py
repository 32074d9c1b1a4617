#!/usr/bin/env python
"""Evaluate taggers on the held-out test split of the project's utterances (never trained or tuned on).

Prints per-skill precision/recall/F1 per language for the shipped model head, the rule
tagger and the combined tagger, and English-trained → Chinese transfer. --challenge scores the
verdict-deciding skills on the fresh-wording challenge set instead, at every sensitivity.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.metrics import format_table, kappa, macro_f1, per_skill  # noqa: E402
from models.skill_classifier import HEAD_FILE, CombinedTagger, ModelTagger  # noqa: E402
from models.skill_data import (  # noqa: E402
    AGREEMENT_SKILLS, CHALLENGE_SKILLS, REFLECTION_KINDS, agreement_study, challenge_lines, own_utterances,
    real_counsellor_turns, reflection_lines)
from simulator.conditions import REVIEW  # noqa: E402
from simulator.rule_tagger import RuleTagger  # noqa: E402
from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS  # noqa: E402
from simulator.tagging import SENSITIVITIES, TagContext  # noqa: E402


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
    ap.add_argument("--tradeoff", action="store_true",
                    help="only print, per verdict-deciding skill, the recall each false-reading budget buys (model "
                         "probabilities on --split; use the validation split for decisions)")
    ap.add_argument("--sensitivity", choices=SENSITIVITIES, default="standard",
                    help="the verdict-deciding skills' cuts to evaluate (see the model card)")
    ap.add_argument("--challenge", action="store_true",
                    help="only score the verdict-deciding skills on the fresh-wording challenge set "
                         "(models/data/challenge_*.jsonl), for the model, the rules and the combined tagger at every "
                         "sensitivity")
    ap.add_argument("--agreement", action="store_true",
                    help="only print the second-opinion study (models/data/agreement_val.jsonl): how far blind "
                         "annotators agree with the validation labels of hostile_insult, judging_blaming and "
                         "pressuring, and the combined tagger's recall on the lines they confirm and dispute")
    ap.add_argument("--reflections", action="store_true",
                    help="only score hostile_insult on the reflection stress set (models/data/reflections_*.jsonl): "
                         "how often a reflection of the caller's feelings reads as contempt, and how much real contempt "
                         "worded like one is found, per tagger and sensitivity, on its dev and test halves")
    args = ap.parse_args()
    if args.challenge:
        return print(challenge_report(args.head))
    if args.agreement:
        return print(agreement_report(args.head, args.sensitivity))
    if args.reflections:
        return print(reflection_report(args.head))
    model = ModelTagger(head_path=args.head, sensitivity=args.sensitivity)
    if args.tradeoff:
        return tradeoff(model, args.split, args.real_turns or 600)
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


def every_tagger(head: Path = HEAD_FILE) -> list[tuple[str, str, object]]:
    """(name, sensitivity, tagger): the rules, then the model and the combined tagger at every sensitivity."""
    rules = RuleTagger()
    runs = [("rules", "-", rules)]
    for level in SENSITIVITIES:
        model = ModelTagger(head_path=head, sensitivity=level)
        runs += [("model", level, model), ("combined", level, CombinedTagger(model=model, rules=rules))]
    return runs


def challenge_report(head: Path = HEAD_FILE, langs: tuple[str, ...] = ("en", "zh")) -> str:
    """Per language, tagger and sensitivity: each verdict-deciding skill's recall on the challenge lines that carry
    it (counted; in brackets counting uncertain readings, which go to a supervisor) and the share of the lines
    without it that read as having it (counted). The rules do not depend on the sensitivity."""
    runs = every_tagger(head)
    out = []
    for lang in langs:
        exs = challenge_lines(lang)
        gold = np.stack([e.labels for e in exs]).astype(bool)
        texts = [e.text for e in exs]
        writers = sorted({e.source.split(":", 1)[1] for e in exs})
        pos = {s: int(gold[:, ALL_SKILLS.index(s)].sum()) for s in CHALLENGE_SKILLS}
        out.append(f"challenge set {lang}: {len(exs)} lines by {len(writers)} writers; lines carrying each skill "
                   + ", ".join(f"{s} {n}" for s, n in pos.items()))
        out.append(f"{'tagger':10s} {'level':8s} " + " ".join(f"{s[:16]:>22s}" for s in CHALLENGE_SKILLS))
        for name, level, tagger in runs:
            counted, flagged = predict(tagger, texts, lang)
            cells = []
            for s in CHALLENGE_SKILLS:
                j = ALL_SKILLS.index(s)
                y = gold[:, j]
                rec = counted[y, j].mean() if y.any() else float("nan")
                wide = flagged[y, j].mean() if y.any() else float("nan")
                false = counted[~y, j].mean() if (~y).any() else float("nan")
                cells.append(f"{rec:.2f} ({wide:.2f}) f{false:.1%}")
            out.append(f"{name:10s} {level:8s} " + " ".join(f"{c:>22s}" for c in cells))
        out.append("cell: recall (recall counting uncertain readings) f<share of the lines without the skill read as "
                   "having it>\n")
    return "\n".join(out)


def reflection_report(head: Path = HEAD_FILE, langs: tuple[str, ...] = ("en", "zh")) -> str:
    """Per language, half and tagger: the share of reflection lines (no contempt) read as hostile_insult (counted; in
    brackets flagged as uncertain or counted), and the share of the contempt lines read (likewise); then, for the
    combined tagger at standard on the test half, the false readings per kind of reflection."""
    j = ALL_SKILLS.index("hostile_insult")
    runs = every_tagger(head)
    out = []
    for lang in langs:
        rows = reflection_lines(lang)
        for half in ("dev", "test"):
            part = [(e, kind) for e, kind in rows if e.split == half]
            texts = [e.text for e, _ in part]
            hostile = np.array([bool(e.labels[j]) for e, _ in part])
            out.append(f"reflection stress set {lang}, {half} half ({'read while mending the rules' if half == 'dev' else 'never read'}): "
                       f"{int((~hostile).sum())} reflections, {int(hostile.sum())} contempt lines")
            per_kind = ""
            for name, level, tagger in runs:
                counted, flagged = predict(tagger, texts, lang)
                c, f = counted[:, j].astype(bool), flagged[:, j].astype(bool)
                out.append(f"  {name:9s} {level:8s} reflections read as contempt {c[~hostile].mean():6.1%} "
                           f"({f[~hostile].mean():6.1%})   contempt found {c[hostile].mean():.2f} ({f[hostile].mean():.2f})")
                if half == "test" and name == "combined" and level == "standard":
                    kinds = [k for _, k in part]
                    per_kind = ", ".join(f"{k} {int(sum(ci for ci, kk in zip(c, kinds) if kk == k))}/{kinds.count(k)}"
                                         for k in REFLECTION_KINDS if k != "contempt" and k in kinds)
            if per_kind:
                out.append(f"  combined, standard, test half, reflections read as contempt per kind: {per_kind}")
        out.append("")
    return "\n".join(out)


def agreement_report(head: Path = HEAD_FILE, sensitivity: str = "standard", langs: tuple[str, ...] = ("en", "zh")) -> str:
    """Is the label or the model the limit? Per language and skill of the second-opinion study: Cohen's kappa
    between the annotators and with the gold labels, the share of gold-positive lines each annotator also marks,
    and the combined tagger's recall (counted readings) on the gold-positive lines every annotator confirms
    ("confirmed") and on those at least one disputes ("disputed"). Validation lines: the thresholds were tuned
    on them, so the recall here is the tuned recall, not a held-out figure."""
    tagger = CombinedTagger(model=ModelTagger(head_path=head, sensitivity=sensitivity))
    out = []
    for lang in langs:
        study = agreement_study(lang)
        annotators = sorted({a for _, labels in study for a in labels})
        exs = [ex for ex, _ in study]
        counted, _ = predict(tagger, [e.text for e in exs], lang)
        out.append(f"{lang}: {len(exs)} validation lines, annotators {', '.join(annotators)}; tagger combined, "
                   f"sensitivity {sensitivity}")
        for skill in AGREEMENT_SKILLS:
            j = ALL_SKILLS.index(skill)
            gold = np.array([e.labels[j] == 1 for e in exs])
            marks = {a: np.array([labels.get(a, {}).get(skill, 0) == 1 for _, labels in study]) for a in annotators}
            pairs = [f"{a}~gold {kappa(m, gold):.2f}" for a, m in marks.items()]
            if len(annotators) == 2:
                pairs.insert(0, f"{annotators[0]}~{annotators[1]} {kappa(*marks.values()):.2f}")
            line = f"  {skill:16s} gold+ {int(gold.sum()):3d}  kappa {', '.join(pairs)}"
            if gold.any():
                also = ", ".join(f"{a} {m[gold].mean():.3f}" for a, m in marks.items())
                confirmed = gold & np.logical_and.reduce(list(marks.values()))
                disputed = gold & ~confirmed
                rec = lambda sel: f"{counted[sel, j].mean():.3f} (n={int(sel.sum())})" if sel.any() else "- (n=0)"  # noqa: E731
                line += (f"\n  {'':16s} gold+ also marked by {also}; tagger recall: all {rec(gold)}, "
                         f"confirmed {rec(confirmed)}, disputed {rec(disputed)}")
            out.append(line)
    return "\n".join(out)


BUDGETS = (0.005, 0.01, 0.02, 0.05, 0.1)


def tradeoff(model: ModelTagger, split: str, real_turns: int) -> None:
    """What recall a false-reading budget buys. For each verdict-deciding skill and budget (the share of the
    split's authored lines without the skill that may read as having it): the lowest cut within the budget, the
    recall there per language, and the share of real counsellors' turns of the same split read at that cut
    (hostile_insult and promise_secrecy, where those turns are known negatives). The shipped thresholds are one
    point on these curves; the recall targets are a choice of budget."""
    exs = [e for lang in ("en", "zh") for e in own_utterances(lang) if e.split == split]
    P, Y = model.probabilities([e.text for e in exs]), np.stack([e.labels for e in exs]) == 1
    lang = np.array([e.lang for e in exs])
    real = real_counsellor_turns(split, real_turns)
    R, known = model.probabilities([e.text for e in real]), np.stack([e.mask for e in real]) == 1
    thresholds = model.thresholds()
    print(f"{split} split: {len(exs)} authored lines; {len(real)} real counsellors' turns "
          "(ESConv + CPsyCounD of the same split)")
    print(f"{'skill':18s} {'budget':>7s} {'cut':>5s} {'recall en':>9s} {'recall zh':>9s} {'real turns read':>15s}")
    for skill in sorted(s.value for s in CRITICAL_SKILLS):
        j = ALL_SKILLS.index(skill)
        neg = ~Y[:, j]
        cuts = np.linspace(0.01, 0.99, 99)
        rows = [(f"{b:.1%}", min((g for g in cuts if (P[neg, j] >= g).mean() <= b), default=None)) for b in BUDGETS]
        rows.append(("shipped", float(thresholds[j])))
        for label, g in rows:
            if g is None:
                print(f"{skill:18s} {label:>7s}   none within the budget")
                continue
            rec = {lg: float((P[Y[:, j] & (lang == lg), j] >= g).mean()) if (Y[:, j] & (lang == lg)).any() else float("nan")
                   for lg in ("en", "zh")}
            read = f"{(R[known[:, j], j] >= g).mean():.1%}" if known[:, j].any() else "-"
            print(f"{skill:18s} {label:>7s} {g:5.2f} {rec['en']:9.3f} {rec['zh']:9.3f} {read:>15s}")


if __name__ == "__main__":
    main()
