"""Supervisor-vs-scorer agreement, checked against values worked out by hand."""
import pytest

from simulator.agreement import OVERALL, Judgement, agreement_of, agreement_table, cohen_kappa, judgements_of
from simulator.overrides import apply_overrides, report_from_dict


def pairs(spec):
    """[(auto, supervisor, count), ...] -> list of pairs."""
    return [(a, s) for a, s, k in spec for _ in range(k)]


def test_kappa_three_categories_by_hand():
    # n=10, agreed 7 -> p_o = 0.7
    # auto: met 5, missed 3, violated 2; supervisor: met 5, missed 4, violated 1
    # p_e = (5*5 + 3*4 + 2*1) / 100 = 0.39; kappa = 0.31 / 0.61 = 0.508196...
    data = pairs([("met", "met", 4), ("missed", "missed", 2), ("violated", "violated", 1),
                  ("met", "missed", 1), ("missed", "met", 1), ("violated", "missed", 1)])
    kappa, note = cohen_kappa(data)
    assert kappa == pytest.approx(0.5082, abs=1e-4)
    assert note == ""


def test_kappa_perfect_agreement_is_one():
    assert cohen_kappa(pairs([("met", "met", 3), ("missed", "missed", 2)])) == (1.0, "")


def test_kappa_chance_level_is_zero():
    # scorer always "met"; supervisor met 3, missed 1: p_o = 0.75, p_e = 4*3/16 = 0.75
    assert cohen_kappa(pairs([("met", "met", 3), ("met", "missed", 1)]))[0] == pytest.approx(0.0)


def test_kappa_total_disagreement_is_minus_one():
    # p_o = 0, p_e = (2*2 + 2*2) / 16 = 0.5 -> (0 - 0.5) / 0.5
    assert cohen_kappa(pairs([("met", "missed", 2), ("missed", "met", 2)]))[0] == pytest.approx(-1.0)


def test_kappa_undefined_when_everything_is_one_category():
    kappa, note = cohen_kappa(pairs([("met", "met", 5)]))
    assert kappa is None
    assert "undefined" in note and "'met'" in note


def test_kappa_of_nothing():
    assert cohen_kappa([]) == (None, "no pairs")


def test_agreement_skips_not_applicable_and_reports_percent():
    js = [Judgement("a", "met", "met"), Judgement("a", "missed", "met"),
          Judgement("a", "not_applicable", "not_applicable"), Judgement("a", "met", "met")]
    row = agreement_of("a", js)
    assert (row.n, row.agreed, row.skipped, row.overridden) == (3, 2, 1, 1)
    assert row.percent == pytest.approx(66.7)
    # auto met 2, missed 1; supervisor met 3: p_e = (2*3)/9 = 2/3, p_o = 2/3 -> 0
    assert row.kappa == pytest.approx(0.0)
    assert row.confusion[("missed", "met")] == 1


def test_agreement_with_no_countable_pairs():
    row = agreement_of("a", [Judgement("a", "not_applicable", "not_applicable")])
    assert row.percent is None and row.kappa is None and "no reviewed results" in row.kappa_note


def test_table_per_item_then_overall():
    js = [Judgement("greet", "met", "met"), Judgement("greet", "missed", "missed"),
          Judgement("ask", "met", "met"), Judgement("ask", "met", "met"),
          Judgement("ask", "violated", "met")]
    rows = agreement_table(js)
    assert [r.item_id for r in rows] == ["ask", "greet", OVERALL]
    ask, greet, overall = rows
    assert greet.kappa == 1.0 and greet.percent == 100.0
    # ask: auto met 2, violated 1; supervisor met 3: p_o = 2/3, p_e = 6/9 -> kappa 0
    assert ask.percent == pytest.approx(66.7) and ask.kappa == pytest.approx(0.0)
    # overall: n=5, agreed 4; auto met 3, missed 1, violated 1; sup met 4, missed 1
    # p_e = (3*4 + 1*1) / 25 = 0.52; kappa = (0.8 - 0.52) / 0.48 = 0.58333
    assert overall.percent == 80.0 and overall.kappa == pytest.approx(0.5833, abs=1e-4)


def test_judgements_of_uses_override_else_confirms():
    items = [{"id": "a", "result": "met"}, {"id": "b", "result": "missed"}]
    assert judgements_of(items, {"b": "met"}) == [Judgement("a", "met", "met"), Judgement("b", "missed", "met")]


REPORT = {"rubric": "r", "rubric_hash": "h", "tagger": "rules", "pass_score": 70,
          "items": [{"id": "greet", "result": "met", "evidence": [1], "weight": 2, "critical": False, "kind": "quality"},
                    {"id": "ask", "result": "missed", "evidence": [], "weight": 6, "critical": True,
                     "kind": "required"},
                    {"id": "na", "result": "not_applicable", "evidence": [], "weight": 3, "critical": False,
                     "kind": "quality"}]}


def test_overrides_recompute_verdict():
    report = report_from_dict(REPORT)
    assert report.verdict == "fail" and report.critical_failures == ["ask"]
    fixed = apply_overrides(report, {"ask": "met"})
    assert fixed.verdict == "pass" and fixed.score == 100.0 and fixed.critical_failures == []
    assert report.items[1].result == "missed"  # the scorer's report is untouched


def test_overrides_refuse_unknown_items_and_results():
    report = report_from_dict(REPORT)
    with pytest.raises(ValueError, match="unknown rubric item"):
        apply_overrides(report, {"nope": "met"})
    with pytest.raises(ValueError, match="must be one of"):
        apply_overrides(report, {"greet": "not_applicable"})
