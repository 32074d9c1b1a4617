"""Multi-label metrics shared by training, evaluation and the model card."""
from __future__ import annotations

import numpy as np

from simulator.skills import ALL_SKILLS


def per_skill(pred: np.ndarray, gold: np.ndarray, names=ALL_SKILLS) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per skill (pred and gold are 0/1 arrays [n, len(names)]); `names` labels
    the columns (the skills, or e.g. caller events)."""
    out = {}
    for j, skill in enumerate(names):
        tp = float(((pred[:, j] == 1) & (gold[:, j] == 1)).sum())
        fp = float(((pred[:, j] == 1) & (gold[:, j] == 0)).sum())
        fn = float(((pred[:, j] == 0) & (gold[:, j] == 1)).sum())
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[skill] = {"precision": p, "recall": r, "f1": f, "support": int(gold[:, j].sum())}
    return out


def macro_f1(table: dict[str, dict[str, float]]) -> float:
    rows = [v["f1"] for v in table.values() if v["support"] > 0]
    return float(np.mean(rows)) if rows else 0.0


def format_table(table: dict[str, dict[str, float]], title: str) -> str:
    lines = [f"## {title}", f"{'skill':24s} {'P':>5s} {'R':>5s} {'F1':>5s} {'n':>4s}"]
    for skill, v in table.items():
        if v["support"]:
            lines.append(f"{skill:24s} {v['precision']:5.2f} {v['recall']:5.2f} {v['f1']:5.2f} {v['support']:4d}")
    lines.append(f"{'macro-F1':24s} {'':5s} {'':5s} {macro_f1(table):5.3f}")
    return "\n".join(lines)


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two 0/1 label vectors (1.0 when both are constant and equal)."""
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    seen = (a == b).mean()
    chance = a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean())
    return float((seen - chance) / (1 - chance)) if chance < 1 else float(seen)
