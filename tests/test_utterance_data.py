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


def _challenge_row(id_, text, critical, context="general", writer="A"):
    return {"id": id_, "text": text, "critical": critical, "context": context, "writer": writer}


def test_the_challenge_checker_names_each_problem():
    counter = _counter()
    labelled = [_row("en-0001", "Hurry up and talk.", ["pressuring"], "silent")]
    texts = {counter.norm(r["text"]) for r in labelled}
    ok = _challenge_row("en-c001", "Any time this century would be lovely.", ["hostile_insult", "pressuring"], "silent")
    assert counter.check_challenge_row(ok, "c:1", "en", set(), set(texts)) == []
    assert counter.check_challenge_row(_challenge_row("en-c002", "Take care now.", []), "c:2", "en", set(), texts) == []
    cases = {
        "repeats a line": _challenge_row("en-c003", "hurry up, and talk!", ["pressuring"]),
        "not a verdict-deciding skill": _challenge_row("en-c004", "So you feel alone.", ["reflection_feeling"]),
        "bad or duplicate id": _challenge_row("en-0005", "Are you thinking of suicide?", ["suicide_inquiry"]),
        "bad context": _challenge_row("en-c006", "I'll call an ambulance now.", ["emergency_action"], "angry"),
        "no writer": _challenge_row("en-c007", "Nobody will ever know, I promise.", ["promise_secrecy"], writer=""),
        "keys": {"id": "en-c008", "text": "Say something.", "skills": ["pressuring"], "context": "silent"},
        "list without repeats": _challenge_row("en-c009", "Talk. Now.", ["pressuring", "pressuring"]),
    }
    for problem, row in cases.items():
        found = counter.check_challenge_row(row, "c:n", "en", {"en-c001"}, set(texts))
        assert any(problem in p for p in found), (problem, found)
    assert counter.check_challenge_row(ok, "c:1", "zh", set(), set())  # an English id in the Chinese file


def test_challenge_lines_are_labelled_for_the_verdict_deciding_skills_only(tmp_path, monkeypatch):
    pytest.importorskip("numpy")
    from models import skill_data
    from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS
    rows = [_challenge_row("en-c001", "Any time this century would be lovely.", ["hostile_insult"], "silent", "A"),
            _challenge_row("en-c002", "Take all the time you need.", [], "silent", "B")]
    (tmp_path / "challenge_en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    first, second = skill_data.challenge_lines("en")
    known = {ALL_SKILLS[j] for j in np.flatnonzero(first.mask)}
    assert known == {s.value for s in CRITICAL_SKILLS} == set(skill_data.CHALLENGE_SKILLS)
    assert [ALL_SKILLS[j] for j in np.flatnonzero(first.labels)] == ["hostile_insult"]
    assert not second.labels.any() and (first.split, second.source) == ("challenge", "challenge:B")


class _TinyEncoder:
    """A deterministic stand-in for the e5 encoder: one-hot on the first letter of a text (lines sharing it are
    'close'), so the leak filter's decision can be checked without loading a model."""

    def encode(self, texts, **_):
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, ord(t.strip()[0].lower()) % 64] = 1.0
        return out


