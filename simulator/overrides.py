"""A score report as the supervisor settled it: item results overridden, verdict recomputed.

The scorer's report stays as it was; the reviewed report is derived from it and the overrides,
so the scorer's verdict and the supervisor's are both always at hand (and agreement can be measured).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from simulator.scoring import ItemResult, ScoreReport, Uncertain

OVERRIDE_RESULTS = ("met", "missed", "violated")


def report_from_dict(data: Mapping[str, Any]) -> ScoreReport:
    """Rebuild a ScoreReport from its `to_dict()` form (as stored with a call)."""
    items = tuple(ItemResult(id=i["id"], result=i["result"], evidence=tuple(i.get("evidence", ())),
                             weight=float(i["weight"]), critical=bool(i.get("critical")), kind=i.get("kind", ""))
                  for i in data.get("items", []))
    return ScoreReport(rubric_id=data.get("rubric", ""), rubric_hash=data.get("rubric_hash", ""), items=items,
                       pass_score=float(data.get("pass_score", 70)), tagger=data.get("tagger", ""),
                       turn_skills=tuple(tuple(s) for s in data.get("turn_skills", ())),
                       turn_events=tuple(tuple(e) for e in data.get("turn_events", ())),
                       uncertain=tuple(Uncertain(u["id"], u["counted"], u["if_counted"], tuple(u.get("turns", ())),
                                                 tuple(u.get("skills", ()))) for u in data.get("uncertain") or ()),
                       events_reader=data.get("events_reader", ""))


def apply_overrides(report: ScoreReport, overrides: Mapping[str, str]) -> ScoreReport:
    """`report` with each overridden item's result replaced; unknown item ids raise ValueError."""
    known = {i.id for i in report.items}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"override of unknown rubric item(s) {unknown}; items: {sorted(known)}")
    bad = {k: v for k, v in overrides.items() if v not in OVERRIDE_RESULTS}
    if bad:
        raise ValueError(f"override result(s) {bad} must be one of {OVERRIDE_RESULTS}")
    items = tuple(ItemResult(i.id, overrides.get(i.id, i.result), i.evidence, i.weight, i.critical, i.kind)
                  for i in report.items)
    return replace(report, items=items,
                   uncertain=tuple(u for u in report.uncertain if u.id not in overrides))  # a decision settles a flag
