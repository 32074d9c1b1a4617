"""How often supervisors agree with the automatic scorer: percent agreement and Cohen's kappa.

Each reviewed call gives, per rubric item, a pair (scorer's result, supervisor's result); the
supervisor's result is their override, or the scorer's result when they confirmed it. Only
pairs where both sides are one of met / missed / violated count; `not_applicable` on either
side is left out and counted separately, since it says the item did not apply, not how it went.

kappa = (p_o - p_e) / (1 - p_e), with p_o the observed agreement and p_e the agreement expected
by chance from each side's category frequencies. When p_e == 1 (both sides used one and the
same category for every pair) kappa is undefined: it is reported as None with a reason.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

CATEGORIES = ("met", "missed", "violated")
OVERALL = "(overall)"


@dataclass(frozen=True)
class Judgement:
    """One rubric item of one reviewed call: what the scorer said and what the supervisor settled on."""

    item_id: str
    auto: str
    supervisor: str


@dataclass(frozen=True)
class Agreement:
    """Agreement over the pairs of one item (or of all items, `item_id == OVERALL`)."""

    item_id: str
    n: int                              # pairs counted (both sides in CATEGORIES)
    agreed: int
    skipped: int                        # pairs left out (not_applicable or unknown on a side)
    kappa: float | None
    kappa_note: str                     # why kappa is None ("" when it is a number)
    confusion: Mapping[tuple[str, str], int]   # (auto, supervisor) -> count

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.agreed / self.n, 1) if self.n else None

    @property
    def overridden(self) -> int:
        return self.n - self.agreed

    def to_dict(self) -> dict:
        return {"item": self.item_id, "n": self.n, "agreed": self.agreed, "skipped": self.skipped,
                "percent": self.percent, "kappa": self.kappa, "kappa_note": self.kappa_note,
                "confusion": {f"{a}->{s}": c for (a, s), c in sorted(self.confusion.items())}}


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> tuple[float | None, str]:
    """Cohen's kappa over (rater A, rater B) category pairs, or (None, reason) when undefined."""
    pairs = list(pairs)
    n = len(pairs)
    if n == 0:
        return None, "no pairs"
    p_o = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    p_e = sum(first[c] * second[c] for c in first) / (n * n)
    if p_e >= 1.0:
        only = next(iter(first))
        return None, f"undefined: both sides said {only!r} for every pair (chance agreement is 1)"
    return round((p_o - p_e) / (1.0 - p_e), 4), ""


def agreement_of(item_id: str, judgements: Iterable[Judgement]) -> Agreement:
    """Percent agreement and kappa over `judgements` (all given ones, whatever their item)."""
    counted, skipped = [], 0
    for j in judgements:
        if j.auto in CATEGORIES and j.supervisor in CATEGORIES:
            counted.append((j.auto, j.supervisor))
        else:
            skipped += 1
    kappa, note = cohen_kappa(counted)
    if not counted:
        note = "no reviewed results in met / missed / violated"
    return Agreement(item_id=item_id, n=len(counted), agreed=sum(a == s for a, s in counted),
                     skipped=skipped, kappa=kappa, kappa_note=note, confusion=dict(Counter(counted)))


def agreement_table(judgements: Iterable[Judgement]) -> list[Agreement]:
    """One Agreement per rubric item (sorted by id), then the overall one last."""
    judgements = list(judgements)
    by_item: dict[str, list[Judgement]] = {}
    for j in judgements:
        by_item.setdefault(j.item_id, []).append(j)
    rows = [agreement_of(item, js) for item, js in sorted(by_item.items())]
    return rows + [agreement_of(OVERALL, judgements)]


def judgements_of(report_items: Iterable[Mapping], overrides: Mapping[str, str]) -> list[Judgement]:
    """Pairs for one reviewed call: each report item's result against the override (or the same result)."""
    return [Judgement(item["id"], item["result"], overrides.get(item["id"], item["result"]))
            for item in report_items]
