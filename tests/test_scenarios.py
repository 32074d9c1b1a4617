"""The scenario files: they load, their graphs end, and scripted trainee paths play through them."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from simulator.callers.scripted import ScriptedCaller
from simulator.rule_tagger import RuleTagger
from simulator.scenario import DEFAULT_SCENARIO_DIR, Library, Scenario, ScenarioError, load_scenario
from simulator.session import CallSession

SCENARIO_DIR = Path(DEFAULT_SCENARIO_DIR)
PATHS = yaml.safe_load((Path(__file__).parent / "data" / "scenario_paths.yaml").read_text(encoding="utf-8"))
CJK = re.compile(r"[\u4e00-\u9fff]")
LANGS = ("zh", "en")


# Scripted scenarios checked here; other folders (e.g. model/) are only checked to load.
SCRIPTED_DIRS = ("silent", "crying", "prank", "suicidal", "other")


def _scenario_files() -> list[Path]:
    return [p for d in SCRIPTED_DIRS for p in sorted((SCENARIO_DIR / d).glob("*.yaml"))]


FILES = _scenario_files()
SCENARIOS: dict[str, Scenario] = {s.id: s for s in map(load_scenario, FILES)}
PATH_CASES = [(sid, name, lang) for sid, paths in PATHS.items() for name in paths for lang in LANGS]


def _play(scenario: Scenario, lang: str, moves: list, seed: int = 0) -> CallSession:
    """Play `moves` (texts and {wait: s}); fail if the caller hangs up before the last one."""
    session = CallSession(scenario, lang, ScriptedCaller(scenario, lang, seed=seed), RuleTagger())
    session.start()
    for i, move in enumerate(moves):
        assert not session.ended, f"{scenario.id}/{lang}: call ended before move {i}: {move!r}"
        if isinstance(move, dict):
            session.wait(move["wait"])
        else:
            session.say(move)
    return session


def _texts(scenario: Scenario):
    for name, state in scenario.states.items():
        for field in ("lines", "repeat_lines"):
            for i, text in enumerate(getattr(state, field)):
                yield f"states.{name}.{field}[{i}]", text
    for field in ("title", "summary", "guidance"):
        if getattr(scenario, field) is not None:
            yield field, getattr(scenario, field)
    yield "persona.background", scenario.persona.background


# -- loading ----------------------------------------------------------------------

def test_library_loads_every_scenario_file():
    lib = Library.load(SCENARIO_DIR)
    assert set(SCENARIOS) <= set(lib.scenarios)
    assert len(FILES) >= 12
    for s in SCENARIOS.values():
        assert s.rubric in lib.rubrics, f"{s.id}: rubric {s.rubric!r} missing"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_sits_in_its_caller_type_folder(path):
    s = load_scenario(path)
    assert path.stem == s.id
    assert path.parent.name in (s.caller_type, "other")
    if path.parent.name != "other":
        assert s.rubric == s.caller_type


def test_the_twelve_core_scenarios_are_there():
    by_type: dict[str, int] = {}
    for s in SCENARIOS.values():
        by_type[s.caller_type] = by_type.get(s.caller_type, 0) + 1
    for kind in ("silent", "crying", "prank", "suicidal"):
        assert by_type.get(kind, 0) >= 3, by_type


# -- content --------------------------------------------------------------------

@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_every_text_is_bilingual_and_in_the_right_language(sid):
    for where, text in _texts(SCENARIOS[sid]):
        assert CJK.search(text.zh), f"{sid} {where}: zh has no Chinese: {text.zh!r}"
        assert not CJK.search(text.en), f"{sid} {where}: en contains Chinese: {text.en!r}"


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_speaking_states_have_variants(sid):
    for name, st in SCENARIOS[sid].states.items():
        assert len(st.lines) <= 4, f"{sid}.{name}: more than 4 variants"
        if st.lines and not st.hang_up:
            assert len(st.lines) >= 2, f"{sid}.{name}: a speaking state needs 2-4 variants"
        assert len({t.zh for t in st.lines}) == len(st.lines), f"{sid}.{name}: duplicate zh variants"


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_graph_reachable_and_always_able_to_end(sid):
    s = SCENARIOS[sid]
    edges = {n: {t.to for t in st.transitions} for n, st in s.states.items()}
    seen, todo = set(), [s.start]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(edges[n])
    assert seen == set(s.states), f"{sid}: unreachable states {set(s.states) - seen}"
    ends = {n for n, st in s.states.items() if st.hang_up}
    assert ends, f"{sid}: no hang-up state"
    can_end = set(ends)
    changed = True
    while changed:
        changed = False
        for n, targets in edges.items():
            if n not in can_end and targets & can_end:
                can_end.add(n)
                changed = True
    assert can_end == set(s.states), f"{sid}: states that can never end: {set(s.states) - can_end}"
    for n in ends:
        assert not s.states[n].transitions, f"{sid}.{n}: a hang-up state has transitions"


# Means are named only vaguely: no quantities, substances or how-to in suicidal scenarios.
_METHOD_DETAIL = re.compile(
    r"\d+\s*(片|粒|颗|瓶|mg|毫克|克|pills?|tablets?|capsules?|bottles?)|安眠药|农药|绳|割腕|跳楼|烧炭|上吊|"
    r"\b(overdose|rope|hang(ing)? myself|jump(ing)? off|slit|wrist|gas|poison|sleeping pills|paracetamol)\b", re.I)


@pytest.mark.parametrize("sid", sorted(s for s in SCENARIOS if SCENARIOS[s].caller_type == "suicidal"))
def test_suicidal_scenarios_never_detail_methods(sid):
    for where, text in _texts(SCENARIOS[sid]):
        for lang_text in (text.zh, text.en):
            assert not _METHOD_DETAIL.search(lang_text), f"{sid} {where}: method detail in {lang_text!r}"


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_risk_facts_match_caller_type(sid):
    s = SCENARIOS[sid]
    risk = s.risk
    if s.caller_type == "suicidal":
        assert risk.ideation
    else:
        assert not (risk.plan or risk.means_at_hand or risk.imminent)
    assert not risk.imminent or (risk.plan and risk.means_at_hand)


# -- play -----------------------------------------------------------------------

def test_every_scenario_has_a_good_path():
    missing = [sid for sid in SCENARIOS if "good" not in PATHS.get(sid, {})]
    assert not missing, f"no good path in tests/data/scenario_paths.yaml for {missing}"
    unknown = set(PATHS) - set(SCENARIOS)
    assert not unknown, f"paths for unknown scenarios {unknown}"


@pytest.mark.parametrize("sid,path,lang", PATH_CASES, ids=lambda v: str(v))
def test_scripted_path_plays_to_its_end(sid, path, lang):
    spec = PATHS[sid][path]
    session = _play(SCENARIOS[sid], lang, spec[lang])
    if not session.ended:
        session.hang_up()
    assert session.ended_by == spec["ends"], f"{sid}/{path}/{lang}: ended by {session.ended_by}"
    missing = set(spec.get("events", [])) - session.events
    assert not missing, f"{sid}/{path}/{lang}: key events not reached: {missing}"
    unwanted = set(spec.get("no_events", [])) & session.events
    assert not unwanted, f"{sid}/{path}/{lang}: events that should not occur: {unwanted}"


def test_pressing_the_silent_caller_makes_him_hang_up_without_a_word_of_his_story():
    s = SCENARIOS["silent_hangs_up_if_pressed"]
    for lang in LANGS:
        session = _play(s, lang, PATHS[s.id]["pressed"][lang])
        assert session.ended_by == "caller"
        assert "started_talking" not in session.events
        caller_words = [t.text for t in session.turns if t.speaker == "caller" and t.text]
        assert len(caller_words) <= 1, caller_words


def test_never_speaking_caller_stays_silent_through_a_minute_of_patience():
    s = SCENARIOS["silent_never_speaks"]
    for lang in LANGS:
        session = _play(s, lang, PATHS[s.id]["good"][lang])
        assert session.t >= 60
        spoken = [t.text for t in session.turns if t.speaker == "caller" and t.text]
        assert len(spoken) <= 1 and all(t.startswith(("（", "(")) for t in spoken), spoken


@pytest.mark.parametrize("sid", sorted(s for s in SCENARIOS if SCENARIOS[s].caller_type == "suicidal"))
def test_plan_and_means_only_after_a_direct_suicide_question(sid):
    """Empathy alone never draws out the plan or the means."""
    empathy = {"zh": "听起来你真的很累，也很孤单。", "en": "It sounds like you feel so alone and exhausted."}
    for lang in LANGS:
        session = _play(SCENARIOS[sid], lang, [empathy[lang]] * 3)
        assert not {"disclosed_plan", "means_at_hand", "imminent_risk"} & session.events


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["waits", "filler"])
def test_caller_does_not_hold_the_line_forever(sid, lang, kind):
    """A trainee who only waits, or only says "mm", is eventually hung up on."""
    filler = {"zh": "嗯。", "en": "Mm."}[lang]
    session = CallSession(SCENARIOS[sid], lang, ScriptedCaller(SCENARIOS[sid], lang), RuleTagger())
    session.start()
    for _ in range(60):
        if session.ended:
            break
        session.wait(10) if kind == "waits" else session.say(filler)
    assert session.ended_by == "caller", f"{sid}/{lang}: still in {session.caller.current} after 60 moves"


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_replays_vary_the_caller_lines(sid):
    s = SCENARIOS[sid]
    if len(s.states[s.start].lines) < 2:
        pytest.skip("opening state is silent")
    openings = set()
    for seed in range(8):
        session = CallSession(s, "zh", ScriptedCaller(s, "zh", seed=seed), RuleTagger())
        openings.add(session.start()[0].text)
    assert len(openings) >= 2


# -- malformed files -------------------------------------------------------------

def _broken_copy(tmp_path: Path, edit) -> Path:
    src = SCENARIO_DIR / "suicidal" / "suicidal_plan_no_means.yaml"
    dst = tmp_path / src.name
    shutil.copy(src, dst)
    dst.write_text(edit(dst.read_text(encoding="utf-8")), encoding="utf-8")
    return dst


def _drop_line(prefix: str):
    return lambda text: "\n".join(l for l in text.split("\n") if not l.startswith(prefix))


@pytest.mark.parametrize("edit,field,problem", [
    (_drop_line("start:"), "start", "Field required"),
    (lambda t: t.replace("skills_any: [risk_means]", "skills_any: [mind_reading]", 1),
     "states.admits_ideation.transitions.2.when.skills_any", "unknown skill"),
    (lambda t: t.replace("{to: no_means,", "{to: nowhere,", 1), "states.admits_ideation.transitions", "'nowhere'"),
    (lambda t: t.replace("difficulty: 2", "difficulty: [2", 1), "line ", "not valid YAML"),
], ids=["missing_field", "unknown_skill", "missing_state", "bad_yaml"])
def test_malformed_scenario_error_names_file_field_and_problem(tmp_path, edit, field, problem):
    path = _broken_copy(tmp_path, edit)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    assert field in message
    assert problem in message


def test_library_reports_the_broken_file_among_good_ones(tmp_path):
    shutil.copytree(SCENARIO_DIR, tmp_path / "scenarios")
    broken = tmp_path / "scenarios" / "crying" / "crying_bereavement.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("start: sobbing", "start: weeping"),
                      encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        Library.load(tmp_path / "scenarios")
    assert "crying_bereavement.yaml" in str(info.value)
    assert "weeping" in str(info.value)
