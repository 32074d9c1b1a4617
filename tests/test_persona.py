"""The persona engine: trust, intensity and engagement move the way real callers react."""
from __future__ import annotations

import json

import pytest

from simulator.callers.base import CallState
from simulator.persona import PersonaEngine, parse_persona
from simulator.scenario import ScenarioError
from simulator.transcript import Turn


def _state(waited: float = 0.0) -> CallState:
    return CallState(lang="en", t=0.0, turns=(), waited_total=waited, silent_for=0.0)


def say(*skills: str, conf: float = 0.9) -> Turn:
    return Turn("trainee", 0.0, text="...", skills={s: conf for s in skills})


def wait(seconds: float = 10.0) -> Turn:
    return Turn("trainee", 0.0, kind="silence", duration=seconds, skills={"patience_silence": 1.0})


@pytest.fixture
def model_spec(library):
    def get(sid):
        return parse_persona(library.scenarios[sid].model, sid)
    return get


def run(engine, moves, waited=0.0):
    intents = []
    for m in moves:
        if m == "wait":
            waited += 10.0
            intents.append(engine.step(_state(waited), wait()))
        else:
            intents.append(engine.step(_state(waited), say(*m)))
    return intents


def test_suicidal_discloses_plan_only_after_caring_direct_inquiry(model_spec):
    eng = PersonaEngine(model_spec("suicidal_model_night_shift"))
    eng.open(_state())
    early = run(eng, [("risk_plan",), ("suicide_inquiry",)])
    assert not {"disclosed_plan", "disclosed_ideation"} & {e for i in early for e in i.events}
    run(eng, [("reflection_feeling",), ("validation_empathy",), ("confidentiality",)])
    uncaring = eng.step(_state(), say("suicide_inquiry", "judging_blaming"))
    assert "disclosed_ideation" not in uncaring.events
    run(eng, [("validation_empathy",), ("reflection_feeling",)])
    ideation = eng.step(_state(), say("suicide_inquiry"))
    assert ideation.events == ("disclosed_ideation",) and ideation.entered
    plan = eng.step(_state(), say("risk_means"))
    assert set(plan.events) == {"disclosed_plan", "means_at_hand"}
    safety = eng.step(_state(), say("safety_planning", "collaborative_options"))
    assert safety.stage == "safety" and "agreed_safety_plan" in safety.events


def test_suicidal_hangs_up_after_judging_and_minimizing(model_spec):
    eng = PersonaEngine(model_spec("suicidal_model_night_shift"))
    eng.open(_state())
    intents = run(eng, [("premature_fact_probe",), ("judging_blaming",), ("minimizing",), ("pressuring",)])
    assert intents[0].emotion == "guarded"
    assert intents[-1].act == "hang_up" or any(i.act == "hang_up" for i in intents)


def test_trust_rises_with_empathy_and_falls_with_pressure(model_spec):
    spec = model_spec("suicidal_model_night_shift")
    warm, cold = PersonaEngine(spec), PersonaEngine(spec)
    run(warm, [("reflection_feeling",), ("validation_empathy",)])
    run(cold, [("pressuring",), ("directive_advice",)])
    assert warm.trust > spec.start_trust > cold.trust
    assert cold.intensity > spec.start_intensity > warm.intensity


def test_silent_caller_speaks_only_after_patient_waiting(model_spec):
    spec = model_spec("silent_model_dorm")
    talker = PersonaEngine(spec)
    assert talker.open(_state()).act == "silence"
    intents = run(talker, [("greeting_identify", "patience_silence"), "wait", ("confidentiality",), "wait"])
    assert "started_talking" in {e for i in intents for e in i.events}
    hurried = PersonaEngine(spec)
    intents = run(hurried, [("greeting_identify",), ("open_question",), ("closed_question",), ("open_question",)])
    assert not any("started_talking" in i.events for i in intents)
    assert all(i.act == "silence" for i in intents)
    pressed = PersonaEngine(spec)
    assert run(pressed, [("pressuring",), ("pressuring",)])[-1].act == "hang_up"


def test_silent_stage_keeps_silence_on_wait_without_duration(model_spec):
    eng = PersonaEngine(model_spec("silent_model_dorm"))
    eng.open(_state())
    spoken_to = eng.step(_state(), say("directive_advice"))
    assert spoken_to.act == "silence" and spoken_to.pause > 0
    stay = eng.step(_state(5.0), wait(5.0))  # patience helps, but not enough yet after the advice
    assert stay.act == "silence" and stay.pause == 0.0


def test_prank_escalates_when_drawn_in_and_ends_at_boundary(model_spec):
    spec = model_spec("prank_model_dare")
    drawn = PersonaEngine(spec)
    events = {e for i in run(drawn, [("open_question",), ("interrogating_why",), ("hostile_insult",), ("open_question",)])
              for e in i.events}
    assert {"prank_revealed", "sexual_content"} <= events
    calm = PersonaEngine(spec)
    end = run(calm, [("greeting_identify",), ("boundary_setting",)])[-1]
    assert end.act == "hang_up" and end.stage == "ends"


def test_crying_caller_calms_with_empathy_not_with_probing(model_spec):
    spec = model_spec("crying_model_miscarriage")
    held = PersonaEngine(spec)
    intents = run(held, [("validation_empathy", "patience_silence"), "wait", ("reflection_feeling",),
                         ("validation_empathy",), ("reflection_feeling",), ("affirmation", "validation_empathy")])
    stages = [i.stage for i in intents]
    assert "telling" in stages and stages[-1] == "calmer"
    probed = PersonaEngine(spec)
    stages = [i.stage for i in run(probed, [("premature_fact_probe",), ("directive_advice",), ("pressuring",)])]
    assert "telling" not in stages


def test_events_fire_once_and_snapshot_round_trips(model_spec):
    spec = model_spec("suicidal_model_night_shift")
    a = PersonaEngine(spec, seed=3)
    run(a, [("reflection_feeling",), ("validation_empathy",), ("confidentiality",)])
    data = json.loads(json.dumps(a.snapshot()))
    b = PersonaEngine(spec, seed=3)
    b.restore(data)
    moves = [("validation_empathy",), ("suicide_inquiry",), ("risk_plan",), ("risk_plan",)]
    assert run(a, moves) == run(b, moves)
    assert a.fired.count("disclosed_plan") == 1


def test_bad_model_block_names_the_field():
    with pytest.raises(ScenarioError) as err:
        parse_persona({"stages": [{"name": "a", "reveals": {"zh": "x", "en": "x"}, "events": ["nope"]}]}, "f.yaml")
    assert "model.stages.0.events" in str(err.value) and "nope" in str(err.value)
    with pytest.raises(ScenarioError, match="no stage named"):
        parse_persona({"stages": [{"name": "a", "reveals": {"zh": "x", "en": "x"}, "after": ["b"]}]}, "f.yaml")
