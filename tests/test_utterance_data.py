"""The labelled trainee utterances (models/data/skill_utterances_*.jsonl): the checker and the renderings."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
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


def _adder():
    spec = importlib.util.spec_from_file_location("add_utterances", ROOT / "scripts" / "add_utterances.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_new_lines_close_to_a_line_of_another_split_are_refused_and_same_split_ones_kept():
    add = _adder()
    assert add.norm("Take  your TIME, okay?") == add.norm("take your time okay") == "takeyourtimeokay"
    assert add.norm("慢慢来，不急。") == "慢慢来不急"
    e = np.eye(4, dtype=np.float32)
    old_keys = [add.norm(t) for t in ("Take your time.", "Hurry up and talk.", "Are you safe right now?")]
    old_emb, old_split = e[:3], ["test", "train", "val"]
    new_texts = ["Take your time!",              # same embedding as a test line, new line in train: refused
                 "Hurry up and talk!",           # near copy of a train line, new line in train: kept
                 "Are you safe right now, love?",  # unlike in embedding, near copy in wording of a val line
                 "Would you like to tell me more?"]
    new_emb = np.stack([e[0], e[1], e[3], e[3]])
    reasons = add.close_pairs([add.norm(t) for t in new_texts], new_emb, ["train"] * 4,
                              old_keys, old_emb, old_split, cos=0.93, ratio=0.6)
    assert reasons[0] is not None and reasons[0].startswith("cosine 1.000 to a test line")
    assert reasons[1] is None
    assert reasons[2] is not None and reasons[2].startswith("difflib") and "val line" in reasons[2]
    assert reasons[3] is None
