"""The encoder-based caller-event reader (models/event_reader.py): data loading, the head, the shipped weights read
for real, and how rules and model combine."""
from __future__ import annotations

import json

import numpy as np
import pytest

from models.event_reader import (
    HEAD_FILE, MODEL_EVENTS, CombinedEventDetector, EventHead, ModelEventDetector, event_lines, label_matrix,
    tune_thresholds)
from simulator.caller_events import RuleEventDetector, default_detector_kind, make_detector


# -- data --------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_event_lines_load_with_every_event_and_quiet_lines_in_each_split(lang):
    lines = event_lines(lang)
    assert len({ln.id for ln in lines}) == len(lines) >= 250
    for split in ("train", "val", "test"):
        part = [ln for ln in lines if ln.split == split]
        assert part == event_lines(lang, split)
        assert any(not ln.events for ln in part)                      # lines with no event that look like one
        assert any("hopelessness" in ln.events for ln in part)
    assert {e for ln in lines for e in ln.events} == set(MODEL_EVENTS)


@pytest.mark.parametrize("row,problem", [
    ('{"id": "x1", "text": "hi", "events": ["hopelessness"]', "not JSON"),
    ('["x1", "hi"]', "JSON object"),
    ('{"text": "hi", "events": [], "kind": "k"}', "field 'id'"),
    ('{"id": "x1", "text": "  ", "events": [], "kind": "k"}', "field 'text'"),
    ('{"id": "x1", "text": "hi", "events": ["crying"], "kind": "k"}', "field 'events'"),
    ('{"id": "x1", "text": "hi", "events": "hopelessness", "kind": "k"}', "field 'events'"),
    ('{"id": "x1", "text": "hi", "events": []}', "field 'kind'"),
])
def test_a_malformed_row_names_file_line_and_field(tmp_path, row, problem):
    path = tmp_path / "caller_events_en.jsonl"
    path.write_text('{"id": "x0", "text": "fine", "events": [], "kind": "k"}\n\n' + row + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as err:
        event_lines("en", path=path)
    assert "caller_events_en.jsonl line 3" in str(err.value) and problem in str(err.value)


def test_a_repeated_id_is_refused(tmp_path):
    path = tmp_path / "caller_events_zh.jsonl"
    row = {"id": "z1", "text": "还行", "events": [], "kind": "k"}
    path.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: field 'id' repeats 'z1'"):
        event_lines("zh", path=path)


# -- the head -------------------------------------------------------------------------------
def _blobs(n=240, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(MODEL_EVENTS), dim))
    y = (rng.random((n, len(MODEL_EVENTS))) < 0.25).astype(np.float32)
    x = y @ centres + rng.normal(scale=0.3, size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32), y


def test_head_learns_separable_events_and_survives_a_round_trip(tmp_path):
    x, y = _blobs()
    head = EventHead.fit(x[:160], y[:160])
    head.thresholds = tune_thresholds(head.probabilities(x[160:200]), y[160:200])
    pred = head.probabilities(x[200:]) >= head.thresholds
    assert (pred == (y[200:] > 0)).mean() > 0.9
    head.meta = {"seed": 0}
    head.save(tmp_path / "h.npz")
    again = EventHead.load(tmp_path / "h.npz")
    assert np.allclose(again.probabilities(x[200:]), head.probabilities(x[200:]), atol=2e-3)  # fp16 weights
    assert np.array_equal(again.thresholds, head.thresholds) and again.meta == {"seed": 0}


def test_a_head_for_other_events_or_a_missing_file_is_refused_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_event_reader.py"):
        EventHead.load(tmp_path / "none.npz")
    np.savez(tmp_path / "old.npz", weight=np.zeros((2, 4), np.float16), bias=np.zeros(2), thresholds=np.zeros(2),
             events=np.array(["hopelessness", "crying"]), meta=np.array("{}"))
    with pytest.raises(ValueError, match="retrain"):
        EventHead.load(tmp_path / "old.npz")


def test_thresholds_buy_recall_only_at_the_precision_floor():
    probs = np.array([[0.95], [0.85], [0.75], [0.65], [0.55], [0.45]])
    gold = np.array([[1], [1], [0], [1], [0], [0]])
    # precision ≥ .9 holds down to 0.85 only (0.75 brings a false reading): the lowest such cut
    assert tune_thresholds(probs, gold, 0.9)[0] == pytest.approx(0.76)
    # at a floor of .7 the cut can go down to 0.65 (3 of 4 right); the first grid cut above 0.55 is 0.56
    assert tune_thresholds(probs, gold, 0.7)[0] == pytest.approx(0.56)
    # a floor nothing reaches falls back to the best-F1 cut
    assert tune_thresholds(np.array([[0.9], [0.8]]), np.array([[0], [1]]), 0.99)[0] == pytest.approx(0.30)


