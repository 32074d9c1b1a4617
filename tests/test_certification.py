"""The certification policy: loading with clear errors, and progress against it."""
from datetime import datetime, timezone

import pytest
import yaml

from simulator.certification import (DEFAULT_POLICY, CallFacts, Policy, add_months, evaluate_policy,
                                     load_policy)
from simulator.scenario import ScenarioError

SMALL = {
    "id": "p", "version": 2, "title": {"zh": "认证", "en": "Certification"}, "validity_months": 12,
    "requirements": [
        {"id": "practice", "kind": "practice_calls", "count": 3,
         "text": {"zh": "次练习", "en": "practice calls"}},
        {"id": "crying", "kind": "approved_passes", "caller_type": "crying", "count": 2,
         "text": {"zh": "次哭泣来电通过", "en": "approved crying passes"}},
        {"id": "imminent", "kind": "approved_passes", "caller_type": "suicidal", "risk_any": ["imminent"],
         "count": 1, "text": {"zh": "次紧迫风险通过", "en": "approved imminent-risk passes"}},
    ],
}


def policy(**changes) -> Policy:
    return Policy.model_validate({**SMALL, **changes})


def approved(call_id, caller_type="crying", **kw) -> CallFacts:
    return CallFacts(call_id, caller_type, decision="approved", verdict="pass", **kw)


def test_shipped_policy_loads():
    p = load_policy(DEFAULT_POLICY)
    assert p.validity_months >= 1
    kinds = {r.kind for r in p.requirements}
    assert kinds == {"approved_passes", "practice_calls"}
    assert any("imminent" in getattr(r, "risk_any", []) for r in p.requirements)


def test_empty_record_reports_everything_missing():
    progress = evaluate_policy(policy(), [])
    assert not progress.met and progress.done == 0
    assert progress.missing("en") == ["0 of 3 practice calls", "0 of 2 approved crying passes",
                                      "0 of 1 approved imminent-risk passes"]
    assert progress.missing("zh")[1] == "0/2 次哭泣来电通过"


def test_only_approved_passes_count():
    calls = [approved("a"),
             CallFacts("b", "crying", decision="needs_work", verdict="pass"),   # not approved
             CallFacts("c", "crying", decision="approved", verdict="fail"),     # approved but failed
             CallFacts("d", "crying", verdict="pass"),                          # never reviewed
             approved("e", caller_type="silent")]                               # other caller type
    crying = evaluate_policy(policy(), calls).requirements[1]
    assert (crying.have, crying.need, crying.call_ids, crying.met) == (1, 2, ("a",), False)
    assert crying.line("en") == "1 of 2 approved crying passes"


def test_imminent_risk_needs_risk_and_no_critical_failure():
    calls = [approved("s1", "suicidal", risk=frozenset({"ideation"})),
             approved("s2", "suicidal", risk=frozenset({"imminent"}), critical_failures=("ask_means",)),
             approved("s3", "suicidal", risk=frozenset({"imminent", "plan"}))]
    imminent = evaluate_policy(policy(), calls).requirements[2]
    assert imminent.call_ids == ("s3",) and imminent.met


def test_practice_counts_only_ended_calls():
    calls = [CallFacts("x", "silent"), CallFacts("y", "prank"), CallFacts("z", "silent", ended=False)]
    assert evaluate_policy(policy(), calls).requirements[0].have == 2


def test_policy_met_when_every_requirement_is():
    calls = [approved("a"), approved("b"), CallFacts("c", "silent"),
             approved("d", "suicidal", risk=frozenset({"imminent"}))]
    progress = evaluate_policy(policy(), calls)
    assert progress.met and progress.missing("en") == []
    # a count above the need is shown capped ("3 of 3"), never "4 of 3"
    assert progress.requirements[0].line("en") == "3 of 3 practice calls"


@pytest.mark.parametrize("change, field, problem", [
    ({"validity_months": 0}, "validity_months", "greater than or equal to 1"),
    ({"requirements": [{**SMALL["requirements"][1], "caller_type": "angry"}]}, "requirements.0", "unknown caller type"),
    ({"requirements": [{**SMALL["requirements"][2], "risk_any": ["soon"]}]}, "requirements.0", "unknown risk"),
    ({"requirements": [{**SMALL["requirements"][0], "kind": "vibes"}]}, "requirements.0", "does not match"),
    ({"requirements": [SMALL["requirements"][0]] * 2}, "(top level)", "duplicate requirement ids"),
    ({"requirements": []}, "requirements", "at least 1"),
])
def test_bad_policy_errors_name_file_field_problem(tmp_path, change, field, problem):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({**SMALL, **change}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_policy(path)
    message = str(err.value)
    assert str(path) in message and field in message and problem in message


def test_add_months_clamps_to_month_end():
    start = datetime(2024, 1, 31, 9, 0, tzinfo=timezone.utc)
    assert add_months(start, 1) == datetime(2024, 2, 29, 9, 0, tzinfo=timezone.utc)
    assert add_months(start, 24) == datetime(2026, 1, 31, 9, 0, tzinfo=timezone.utc)
    assert add_months(datetime(2024, 11, 15), 3) == datetime(2025, 2, 15)
