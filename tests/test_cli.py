"""The `hotline` command: practice (interactive and replay), score, tag, evaluate, scenarios."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.caller_events import RuleEventDetector
from simulator.cli import main
from simulator.transcript import Transcript

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
LABELLED = ROOT / "tests" / "data" / "labelled_calls"
MOVES = ["Hello, this is the support line. I'm here with you.", "Take your time, there's no hurry.",
         {"wait": 20}, "Whatever you say stays confidential, unless your life is in danger.", {"wait": 20},
         "It sounds like things have been really heavy for you.", {"hang_up": True}]


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture()
def moves(tmp_path):
    path = tmp_path / "moves.json"
    path.write_text(json.dumps(MOVES), encoding="utf-8")
    return path


def test_replay_prints_the_transcript_and_is_repeatable(moves):
    first = run("practice", "silent_speaks_after_safety", "--lang", "en", "--replay", str(moves), "--tagger", "rules")
    assert first.exit_code == 0, first.output
    tr = Transcript.from_json(first.stdout)
    assert tr.scenario == "silent_speaks_after_safety" and tr.lang == "en"
    assert tr.ended_by() == "trainee"
    assert [t.kind for t in tr.turns if t.speaker == "trainee"].count("silence") == 2
    assert any("started_talking" in t.events for t in tr.turns)
    again = run("practice", "silent_speaks_after_safety", "--lang", "en", "--replay", str(moves), "--tagger", "rules")
    assert again.stdout == first.stdout


def test_replay_errors_name_the_move(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(["hello", {"jump": 3}]), encoding="utf-8")
    result = run("practice", "silent_never_speaks", "--lang", "zh", "--replay", str(bad), "--tagger", "rules")
    assert result.exit_code != 0 and "bad.json[1]" in result.output
    unknown = run("practice", "no_such_scenario", "--replay", str(bad), "--tagger", "rules")
    assert unknown.exit_code != 0 and "no scenario 'no_such_scenario'" in unknown.output


def test_interactive_call_with_wait_and_hangup_prints_a_report():
    keys = "你好，这里是心理援助热线。\n/wait 30\n慢慢来，不着急。\n/wait 30\n/hangup\n"
    result = run("practice", "silent_never_speaks", "--lang", "zh", "--tagger", "rules", input=keys)
    assert result.exit_code == 0, result.output
    assert "沉默" in result.output and "verdict:" in result.output


def test_score_json_one_line_per_file_and_folders(tmp_path):
    files = [GOLDEN / "silent_en_good.json", GOLDEN / "suicidal_zh_poor.json"]
    result = run("score", *map(str, files), "--json", "--tagger", "rules")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["file"] for row in lines] == [str(f) for f in files]
    for row in lines:
        assert {"verdict", "score", "critical_failures", "items"} <= row.keys()
        assert all({"id", "result", "evidence"} <= item.keys() for item in row["items"])
    assert lines[0]["verdict"] == "pass" and lines[1]["verdict"] == "fail"
    folder = tmp_path / "calls"
    folder.mkdir()
    for f in files:
        shutil.copy(f, folder / f.name)
    assert len(run("score", str(folder), "--json", "--tagger", "rules").stdout.splitlines()) == 2


def test_score_with_another_rubric_and_bad_files(tmp_path):
    forced = json.loads(run("score", str(GOLDEN / "crying_en_good.json"), "--rubric", "common", "--json",
                            "--tagger", "rules").stdout)
    assert forced["rubric"] == "common"
    broken = tmp_path / "broken.json"
    broken.write_text('{"lang": "en", "turns": [{"speaker": "robot", "t": 0}]}', encoding="utf-8")
    result = run("score", str(broken), "--json", "--tagger", "rules")
    assert result.exit_code == 1
    row = json.loads(result.stdout)
    assert "turns[0].speaker" in row["error"]


def test_tag_json_lists_skills_per_trainee_turn():
    result = run("tag", str(GOLDEN / "suicidal_en_good.json"), "--json", "--tagger", "rules")
    row = json.loads(result.stdout)
    assert row["tagger"] == "rules"
    tags = {s for turn in row["turns"] for s in turn["skills"]}
    assert "suicide_inquiry" in tags and all(0.5 <= v <= 1 for t in row["turns"] for v in t["skills"].values())
    assert all(t["uncertain"] == {} for t in row["turns"])  # the rules read nothing below their cut


def test_tag_json_keeps_uncertain_readings_apart(monkeypatch):
    from simulator import cli

    class Unsure:  # stands in for a model tagger that reads an insult below its cut
        name = "unsure"

        def tag(self, texts, context=None):
            return [{"greeting_identify": 0.9, "hostile_insult": 0.4} for _ in texts]

    monkeypatch.setattr(cli, "_tagger", lambda name, sensitivity="standard": Unsure())
    row = json.loads(run("tag", str(GOLDEN / "suicidal_en_good.json"), "--json", "--tagger", "model").stdout)
    assert row["turns"][0]["skills"] == {"greeting_identify": 0.9}
    assert row["turns"][0]["uncertain"] == {"hostile_insult": 0.4}


def test_sensitivity_reaches_the_tagger_and_an_unknown_one_is_refused(monkeypatch):
    from simulator import cli
    asked = []
    monkeypatch.setattr(cli, "_tagger", lambda name, sensitivity="standard": asked.append((name, sensitivity))
                        or cli.make_tagger("rules"))
    readers = []
    monkeypatch.setattr(cli, "make_detector", lambda kind: readers.append(kind) or RuleEventDetector())
    run("tag", str(GOLDEN / "suicidal_en_good.json"), "--json", "--tagger", "model", "--sensitivity", "highest")
    monkeypatch.setenv("HOTLINE_SKILL_SENSITIVITY", "high")
    run("evaluate", str(LABELLED), "--tagger", "combined")
    assert asked == [("model", "highest"), ("combined", "high")]
    # the event reader follows the tagger unless --events or $HOTLINE_EVENTS says otherwise
    run("evaluate", str(LABELLED), "--tagger", "rules")
    run("evaluate", str(LABELLED), "--tagger", "rules", "--events", "model")
    monkeypatch.setenv("HOTLINE_EVENTS", "rules")
    run("evaluate", str(LABELLED), "--tagger", "combined")
    assert readers == ["combined", "rules", "model", "rules"]
    bad_reader = CliRunner().invoke(main, ["evaluate", str(LABELLED), "--events", "oracle"])
    assert bad_reader.exit_code == 2 and "'oracle' is not one of 'rules', 'model', 'combined'" in bad_reader.output
    bad = CliRunner().invoke(main, ["tag", str(GOLDEN / "suicidal_en_good.json"), "--sensitivity", "loud"])
    assert bad.exit_code == 2 and "'loud' is not one of 'standard', 'high', 'highest'" in bad.output


@pytest.mark.parametrize("folder,calls", [(LABELLED, 64), (LABELLED.with_name("labelled_calls_fresh"), 24)])
def test_evaluate_prints_agreement_figures(folder, calls):
    result = run("evaluate", str(folder), "--tagger", "rules")
    figures = json.loads(result.stdout)
    assert figures["calls"] == calls
    assert 0 <= figures["verdict_accuracy"] <= 1 and figures["critical_failure_recall"] is not None


def test_agreement_counts_what_the_flags_for_review_would_add():
    from simulator.cli import agreement
    from simulator.scoring import ItemResult, ScoreReport, Uncertain

    def report(failed: list[str], flags: list[tuple[str, str]]) -> ScoreReport:
        items = tuple(ItemResult(i, "violated" if i in failed else "met", (), 1.0, True, "forbidden")
                      for i in ("no_insult", "no_press"))
        return ScoreReport("r", "h", items, 70, "t", uncertain=tuple(
            Uncertain(i, "met", to, (1,), ("hostile_insult",)) for i, to in flags))

    rows = [("a", {"verdict": "fail", "critical_failures": ["no_insult"]}, report([], [("no_insult", "violated")])),
            ("b", {"verdict": "fail", "critical_failures": ["no_press"]}, report(["no_press"], [])),
            ("c", {"verdict": "pass", "critical_failures": []}, report([], [("no_insult", "violated")]))]
    figures = agreement(rows)
    assert figures["critical_failure_recall"] == 0.5 and figures["verdict_accuracy"] == round(2 / 3, 3)
    assert figures["flagged_for_review"] == {"calls": 2, "flags": 2, "flags_agreeing_with_label": 1,
                                             "critical_failure_recall_counting_flags": 1.0}


def test_scenarios_validate_names_file_field_problem(tmp_path):
    ok = run("scenarios", "validate")
    assert ok.exit_code == 0 and "scenarios" in ok.output
    src = (ROOT / "scenarios" / "silent" / "silent_never_speaks.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(src.replace("difficulty: 1", "difficulty: 9"), encoding="utf-8")
    result = run("scenarios", "validate", str(bad))
    assert result.exit_code == 1
    assert str(bad) in result.output and "difficulty" in result.output and "less than or equal to 3" in result.output


def test_scenarios_list_covers_every_caller_type():
    out = run("scenarios", "list").output
    for kind in ("silent", "crying", "prank", "suicidal"):
        assert kind in out


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "hotline"
    assert exe.exists(), "pip install -e . should install the `hotline` console script"
    out = subprocess.run([str(exe), "scenarios", "list"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "suicidal" in out.stdout