# -- the shipped head, read for real ------------------------------------------------------------
@pytest.fixture(scope="module")
def model():
    return ModelEventDetector()


# Worded for this test, unlike the data's lines: passive wishes the keyword rules do not read, and everyday lines.
# (Known misreads of the shipped head are listed in models/weights/EVENT_READER.md, not hidden here.)
WISHES = [
    ("en", "Some nights I lie there hoping I just won't open my eyes again in the morning."),
    ("en", "Honestly everyone would have an easier time of it if I wasn't around to mess things up."),
    ("zh", "我这种人留在世上也是给家里添麻烦，还不如不在了。"),
]
HARMLESS = [
    ("en", "This heat is killing me, I've had three cold showers today."),
    ("en", "We had a lovely afternoon at the beach, the kids loved it."),
    ("zh", "加班加得我快累死了，周末只想在家睡觉。"),
    ("zh", "今天天气不错，我带孩子去公园转了一圈。"),
]


@pytest.mark.parametrize("lang,text", WISHES)
def test_model_reads_a_passive_wish_not_to_be_that_the_rules_miss(model, lang, text):
    assert not RuleEventDetector().detect(text, lang) & {"hopelessness", "disclosed_ideation"}
    assert model.detect(text, lang) & {"hopelessness", "disclosed_ideation"}
    assert CombinedEventDetector(model=model).detect(text, lang) & {"hopelessness", "disclosed_ideation"}


@pytest.mark.parametrize("lang,text", HARMLESS)
def test_model_reads_no_risk_in_everyday_words(model, lang, text):
    assert model.detect(text, lang) == set()


def test_model_reads_nothing_in_a_stage_direction_or_empty_turn(model):
    assert model.detect_many(["(sobbing)", "（沉默）", "", "   "], "en") == [set(), set(), set(), set()]


def test_detect_many_equals_one_at_a_time(model):
    texts = [t for _, t in WISHES + HARMLESS]
    assert model.detect_many(texts) == [model.detect(t) for t in texts]


# -- rules and model together ----------------------------------------------------------------------
class _Reads:
    """A stand-in model reader that reads fixed events (the combination logic is under test, not the model)."""

    def __init__(self, events):
        self.events = set(events)

    def detect_many(self, texts, lang=None):
        return [set(self.events) for _ in texts]


def test_combined_is_rules_union_model_and_the_model_feeds_imminence():
    rules = RuleEventDetector()
    text = "I just can't picture myself around next year, and tonight is the night, I think."
    alone = rules.detect(text, "en")
    assert "disclosed_ideation" not in alone and "imminent_risk" not in alone
    both = CombinedEventDetector(model=_Reads({"disclosed_ideation"}), rules=rules).detect(text, "en")
    assert {"disclosed_ideation", "imminent_risk"} <= both
    # without a time cue, ideation read by the model is not imminent
    calm = CombinedEventDetector(model=_Reads({"disclosed_ideation"}), rules=rules).detect("I think about dying.", "en")
    assert "imminent_risk" not in calm
    # what the rules read stays read when the model reads nothing
    crying = CombinedEventDetector(model=_Reads(()), rules=rules).detect("(sobbing) I can't stop crying", "en")
    assert "crying" in crying


def test_make_detector_kinds_and_defaults():
    assert isinstance(make_detector("rules"), RuleEventDetector)
    assert isinstance(make_detector("model"), ModelEventDetector)
    assert isinstance(make_detector("combined"), CombinedEventDetector)
    with pytest.raises(ValueError, match="known: rules, model, combined"):
        make_detector("oracle")
    assert default_detector_kind("rules") == "rules"
    assert default_detector_kind("model") == default_detector_kind("combined") == "combined"


def test_the_shipped_head_is_in_the_repository():
    head = EventHead.load(HEAD_FILE)
    assert head.weight.shape == (len(MODEL_EVENTS), 384)
    assert all(0.3 <= c <= 0.95 for c in head.thresholds)
    assert head.meta["lines"]["en"]["test"] > 0
    assert label_matrix(event_lines("en", "test")).shape[1] == len(MODEL_EVENTS)


def test_scoring_reads_a_calls_caller_turns_in_one_pass_and_names_the_reader(library):
    from pathlib import Path

    from simulator.scoring import score
    from simulator.transcript import Transcript

    class Counting(RuleEventDetector):
        name = "counting"

        def __init__(self):
            self.batches = []

        def detect_many(self, texts, lang=None):
            self.batches.append(list(texts))
            return [self.detect(t, lang) for t in texts]

    tr = Transcript.load(Path(__file__).parent / "golden" / "suicidal_en_good.json")
    rubric = library.rubric_for(scenario_id=tr.scenario, caller_type=tr.caller_type)
    det = Counting()
    report = score(tr, rubric, None, det)
    said = [t.text for t in tr.turns if t.speaker == "caller" and t.text]
    assert det.batches == [said]
    plain = score(tr, rubric, None, RuleEventDetector())
    assert report.turn_events == plain.turn_events and report.verdict == plain.verdict
    assert report.to_dict()["events_reader"] == "counting" and plain.events_reader == "rules"


