"""The scoring engine: every condition kind on hand-built calls, the rubric files, the golden calls."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.scenario import Condition, Library, Rubric, RubricItem, merged_rubric, parse_scenario
from simulator.scoring import CONDITIONS, build_view, check_condition, check_rubric, evaluate, has_words, score
from simulator.transcript import Transcript, Turn

GOLDEN = Path(__file__).resolve().parent / "golden"


# -- helpers -----------------------------------------------------------------------------
def T(t: float, *skills: str, text: str = "trainee words") -> Turn:
    """A trainee speech turn carrying its skills (no tagger needed)."""
    return Turn("trainee", t, text=text, skills={s: 1.0 for s in skills})


def C(t: float, text: str = "caller words", *events: str) -> Turn:
    return Turn("caller", t, text=text, events=tuple(events))


def wait(t: float, seconds: float, speaker: str = "trainee") -> Turn:
    return Turn(speaker, t, kind="silence", duration=seconds)


def hang(t: float, speaker: str = "trainee") -> Turn:
    return Turn(speaker, t, kind="hang_up")


def call(*turns: Turn, caller_type: str = "suicidal") -> Transcript:
    return Transcript(turns=tuple(turns), lang="en", caller_type=caller_type)


def judge(cond: dict, *turns: Turn) -> tuple[str, list[int]]:
    return evaluate(Condition.model_validate(cond), build_view(call(*turns)))


def item(id_: str, cond: dict, critical: bool = False, weight: float = 1, **kw) -> RubricItem:
    return RubricItem(id=id_, text={"zh": "条目", "en": "item"}, kind="required", weight=weight,
                      critical=critical, source="test", condition=cond, **kw)


# -- occurs / never ----------------------------------------------------------------------
def test_occurs_met_and_missed():
    assert judge({"type": "occurs", "skills": ["open_question"]}, C(0), T(1, "open_question")) == ("met", [1])
    assert judge({"type": "occurs", "skills": ["open_question"]}, C(0), T(1, "closed_question"))[0] == "missed"


def test_occurs_min_count():
    cond = {"type": "occurs", "skills": ["reflection_feeling"], "min_count": 2}
    assert judge(cond, T(0, "reflection_feeling"), C(1))[0] == "missed"
    assert judge(cond, T(0, "reflection_feeling"), C(1), T(2, "reflection_feeling")) == ("met", [0, 2])


def test_occurs_within_turns_counts_waits_as_moves():
    cond = {"type": "occurs", "skills": ["greeting_identify"], "within_turns": 2}
    assert judge(cond, T(0), wait(1, 5), T(6, "greeting_identify"))[0] == "missed"
    assert judge(cond, T(0), T(1, "greeting_identify"))[0] == "met"


def test_occurs_within_seconds():
    cond = {"type": "occurs", "skills": ["patience_silence"], "within_seconds": 10}
    assert judge(cond, T(0), T(12, "patience_silence"))[0] == "missed"
    assert judge(cond, T(0), wait(3, 5))[0] == "met"  # a wait is patience by itself


def test_occurs_after_event_ignores_earlier_turns_and_points_at_the_event():
    cond = {"type": "occurs", "skills": ["suicide_inquiry"], "after_event": "hopelessness"}
    turns = (T(0, "suicide_inquiry"), C(1, "no point", "hopelessness"), T(2, "reflection_feeling"))
    assert judge(cond, *turns) == ("missed", [1])
    assert judge(cond, *turns, T(3, "suicide_inquiry")) == ("met", [3])


def test_occurs_after_event_that_never_came_is_missed():
    cond = {"type": "occurs", "skills": ["suicide_inquiry"], "after_event": ["hopelessness"]}
    assert judge(cond, C(0), T(1, "suicide_inquiry")) == ("missed", [])


def test_occurs_within_turns_after():
    cond = {"type": "occurs", "skills": ["boundary_setting"], "after_event": "prank_revealed",
            "within_turns_after": 2}
    late = (C(0, "haha", "prank_revealed"), T(1), T(2), T(3, "boundary_setting"))
    assert judge(cond, *late)[0] == "missed"
    assert judge(cond, C(0, "haha", "prank_revealed"), T(1), T(2, "boundary_setting"))[0] == "met"


def test_occurs_include_prompt_counts_the_question_that_drew_the_event_out():
    turns = (C(0), T(1, "suicide_inquiry"), C(2, "yes", "disclosed_ideation"), T(3, "reflection_feeling"))
    base = {"type": "occurs", "skills": ["suicide_inquiry"], "after_event": "disclosed_ideation"}
    assert judge(base, *turns)[0] == "missed"
    assert judge({**base, "include_prompt": True}, *turns) == ("met", [1])


def test_include_prompt_is_only_the_last_move_before_the_event():
    cond = {"type": "occurs", "skills": ["suicide_inquiry"], "after_event": "hopelessness", "include_prompt": True}
    turns = (T(0, "suicide_inquiry"), C(1, "no"), T(2, "open_question"), C(3, "pointless", "hopelessness"), T(4))
    assert judge(cond, *turns)[0] == "missed"


def test_never_met_and_violated():
    cond = {"type": "never", "skills": ["hostile_insult"]}
    assert judge(cond, T(0), C(1)) == ("met", [])
    assert judge(cond, T(0), C(1), T(2, "hostile_insult")) == ("violated", [2])


def test_never_after_event_only_judges_later_turns():
    cond = {"type": "never", "skills": ["boundary_setting"], "after_event": "genuine_need"}
    assert judge(cond, T(0, "boundary_setting"), C(1, "I'm serious", "genuine_need"), T(2))[0] == "met"
    assert judge(cond, C(0, "serious", "genuine_need"), T(1, "boundary_setting")) == ("violated", [1])


# -- before ------------------------------------------------------------------------------
BEFORE = {"type": "before", "first": ["validation_empathy"], "then": ["premature_fact_probe"]}


def test_before_violated_when_probe_comes_first():
    assert judge(BEFORE, C(0), T(1, "greeting_identify"), T(2, "premature_fact_probe"),
                 T(3, "validation_empathy")) == ("violated", [2])


def test_before_met_when_empathy_first_or_same_turn():
    assert judge(BEFORE, T(0, "validation_empathy"), T(1, "premature_fact_probe")) == ("met", [0])
    assert judge(BEFORE, T(0, "validation_empathy", "premature_fact_probe"))[0] == "met"
    assert judge(BEFORE, T(0), C(1)) == ("met", [])


# -- hang-ups ----------------------------------------------------------------------------
def test_no_early_hangup():
    cond = {"type": "no_early_hangup", "seconds": 55}
    assert judge(cond, wait(0, 10, "caller"), T(10), hang(40)) == ("violated", [2])
    assert judge(cond, wait(0, 10, "caller"), T(10), hang(60))[0] == "met"
    assert judge(cond, wait(0, 10, "caller"), hang(5, "caller")) == ("met", [])


def test_no_early_hangup_unless_caller_spoke_ignores_stage_directions():
    cond = {"type": "no_early_hangup", "seconds": 55, "unless_caller_spoke": True}
    assert judge(cond, C(0, "(a faint breath)"), T(3), hang(20))[0] == "violated"
    assert judge(cond, C(0, "（很轻的一声吸气）"), T(3), hang(20))[0] == "violated"
    assert judge(cond, C(0, "(sniffs) hello?"), T(3), hang(20))[0] == "met"


def test_no_early_hangup_unless_event():
    cond = {"type": "no_early_hangup", "seconds": 55, "unless_event": "started_talking"}
    assert judge(cond, wait(0, 5, "caller"), C(5, "hi", "started_talking"), T(7), hang(20)) == ("met", [1, 3])
    assert judge(cond, wait(0, 5, "caller"), T(5), hang(20))[0] == "violated"


def test_started_talking_is_marked_on_first_words_after_a_wordless_opening():
    view = build_view(call(wait(0, 5, "caller"), T(5), C(8, "(breath)"), T(10), C(12, "hello?"), C(14, "yes")))
    assert [("started_talking" in e) for e in view.events] == [False, False, False, False, True, False]
    spoken = build_view(call(C(0, "hello"), T(1), C(2, "yes")))
    assert not any("started_talking" in e for e in spoken.events)


def test_has_words():
    assert has_words(C(0, "(sob) I can't")) and not has_words(C(0, "[silence]"))
    assert not has_words(wait(0, 3))


HANGUP = {"type": "hangup_after", "skills": ["closing"], "last_turns": 2}


def test_hangup_after():
    assert judge(HANGUP, C(0), T(1, "closing"), T(2), hang(3)) == ("met", [1, 3])
    assert judge(HANGUP, C(0), T(1, "closing"), T(2), T(3), hang(4)) == ("violated", [3, 4])
    assert judge(HANGUP, C(0), T(1), hang(2, "caller")) == ("met", [])


def test_hangup_after_event_judges_only_turns_after_it():
    cond = {**HANGUP, "after_event": "genuine_need"}
    assert judge(cond, T(0, "closing"), C(1, "serious", "genuine_need"), hang(2)) == ("violated", [2])
    assert judge(cond, C(0, "serious", "genuine_need"), T(1, "closing"), hang(2))[0] == "met"
    assert judge(cond, C(0), T(1), hang(2)) == ("met", [])  # no such event: nothing to judge


# -- counts ------------------------------------------------------------------------------
RATIO = {"type": "ratio", "numerator": ["reflection_feeling"], "denominator": ["open_question"], "min": 1.0}


def test_ratio():
    assert judge(RATIO, T(0, "open_question"), T(1, "reflection_feeling"))[0] == "met"
    assert judge(RATIO, T(0, "open_question"), T(1, "open_question"), T(2, "reflection_feeling")) == \
        ("missed", [0, 1])
    assert judge({**RATIO, "min": 0.5}, T(0, "open_question"), T(1, "open_question"),
                 T(2, "reflection_feeling"))[0] == "met"


def test_max_run():
    cond = {"type": "max_run", "skills": ["interrogating_why"], "max": 1}
    assert judge(cond, T(0, "interrogating_why"), T(1), T(2, "interrogating_why"))[0] == "met"
    assert judge(cond, T(0, "interrogating_why"), C(1), T(2, "interrogating_why")) == ("violated", [0, 2])


# -- combinators -------------------------------------------------------------------------
OCC = {"type": "occurs", "skills": ["referral"]}
NEV = {"type": "never", "skills": ["minimizing"]}


def test_all_of_and_any_of():
    turns = (T(0, "referral"), T(1, "minimizing"))
    assert judge({"type": "all_of", "conditions": [OCC, NEV]}, *turns) == ("violated", [1])
    assert judge({"type": "any_of", "conditions": [OCC, NEV]}, *turns) == ("met", [0])
    assert judge({"type": "any_of", "conditions": [OCC]}, T(0))[0] == "missed"


def test_guard():
    assert judge({"type": "guard", "caller_spoke": True, "conditions": [OCC]}, wait(0, 9, "caller"), T(9)) == \
        ("not_applicable", [])
    assert judge({"type": "guard", "caller_spoke": True, "conditions": [OCC]}, C(0), T(1))[0] == "missed"
    assert judge({"type": "guard", "events_none": ["genuine_need"], "conditions": [OCC]},
                 C(0, "serious", "genuine_need"), T(1))[0] == "not_applicable"
    assert judge({"type": "guard", "events_any": ["crying"], "conditions": [OCC]}, C(0), T(1))[0] == \
        "not_applicable"
    assert judge({"type": "guard", "events_any": ["crying"], "conditions": [OCC]},
                 C(0, "(sobs)", "crying"), T(1, "referral"))[0] == "met"


def test_every_registered_kind_is_tested_here():
    tested = {"occurs", "never", "before", "no_early_hangup", "hangup_after", "ratio", "max_run",
              "all_of", "any_of", "guard"}
    assert set(CONDITIONS) == tested


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown condition type 'sometimes'"):
        judge({"type": "sometimes"}, T(0))


def test_check_condition_names_bad_types_skills_and_events():
    problems = dict(check_condition(Condition.model_validate(
        {"type": "all_of", "conditions": [{"type": "occurs", "skills": ["hugging"], "after_event": "rain"},
                                          {"type": "nope"}]})))
    assert "unknown skill(s) ['hugging']" in problems["condition.conditions[0].skills"]
    assert "unknown event(s) ['rain']" in problems["condition.conditions[0].after_event"]
    assert "unknown condition type 'nope'" in problems["condition.conditions[1].type"]


# -- score(): applicability and verdict --------------------------------------------------
def _rubric(*items: RubricItem, pass_score: float = 70) -> Rubric:
    return Rubric(id="t", title={"zh": "测试", "en": "test"}, pass_score=pass_score, items=list(items))


def test_applies_if_event_and_risk():
    ask = item("ask", {"type": "occurs", "skills": ["suicide_inquiry"]}, critical=True,
               applies_if_event=["disclosed_ideation"], applies_if_risk=["ideation"])
    quiet = call(C(0, "hello"), T(1))
    assert score(quiet, _rubric(ask)).items[0].result == "not_applicable"
    told = call(C(0, "I want to die", "disclosed_ideation"), T(1))
    assert score(told, _rubric(ask)).critical_failures == ["ask"]
    scenario = _scenario(ideation=True)
    assert score(quiet, _rubric(ask), scenario=scenario).items[0].result == "missed"


def _scenario(**risk) -> object:
    return parse_scenario({
        "id": "s", "caller_type": "suicidal", "title": {"zh": "题", "en": "t"}, "summary": {"zh": "题", "en": "t"},
        "difficulty": 1, "rubric": "suicidal", "risk": risk,
        "persona": {"name": {"zh": "甲", "en": "A"}, "background": {"zh": "甲", "en": "A"}},
        "start": "a", "states": {"a": {"lines": [{"zh": "喂", "en": "hi"}]}}})


def test_verdict_needs_no_critical_failure_and_the_pass_score():
    good, crit = item("good", OCC, weight=9), item("crit", NEV, critical=True)
    calm = call(C(0), T(1, "referral"))
    assert score(calm, _rubric(good, crit)).verdict == "pass"
    harsh = call(C(0), T(1, "referral", "minimizing"))
    report = score(harsh, _rubric(good, crit))
    assert report.score == 90.0 and report.critical_failures == ["crit"] and report.verdict == "fail"
    assert score(call(C(0), T(1)), _rubric(good, crit)).verdict == "fail"  # 10% < 70


def U(t: float, sure: dict[str, float], text: str = "trainee words") -> Turn:
    """A trainee speech turn with the given confidences (some below the 0.5 cut)."""
    return Turn("trainee", t, text=text, skills=sure)


def test_uncertain_reading_flags_a_critical_item_without_changing_the_verdict():
    no_insult = item("no_insult", {"type": "never", "skills": ["hostile_insult"]}, critical=True)
    no_minimizing = item("no_min", {"type": "never", "skills": ["minimizing"]}, critical=True)
    ask = item("ask", {"type": "any_of", "conditions": [{"type": "occurs", "skills": ["suicide_inquiry"]}]},
               critical=True)
    rubric = _rubric(no_insult, no_minimizing, ask)
    report = score(call(C(0), U(1, {"hostile_insult": 0.42, "minimizing": 0.45}), C(2),
                        U(3, {"suicide_inquiry": 0.35, "validation_empathy": 0.9})), rubric)
    assert report.verdict == "fail" and report.critical_failures == ["ask"]  # below the cut: not counted
    flags = {u.id: u for u in report.uncertain}
    # minimizing is not a verdict-deciding skill, so its weak reading raises no flag
    assert set(flags) == {"no_insult", "ask"}
    assert (flags["no_insult"].counted, flags["no_insult"].if_counted, flags["no_insult"].turns) == ("met", "violated", (1,))
    assert (flags["ask"].counted, flags["ask"].if_counted, flags["ask"].turns, flags["ask"].skills) == (
        "missed", "met", (3,), ("suicide_inquiry",))
    assert report.to_dict()["uncertain"][0] == {"id": "no_insult", "counted": "met", "if_counted": "violated",
                                                "turns": [1], "skills": ["hostile_insult"]}
    from simulator.overrides import apply_overrides, report_from_dict
    assert report_from_dict(report.to_dict()) == report
    assert [u.id for u in apply_overrides(report, {"ask": "met"}).uncertain] == ["no_insult"]


def test_uncertain_reading_that_changes_nothing_is_not_flagged():
    no_insult = item("no_insult", {"type": "never", "skills": ["hostile_insult"]}, critical=True)
    soft = item("soft", {"type": "never", "skills": ["hostile_insult"]})  # not critical: never flagged
    both = call(C(0), T(1, "hostile_insult"), C(2), U(3, {"hostile_insult": 0.4}))
    assert score(both, _rubric(no_insult, soft)).uncertain == ()  # already violated on a sure reading
    weak = call(C(0), U(1, {"hostile_insult": 0.2}))  # under REVIEW: not even uncertain
    assert score(weak, _rubric(no_insult, soft)).uncertain == ()
    assert [u.id for u in score(call(C(0), U(1, {"hostile_insult": 0.3})), _rubric(no_insult, soft)).uncertain] == [
        "no_insult"]


def test_not_applicable_items_do_not_count():
    na = item("na", OCC, applies_if_event=["crying"], weight=50)
    report = score(call(C(0), T(1)), _rubric(na, item("ok", NEV)))
    assert report.points.possible == 1 and report.score == 100.0


# -- rubric files ------------------------------------------------------------------------
TYPES = ("silent", "crying", "prank", "suicidal")


def test_rubric_files_load_and_check(library: Library):
    for rid in ("common", "listening", *TYPES):
        assert rid in library.rubrics
        assert check_rubric(library.rubrics[rid]) == []


@pytest.mark.parametrize("caller_type", TYPES)
def test_type_rubric_includes_common_and_is_found_by_type(library: Library, caller_type: str):
    rubric = library.rubric_for(caller_type=caller_type)
    assert rubric.id == caller_type
    ids = {i.id for i in rubric.items}
    assert {"no_insult", "ask_suicide_on_hopelessness"} <= ids


def test_every_item_is_documented(library: Library):
    for rubric in library.rubrics.values():
        for it in rubric.items:
            assert it.source.strip() and it.feedback is not None, it.id
            assert it.exemplars.get("zh") and it.exemplars.get("en"), it.id


DECISIVE = {
    "common": {"no_insult", "ask_suicide_on_hopelessness"},
    "silent": {"silent_wait_a_minute", "silent_never_press", "silent_no_hangup_on_speaker"},
    "crying": {"crying_empathy_first"},
    "prank": {"prank_boundary_soon", "prank_boundary_ends_it", "prank_no_dismissing_genuine",
              "prank_no_hangup_on_genuine"},
    "suicidal": {"suicidal_ask_directly", "suicidal_no_secrecy", "suicidal_emergency", "suicidal_safety_plan",
                 "suicidal_no_hangup"},
}


@pytest.mark.parametrize("rid", sorted(DECISIVE))
def test_decisive_items_are_critical(library: Library, rid: str):
    critical = {i.id for i in library.rubrics[rid].items if i.critical}
    assert critical == DECISIVE[rid]


def test_merged_rubric_keeps_common_items_once(library: Library):
    merged = merged_rubric(library.rubrics["suicidal"], library.rubrics)
    ids = [i.id for i in merged.items]
    assert len(ids) == len(set(ids)) and ids[0] == "greeting"


# -- golden calls ------------------------------------------------------------------------
def _goldens() -> list[Path]:
    return sorted(p for p in GOLDEN.glob("*.json") if not p.name.endswith(".expected.json"))


# Golden calls the current rule tagger / event detector misjudge, with the miss; the test
# fails loudly (strict xfail) once the miss is fixed, so this list only ever shrinks.
KNOWN_MISSES: dict[str, str] = {
}


def _golden_params():
    for path in _goldens():
        marks = [pytest.mark.xfail(reason=KNOWN_MISSES[path.stem], strict=True)] if path.stem in KNOWN_MISSES else []
        yield pytest.param(path, id=path.stem, marks=marks)


def test_golden_set_is_complete():
    names = {p.stem for p in _goldens()}
    for kind in TYPES:
        for lang in ("zh", "en"):
            mine = {n for n in names if n.startswith(f"{kind}_{lang}_")}
            assert any("_good" in n for n in mine), (kind, lang)
            assert len([n for n in mine if "_poor" in n or "_subtle" in n]) >= 2, (kind, lang)
            assert any("_subtle" in n for n in mine), (kind, lang)
    for name in names:
        assert (GOLDEN / f"{name}.expected.json").exists(), name


@pytest.mark.parametrize("path", list(_golden_params()))
def test_golden(path: Path, library: Library, rule_tagger, detector):
    transcript = Transcript.load(path)
    assert not any(t.skills or t.events for t in transcript.turns), "goldens carry words only"
    rubric = library.rubric_for(scenario_id=transcript.scenario, caller_type=transcript.caller_type)
    report = score(transcript, rubric, rule_tagger, detector)
    expected = json.loads((GOLDEN / f"{path.stem}.expected.json").read_text(encoding="utf-8"))
    assert {"verdict": report.verdict, "critical_failures": sorted(report.critical_failures)} == expected


# -- the general rubric on the "other" scenarios' scripted paths ----------------------------
OTHER_SCENARIOS = ("advice_just_tell_me", "wont_hang_up_lonely_widow", "questions_the_counselor",
                   "epidemic_fear_long_wait")


def test_general_rubric_checks_and_is_found_for_advice_and_other(library: Library):
    assert check_rubric(library.rubrics["general"]) == []
    for caller_type in ("advice", "other"):
        rubric = library.rubric_for(caller_type=caller_type)
        assert rubric.id == "general"
        ids = {i.id for i in rubric.items}
        assert {"no_insult", "ask_suicide_on_hopelessness", "summary", "general_no_ordering_advice"} <= ids
    # Conservative: the domain calls these handlings bad, not a failed call; only common's critical items decide.
    assert not [i.id for i in library.rubrics["general"].items if i.critical]


def _play_path(library: Library, sid: str, lang: str, moves: list, tagger) -> Transcript:
    from simulator.callers.scripted import ScriptedCaller
    from simulator.session import CallSession
    scenario = library.scenarios[sid]
    session = CallSession(scenario, lang, ScriptedCaller(scenario, lang, seed=0), tagger)
    session.start()
    for move in moves:
        if session.ended:
            break
        session.wait(move["wait"]) if isinstance(move, dict) else session.say(move)
    if not session.ended:
        session.hang_up()
    return session.transcript()


@pytest.mark.parametrize("sid", OTHER_SCENARIOS)
@pytest.mark.parametrize("lang", ("zh", "en"))
def test_general_rubric_separates_good_and_bad_paths(sid: str, lang: str, library: Library, rule_tagger, detector):
    import yaml
    paths = yaml.safe_load((Path(__file__).parent / "data" / "scenario_paths.yaml").read_text(encoding="utf-8"))[sid]
    assert library.scenarios[sid].rubric == "general"
    rubric = library.rubric_for(scenario_id=sid)
    reports = {name: score(_play_path(library, sid, lang, spec[lang], rule_tagger), rubric, rule_tagger, detector,
                           library.scenarios[sid])
               for name, spec in paths.items()}
    good = reports.pop("good")
    assert good.verdict == "pass", (good.score, good.critical_failures)
    assert reports, f"{sid}: no bad path"
    for name, bad in reports.items():
        assert bad.score < good.score - 10, (name, bad.score, good.score)
        assert bad.verdict == "fail", (name, bad.score)


def test_tag_in_contexts_falls_back_to_one_text_at_a_time_and_checks_lengths():
    import pytest

    from simulator.tagging import TagContext, tag_in_contexts

    class Echo:  # no tag_each: each text is tagged alone, with its own context
        name = "echo"

        def __init__(self):
            self.calls = []

        def tag(self, texts, context=None):
            self.calls.append((list(texts), context.lang))
            return [{"closing": 0.9} if context.lang == "en" else {"greeting_identify": 0.8} for _ in texts]

    echo = Echo()
    out = tag_in_contexts(echo, ["bye", "你好"], [TagContext(lang="en"), TagContext(lang="zh")])
    assert out == [{"closing": 0.9}, {"greeting_identify": 0.8}]
    assert echo.calls == [(["bye"], "en"), (["你好"], "zh")]
    assert tag_in_contexts(echo, [], []) == []
    with pytest.raises(ValueError, match="2 texts but 1 contexts"):
        tag_in_contexts(echo, ["a", "b"], [TagContext()])