def test_challenge_candidates_close_to_a_labelled_line_of_any_split_are_dropped(tmp_path, monkeypatch, capsys):
    pytest.importorskip("numpy")
    import models.encoder
    from models import skill_data
    add = _adder()
    labelled = [_row(f"en-{i:04d}", t, ["pressuring"], "silent")
                for i, t in enumerate(["Quick, say something.", "Hurry, the line is busy."], 1)]
    (tmp_path / "skill_utterances_en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in labelled))
    (tmp_path / "skill_utterances_zh.jsonl").write_text(
        json.dumps(_row("zh-0001", "快点说。", ["pressuring"], "silent"), ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "challenge_en.jsonl").write_text(
        json.dumps(_challenge_row("en-c007", "Nobody will ever know.", ["promise_secrecy"])) + "\n")
    cands = tmp_path / "cands.jsonl"
    cands.write_text("\n".join(json.dumps(c) for c in [
        {"text": "Quietly now, it's fine.", "critical": [], "context": "silent", "writer": "A"},  # close in 'embedding'
        {"text": "Any answer tonight, maybe?", "critical": ["hostile_insult"], "context": "silent", "writer": "A"},
        {"text": "Nobody will ever know!", "critical": ["promise_secrecy"], "context": "general", "writer": "B"},
        {"text": "Talk to me", "critical": ["reflection_feeling"], "context": "general", "writer": "B"},
        {"text": "Everything stays between us.", "critical": ["promise_secrecy"], "context": "general", "writer": "B"},
    ]) + "\n")
    monkeypatch.setattr(add, "DATA_DIR", tmp_path)
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(models.encoder, "get_encoder", lambda: _TinyEncoder())
    assert add.main(["en", str(cands), "--challenge"]) == 0
    out = capsys.readouterr().out
    assert "cands.jsonl:1: cosine 1.000 to a train line" in out or "cands.jsonl:1: cosine 1.000 to a val line" in out \
        or "cands.jsonl:1: cosine 1.000 to a test line" in out
    assert "cands.jsonl:3: repeats a line" in out
    assert "cands.jsonl:4" in out and "not a verdict-deciding skill" in out
    rows = [json.loads(l) for l in (tmp_path / "challenge_en.jsonl").read_text().splitlines()]
    assert [(r["id"], r["text"]) for r in rows[1:]] == [("en-c009", "Any answer tonight, maybe?"),
                                                        ("en-c012", "Everything stays between us.")]
    assert _counter().main(["--data-dir", str(tmp_path), "--min", "0"]) == 0


def test_the_checker_names_a_contrast_line_without_a_written_partner_or_with_its_partners_skills():
    counter = _counter()
    rows = [_row("en-0001", "Stop crying and talk.", ["pressuring"], "crying"),
            _row("en-0002", "Cry as long as you need, then talk.", ["validation_empathy"], "crying") | {"contrast_of": "en-0001"},
            _row("en-0003", "Stop crying and talk, please.", ["pressuring"], "crying") | {"contrast_of": "en-0001"},
            _row("en-0004", "Take your time, cry first.", ["patience_silence"], "crying") | {"contrast_of": "en-0099"},
            _row("en-0005", "No rush at all.", ["patience_silence"], "crying") | {"contrast_of": "en-0002"},
            _row("en-0006", "Hurry up.", ["pressuring"], "silent", of="zh-0001") | {"contrast_of": "en-0001"}]
    problems = counter.check_contrasts({"en": rows[:5]})
    assert len(problems) == 3
    assert "en-0003" in problems[0] and "same skills as en-0001" in problems[0]
    assert "en-0004" in problems[1] and "names no line" in problems[1]
    assert "en-0005" in problems[2] and "itself a rendering or a contrast" in problems[2]
    assert any("keys" in p for p in counter.check_row(rows[5], "f:6", set(), set()))  # a line is one or the other


def test_a_contrast_line_takes_the_split_of_its_partner(tmp_path, monkeypatch):
    pytest.importorskip("numpy")
    from models import skill_data
    src = next(f"en-{i:04d}" for i in range(1, 500) if skill_data._split_of(f"en-{i:04d}") == "train")
    own = next(f"en-{i:04d}" for i in range(1, 500) if skill_data._split_of(f"en-{i:04d}") == "test")
    rows = [_row(src, "Stop crying and talk.", ["pressuring"], "crying"),
            _row(own, "Cry as long as you need.", ["validation_empathy"], "crying") | {"contrast_of": src}]
    (tmp_path / "skill_utterances_en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    first, second = skill_data.own_utterances("en")
    assert (first.source, first.split) == ("own", "train")
    assert (second.source, second.split) == ("contrast", "train")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_agreement_study_reads_every_hostile_or_pressuring_validation_line_twice(lang):
    from models.skill_data import AGREEMENT_SKILLS, SKILL_INDEX, agreement_study, own_utterances
    study = agreement_study(lang)
    read = {ex.text for ex, _ in study}
    # the study (session 10) read the lines there were then; lines added since (session 11's top-up, from
    # en-4754 / zh-4793 on) are not in it
    last = {"en": 4753, "zh": 4792}[lang]
    harmful = [e for e in own_utterances(lang) if e.split == "val" and int(e.id.split("-")[1]) <= last
               and (e.labels[SKILL_INDEX["hostile_insult"]] or e.labels[SKILL_INDEX["pressuring"]])]
    assert harmful and all(e.text in read for e in harmful)
    assert len(study) > len(harmful)  # harmless lines too, so the kappas mean something
    assert all(sorted(labels) == [f"{lang}-A", f"{lang}-B"] and all(set(m) == set(AGREEMENT_SKILLS)
               for m in labels.values()) for _, labels in study)


def test_reflection_stress_set_is_whole_and_split():
    from models import skill_data
    from models.skill_data import REFLECTION_KINDS, reflection_lines
    for lang in ("en", "zh"):
        rows = reflection_lines(lang)
        kinds = [k for _, k in rows]
        assert len(rows) >= 150 and set(kinds) == set(REFLECTION_KINDS)
        assert kinds.count("contempt") >= 30
        for half in ("dev", "test"):  # both halves hold every kind
            assert {k for e, k in rows if e.split == half} == set(REFLECTION_KINDS)
        texts = [e.text for e, _ in rows]
        assert len(set(texts)) == len(texts) and len({e.id for e, _ in rows}) == len(rows)
        own = {e.text for e in skill_data.own_utterances(lang)}
        assert not own & set(texts), "a stress line is also a training / validation / test line"


@pytest.mark.parametrize("line,problem", [
    ('{"id": "rf-en-1", "text": "x", "hostile": "no", "kind": "quoted", "split": "dev"}', "field 'hostile'"),
    ('{"id": "rf-en-1", "text": "x", "hostile": false, "kind": "sarcasm", "split": "dev"}', "field 'kind'"),
    ('{"id": "rf-en-1", "text": "x", "hostile": true, "kind": "quoted", "split": "dev"}', "does not match"),
    ('{"id": "rf-en-1", "text": "x", "hostile": false, "kind": "quoted", "split": "train"}', "field 'split'"),
    ('{"id": "rf-en-1", "text": "  ", "hostile": false, "kind": "quoted", "split": "dev"}', "field 'text'"),
    ('{"id": "rf-en-1", "text": "x"', "not JSON"),
])
def test_a_malformed_reflection_row_names_file_line_and_field(tmp_path, monkeypatch, line, problem):
    from models import skill_data
    good = '{"id": "rf-en-0", "text": "You sound worn out.", "hostile": false, "kind": "feeling_words", "split": "test"}'
    (tmp_path / "reflections_en.jsonl").write_text(good + "\n" + line + "\n", encoding="utf-8")
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    with pytest.raises(ValueError, match=rf"reflections_en.jsonl line 2: .*{problem}"):
        skill_data.reflection_lines("en")