def _event_adder():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "scripts" / "add_caller_events.py"
    spec = importlib.util.spec_from_file_location("add_caller_events", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_adding_caller_lines_drops_bad_repeated_disputed_and_leaking_ones(tmp_path, monkeypatch, capsys):
    add = _event_adder()
    from models.skill_data import _split_of
    existing = [{"id": "ev-en-0001", "text": "My landlord wants the flat back by Friday and I have nowhere lined up.",
                 "events": [], "kind": "heavy"},
                {"id": "ev-en-0002", "text": "Nothing is ever going to change for me, so why keep trying.",
                 "events": ["hopelessness"], "kind": "no_way_out"}]
    (tmp_path / "caller_events_en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in existing), "utf-8")
    monkeypatch.setattr(add, "DATA_DIR", tmp_path)
    # the new ids are ev-en-0003… in candidate order; find a candidate id whose split differs from line 0002's, for
    # the near copy that must be refused
    leak_at = next(n for n in range(3, 40) if _split_of(f"ev-en-{n:04d}") != _split_of("ev-en-0002"))
    cands = ['{"text": "I lost the job I had for eleven years and I keep rehearsing how to tell my wife.", '
             '"events": [], "kind": "heavy"}',
             '{"text": "I keep thinking about ending my life.", "events": ["disclosed_ideation"], "kind": "direct"}',
             '{"text": "no kind here", "events": []}',
             '{"text": "It is all bad.", "events": ["sadness"], "kind": "k"}',
             '{"text": "My LANDLORD wants the flat back by Friday, and I have nowhere lined up!", "events": [], '
             '"kind": "heavy"}',
             '{"text": "I have saved the tablets up for a while now.", "events": ["disclosed_plan", "means_at_hand"], '
             '"kind": "plan"}']
    while len(cands) + 3 < leak_at:  # pad with distinct ordinary lines until the near copy gets a leaking id
        cands.append(json.dumps({"text": f"The bus was late again today, number {len(cands)}, and I missed my shift.",
                                 "events": [], "kind": "pad"}))
    cands.append('{"text": "Nothing is ever going to change for me, so why keep on trying.", '
                 '"events": ["hopelessness"], "kind": "no_way_out"}')
    src = tmp_path / "new.jsonl"
    src.write_text("\n".join(cands) + "\n", "utf-8")
    second = tmp_path / "second.jsonl"
    second.write_text("".join(json.dumps({"text": json.loads(c)["text"], "events": json.loads(c)["events"],
                                          "unsure": False}) + "\n" for c in cands if "kind" in json.loads(c))
                      .replace('"events": ["disclosed_plan", "means_at_hand"]', '"events": ["means_at_hand"]'), "utf-8")
    assert add.main(["en", str(src), "--second", str(second)]) == 0
    out = capsys.readouterr().out
    assert "new.jsonl:3: field 'kind'" in out and "new.jsonl:4: field 'events'" in out
    assert "new.jsonl:5: repeats a line" in out
    assert "new.jsonl:6: second annotator: ['means_at_hand'], writer: ['disclosed_plan', 'means_at_hand']" in out
    assert f"new.jsonl:{len(cands)}: " in out and "line: 'Nothing is ever going to change" in out
    rows = [json.loads(l) for l in (tmp_path / "caller_events_en.jsonl").read_text("utf-8").splitlines()]
    added = rows[2:]
    assert [r["id"] for r in added[:2]] == ["ev-en-0003", "ev-en-0004"]
    assert added[1]["events"] == ["disclosed_ideation"]
    assert not any(r["text"].startswith("Nothing is ever going to change for me, so why keep on") for r in added)
    assert event_lines("en", path=tmp_path / "caller_events_en.jsonl")[-1].id == added[-1]["id"]


def test_the_second_opinions_cover_the_session_12_lines_with_known_events(tmp_path):
    from models.event_reader import second_opinions
    second = second_opinions()
    ids = {ln.id for lang in ("en", "zh") for ln in event_lines(lang)}
    assert len(second) >= 1200 and set(second) <= ids
    assert all(events <= set(MODEL_EVENTS) for events, _ in second.values())
    bad = tmp_path / "second.jsonl"
    bad.write_text('{"id": "ev-en-0001", "events": ["hopelessness"], "unsure": "no"}\n', "utf-8")
    with pytest.raises(ValueError, match="second.jsonl line 1: field 'unsure'"):
        second_opinions(bad)
