"""The labelled trainee utterances (models/data/skill_utterances_*.jsonl): the checker and the renderings."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _counter():
    spec = importlib.util.spec_from_file_location("count_utterances", ROOT / "scripts" / "count_utterances.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_shipped_utterance_files_pass_the_checker(capsys):
    assert _counter().main([]) == 0
    out = capsys.readouterr()
    assert "renderings of the other language's lines" in out.out
    assert out.err == ""


def _row(id_, text, skills, context="general", of=None):
    row = {"id": id_, "text": text, "skills": skills, "context": context}
    return row | ({"of": of} if of else {})


def test_the_checker_names_a_rendering_that_is_not_the_same_act_as_its_source():
    check = _counter().check_renderings
    en = [_row("en-0001", "Hurry up and talk.", ["pressuring"], "silent"),
          _row("en-0002", "Take your time.", ["patience_silence"], "silent", of="zh-0001")]
    good = {"en": en, "zh": [_row("zh-0001", "慢慢来。", ["patience_silence"], "silent"),
                             _row("zh-0002", "快点说。", ["pressuring"], "silent", of="en-0001")]}
    assert check(good) == []
    bad = {"en": en, "zh": [_row("zh-0001", "慢慢来。", ["patience_silence"], "silent"),
                            _row("zh-0002", "快点说。", ["pressuring", "hostile_insult"], "silent", of="en-0001"),
                            _row("zh-0003", "快说。", ["pressuring"], "crying", of="en-0001"),
                            _row("zh-0004", "说话。", ["pressuring"], "silent", of="en-0999"),
                            _row("zh-0005", "慢慢来吧。", ["patience_silence"], "silent", of="en-0002")]}
    problems = check(bad)
    assert len(problems) == 4
    assert "zh-0002" in problems[0] and "differ from en-0001" in problems[0]
    assert "zh-0003" in problems[1] and "differ" in problems[1]
    assert "zh-0004" in problems[2] and "names no line" in problems[2]
    assert "zh-0005" in problems[3] and "renders a rendering" in problems[3]


def test_a_rendering_takes_the_split_of_the_line_it_renders(tmp_path, monkeypatch):
    np = pytest.importorskip("numpy")  # noqa: F841 (skill_data needs it)
    from models import skill_data
    # ids whose own hash puts them in another split than their source's
    src = next(f"en-{i:04d}" for i in range(1, 500) if skill_data._split_of(f"en-{i:04d}") == "test")
    own = next(f"zh-{i:04d}" for i in range(1, 500) if skill_data._split_of(f"zh-{i:04d}") == "train")
    (tmp_path / "skill_utterances_en.jsonl").write_text(
        json.dumps(_row(src, "Hurry up and talk.", ["pressuring"])) + "\n", encoding="utf-8")
    (tmp_path / "skill_utterances_zh.jsonl").write_text(
        json.dumps(_row(own, "快点说。", ["pressuring"], of=src), ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    (zh,) = skill_data.own_utterances("zh")
    assert (zh.source, zh.split) == ("rendered", "test")
    (en,) = skill_data.own_utterances("en")
    assert (en.source, en.split) == ("own", "test")


def test_shipped_renderings_are_training_lines_only():
    pytest.importorskip("numpy")
    from models.skill_data import own_utterances
    for lang in ("en", "zh"):
        rendered = [e for e in own_utterances(lang) if e.source == "rendered"]
        assert rendered, lang
        assert {e.split for e in rendered} == {"train"}
