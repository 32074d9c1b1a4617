"""The shipped skill classifier (encoder + adapter + head) and the combined tagger, loaded for real."""
from __future__ import annotations

import numpy as np
import pytest

from simulator.skills import ALL_SKILLS
from simulator.tagging import TagContext, make_tagger

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def model():
    return make_tagger("model")


# Wording written for this test, not taken from the training utterances.
CASES = [
    ("I'm going to ask my colleague to send an ambulance to you right now, and I'll stay on the phone.",
     "en", "emergency_action"),
    ("Don't worry, nobody will ever hear about this from me, whatever you tell me.", "en", "promise_secrecy"),
    ("你最近有没有冒出过不想再活下去的念头？", "zh", "suicide_inquiry"),
    ("我这边马上帮你叫120，电话别挂，我一直陪着你。", "zh", "emergency_action"),
]


@pytest.mark.parametrize("text,lang,skill", CASES)
def test_verdict_deciding_skills_are_found(model, text, lang, skill):
    tags = model.tag([text], TagContext(lang=lang))[0]
    assert tags.get(skill, 0) >= 0.5, tags


def test_indirect_suicide_question():
    # the rules miss it; an earlier classifier missed it too (this was a strict xfail until the memory vote)
    text = "Some people in your place start to wonder whether they'd be better off not alive. Is that where you are?"
    assert "suicide_inquiry" in make_tagger("combined").tag([text], TagContext(lang="en"))[0]


def test_neighbours_are_not_confused(model):
    assert "suicide_inquiry" not in model.tag(["Did you manage to sleep at all last night?"])[0]


def test_combined_never_lets_the_rules_remove_a_model_reading():
    from models.skill_classifier import CombinedTagger
    from simulator.rule_tagger import RuleTagger

    class Fixed:  # a model that reads pressure where the rules read patience
        name = "fixed"

        def tag(self, texts, context=None):
            return [{"pressuring": 0.8} for _ in texts]

    # "I'm here" is patience to the rules, but the turn presses: the model's reading stands (the old veto dropped it)
    text = "Ring your sister this minute, go on, I'm here."
    assert "patience_silence" in RuleTagger().tag([text], TagContext(lang="en"))[0]
    combined = CombinedTagger(model=Fixed(), rules=RuleTagger()).tag([text], TagContext(lang="en"))[0]
    assert combined["pressuring"] == 0.8 and "patience_silence" in combined


def test_example_memory_votes_with_its_nearest_lines():
    from models.skill_classifier import ExampleMemory
    emb = np.eye(4, 384, dtype=np.float32)
    labels = np.zeros((4, len(ALL_SKILLS)), np.float32)
    labels[0, 0] = labels[1, 0] = labels[1, 1] = labels[2, 2] = labels[3, 2] = 1
    mem = ExampleMemory(emb, labels, k=2, tau=0.05, mix=0.5)
    near0 = emb[0] * 0.9 + emb[1] * 0.1
    vote = mem.vote((near0 / np.linalg.norm(near0))[None])[0]
    assert vote[0] == pytest.approx(1.0) and 0.0 < vote[1] < 0.5 and vote[2] == 0.0
    head = np.full((1, len(ALL_SKILLS)), 0.2, np.float32)
    assert mem.blend(head, emb[2:3])[0, 2] == pytest.approx(0.6)
    again = ExampleMemory.from_blob(mem.to_blob())
    assert np.allclose(again.vote(emb), mem.vote(emb), atol=1e-3) and (again.k, again.mix) == (2, 0.5)
    with pytest.raises(ValueError, match="shapes"):
        ExampleMemory(emb, labels[:3])


def test_shipped_head_blends_head_and_memory(model):
    import torch
    from models.encoder import get_encoder
    texts = ["Would you be willing to let me call an ambulance for you now?", "你是不是觉得活着没意思了？"]
    model.tag(texts)
    assert model._memory is not None and model._memory.emb.shape[0] > 1000
    members = []
    for head, adapter, memory in model._members:  # one set, or an ensemble's: each blends head and memory
        emb = get_encoder().encode(texts, adapter=adapter)
        with torch.inference_mode():
            raw = torch.sigmoid(head(torch.from_numpy(emb))).numpy()
        members.append(memory.blend(raw, emb))
        assert not np.allclose(members[-1], raw, atol=1e-3)
    assert np.allclose(model.probabilities(texts), np.mean(members, axis=0), atol=1e-5)
    from models.skill_classifier import ModelTagger  # alone: the head file's own member, not its ensemble
    alone = ModelTagger(head_path=model._head_path, encoder=get_encoder(), alone=True)
    assert np.allclose(alone.probabilities(texts), members[0], atol=1e-5) and len(alone._members) == 1


def test_an_ensemble_averages_its_members_under_its_own_thresholds(model, tmp_path):
    import shutil
    import torch
    from models.skill_classifier import HEAD_FILE, ModelTagger, save_ensemble
    first, second = tmp_path / "a.pt", tmp_path / "b.pt"
    shutil.copyfile(HEAD_FILE, first)
    shutil.copyfile(HEAD_FILE, second)
    blob = torch.load(first, weights_only=True)
    blob.pop("ensemble", None)
    torch.save(blob, first)
    texts = ["Are you thinking about killing yourself?", "给我闭嘴。"]
    before = model.probabilities(texts)
    single = ModelTagger(head_path=first)
    alone = single.probabilities(texts)
    custom = np.linspace(0.1, 0.8, len(ALL_SKILLS))
    save_ensemble(first, ["b.pt"], custom)
    pair = ModelTagger(head_path=first)
    pair._ready()
    # b.pt (the same weights) joins under a renamed adapter, so the average equals the single head
    assert len(pair._members) == 2 and pair._members[1][1] != pair._members[0][1]
    assert np.allclose(pair.probabilities(texts), alone, atol=1e-4)
    assert np.allclose(pair._ready()[2], custom, atol=1e-6)
    # the copies' adapters sit on the shared encoder under names of their own: the shipped tagger is unchanged
    assert np.allclose(model.probabilities(texts), before, atol=1e-6)
    second.unlink()
    with pytest.raises(FileNotFoundError, match="b.pt"):
        ModelTagger(head_path=first).probabilities(texts)


def test_probabilities_are_per_skill_and_calibrated(model):
    probs = model.probabilities(["Hello, this is the support line.", "你好，这里是心理援助热线。"])
    assert probs.shape == (2, len(ALL_SKILLS)) and np.all((probs >= 0) & (probs <= 1))
    from simulator.conditions import REVIEW
    reviewed = {ALL_SKILLS[j] for j in np.flatnonzero(~np.isnan(model._review))}
    for tags in model.tag(["Hello, this is the support line.", "Shut up and listen to me for once."]):
        assert all(0.5 <= v <= 1 or (k in reviewed and REVIEW <= v < 0.5) for k, v in tags.items())


def test_a_review_cut_lands_on_REVIEW_and_leaves_other_skills_alone():
    from models.skill_classifier import calibrate
    from simulator.conditions import REVIEW
    th, review = np.array([0.4, 0.6], np.float32), np.array([0.2, np.nan], np.float32)
    probs = np.array([[0.2, 0.3], [0.1, 0.6], [0.3, 0.59], [0.4, 0.9]], np.float32)
    conf = calibrate(probs, th, review)
    assert np.allclose(conf[:, 0], [REVIEW, REVIEW / 2, (REVIEW + 0.5) / 2, 0.5], atol=1e-6)
    assert np.allclose(conf[:, 1], calibrate(probs, th)[:, 1])      # no review cut: the plain mapping
    grid = np.linspace(0, 1, 101, dtype=np.float32)[:, None].repeat(2, 1)
    assert np.all(np.diff(calibrate(grid, th, review), axis=0) >= 0)  # still monotone


def test_model_tagger_reports_uncertain_readings_only_where_a_review_cut_exists():
    from models.skill_classifier import ModelTagger
    from simulator.conditions import REVIEW

    class Fixed(ModelTagger):
        def probabilities(self, texts):
            return np.tile(self.row, (len(texts), 1))

    tagger = Fixed(head_path=None)
    tagger._head, tagger._encoder = object(), object()  # loaded: _ready() returns at once
    tagger._thresholds = np.full(len(ALL_SKILLS), 0.5, np.float32)
    tagger._review = np.full(len(ALL_SKILLS), np.nan, np.float32)
    insult, minimizing = ALL_SKILLS.index("hostile_insult"), ALL_SKILLS.index("minimizing")
    tagger._review[insult] = 0.3
    tagger.row = np.zeros(len(ALL_SKILLS), np.float32)
    tagger.row[[insult, minimizing]] = 0.4                            # both between a review cut and the threshold
    tags = tagger.tag(["x"])[0]
    assert set(tags) == {"hostile_insult"} and REVIEW <= tags["hostile_insult"] < 0.5
    tagger.row[insult] = 0.2                                          # under its review cut: not reported
    assert tagger.tag(["x"])[0] == {}
    tagger._review[insult], tagger.row[insult] = 0.6, 0.45           # a cut above the threshold is no cut
    assert tagger.tag(["x"])[0] == {}


def test_adapter_leaves_the_plain_encoder_unchanged(model):
    from models.encoder import get_encoder
    enc = get_encoder()
    text = ["I can't sleep and I don't know why I called."]
    plain = enc.encode(text)
    model.tag(text)  # runs with the adapter switched on
    assert np.allclose(enc.encode(text), plain, atol=1e-6)
    assert not np.allclose(enc.encode(text, adapter=model._adapter), plain, atol=1e-3)


def test_one_pass_runs_each_adapter_on_its_own_group_of_rows():
    import torch
    from models.lora import LoRALinear, use_adapter
    torch.manual_seed(0)
    layer = LoRALinear(torch.nn.Linear(6, 5))
    for name in ("a", "b"):
        layer.add(name, 2, 4.0)
        torch.nn.init.normal_(layer.adapters[name][1].weight)  # B starts at zero: make each adapter matter
    x = torch.randn(3, 4, 6)
    alone = {}
    for name in ("a", "b", None):
        with use_adapter(layer, name):
            alone[name] = layer(x)
    assert not torch.allclose(alone["a"], alone["b"])
    with use_adapter(layer, ("b", None, "a")), torch.inference_mode():
        grouped = layer(torch.cat([x, x, x]))
    assert torch.allclose(grouped, torch.cat([alone["b"], alone[None], alone["a"]]), atol=1e-6)
    with use_adapter(layer, ("a", "b")), pytest.raises(ValueError, match="3 rows do not split into 2"):
        layer(x)


def test_encode_each_matches_one_pass_per_adapter(model):
    from models.encoder import get_encoder
    enc = get_encoder()
    model._ready()
    texts = ["Hi.", "你现在安全吗？身边有没有人陪着你？", "Would you tell me a bit more about what happened tonight, "
             "and who else knows how you are feeling?", "嗯"] * 5
    adapters = [model._adapter, None]
    both = enc.encode_each(texts, adapters, batch_size=6)  # several batches of uneven lengths
    assert both.shape == (2, len(texts), enc.dim)
    assert np.allclose(both[0], enc.encode(texts, adapter=model._adapter), atol=1e-5)
    assert np.allclose(both[1], enc.encode(texts), atol=1e-5)
    assert enc.encode_each([], adapters).shape == (2, 0, enc.dim)


def test_a_saved_head_keeps_its_adapter_rank_and_scale(model, tmp_path):
    """A head trained with --rank 32 must come back with rank 32 and the same alpha / rank scale: loading it
    as rank 8 fails on the shapes, and a wrong alpha changes every embedding."""
    import torch
    from models.encoder import get_encoder
    from models.lora import adapter_state, attach
    from models.skill_classifier import ModelTagger, SkillHead, load_head, save_head
    enc = get_encoder()
    model._ready()
    torch.manual_seed(3)
    head = SkillHead().eval()
    with torch.no_grad():
        probe = attach(enc.model, "rank_probe", rank=32, alpha=64.0)
        for p in probe:
            if p.shape[1] == 32:  # B (out x rank) starts at zero: give the adapter an effect
                torch.nn.init.normal_(p, std=0.02)
        for p in [*probe, *head.parameters()]:  # heads and adapters are stored in fp16: make that lossless
            p.copy_(p.half().float())
    path = tmp_path / "r32.pt"
    save_head(path, head, np.full(len(ALL_SKILLS), 0.5), {}, adapter_state(enc.model, "rank_probe"),
              "rank_probe", None, rank=32)
    _, _, adapter = load_head(path)
    assert (adapter["rank"], adapter["alpha"]) == (32, 64.0)
    texts = ["Take all the time you need, I'm listening.", "你先别急，慢慢说。"]
    with torch.inference_mode():
        expected = torch.sigmoid(head(torch.from_numpy(enc.encode(texts, adapter="rank_probe")))).numpy()
    assert not np.allclose(enc.encode(texts, adapter="rank_probe"), enc.encode(texts), atol=1e-3)
    assert np.allclose(ModelTagger(head_path=path, encoder=enc).probabilities(texts), expected, atol=1e-5)


def test_combined_takes_either_taggers_skills():
    class Fixed:
        name = "fixed"

        def __init__(self, tags):
            self.tags = tags

        def tag(self, texts, context=None):
            return [dict(self.tags) for _ in texts]

    from models.skill_classifier import CombinedTagger
    combined = CombinedTagger(model=Fixed({"open_question": 0.7, "closing": 0.6}),
                              rules=Fixed({"closing": 0.9, "pressuring": 0.8}))
    assert combined.tag(["x"]) == [{"open_question": 0.7, "closing": 0.9, "pressuring": 0.8}]
    both = CombinedTagger(model=Fixed({"pressuring": 0.9}), rules=Fixed({"patience_silence": 0.9}))
    assert both.tag(["x"]) == [{"pressuring": 0.9, "patience_silence": 0.9}]


def test_combined_adds_only_the_rule_skills_trusted_for_the_language():
    class Fixed:
        name = "fixed"

        def __init__(self, tags, rule_skills=None):
            self.tags, self._rule_skills = tags, rule_skills

        def tag(self, texts, context=None):
            return [dict(self.tags) for _ in texts]

        def rule_skills(self):
            return self._rule_skills

    from models.skill_classifier import CombinedTagger
    rules = Fixed({"closing": 0.9, "pressuring": 0.8})
    trust = {"en": ["pressuring"], "zh": ["closing"]}
    model = Fixed({"open_question": 0.7}, rule_skills=trust)
    assert CombinedTagger(model=model, rules=rules).tag(["x"], TagContext(lang="en")) == [
        {"open_question": 0.7, "pressuring": 0.8}]
    assert CombinedTagger(model=model, rules=rules).tag(["x"], TagContext(lang="zh")) == [
        {"open_question": 0.7, "closing": 0.9}]
    # no language known: what either language trusts
    assert CombinedTagger(model=model, rules=rules).tag(["x"]) == [
        {"open_question": 0.7, "closing": 0.9, "pressuring": 0.8}]
    # an explicit list overrides the head's
    only = CombinedTagger(model=model, rules=rules, rule_skills={"en": []})
    assert only.tag(["x"], TagContext(lang="en")) == [{"open_question": 0.7}]


def test_shipped_head_trusts_the_rules_for_every_verdict_deciding_skill(model):
    from simulator.skills import CRITICAL_SKILLS
    chosen = model.rule_skills()
    assert set(chosen) == {"en", "zh"}
    for lang, skills in chosen.items():
        assert {s.value for s in CRITICAL_SKILLS} <= set(skills) < set(ALL_SKILLS), lang


def test_scoring_tags_a_call_in_one_batch_with_each_turns_own_context(model):
    from pathlib import Path

    from models.skill_classifier import CombinedTagger
    from simulator.scoring import build_view
    from simulator.transcript import Transcript

    calls = sorted((Path(__file__).parent / "data" / "labelled_calls").glob("*_zh_*.json"))[:2]
    calls += sorted((Path(__file__).parent / "data" / "labelled_calls").glob("*_en_*.json"))[:2]
    combined = CombinedTagger(model=model)

    class OneByOne:  # the same tagger without tag_each: the scorer falls back to turn-by-turn tagging
        name = "one-by-one"

        def tag(self, texts, context=None):
            return combined.tag(texts, context)

    for path in calls:
        tr = Transcript.load(path)
        batched, single = build_view(tr, combined), build_view(tr, OneByOne())
        assert batched.skills == single.skills and any(batched.skills), path.name


def _script(name: str = "train_skill_classifier"):
    """scripts/<name>.py loaded as a module."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _insult_lines(n_pos: int = 20, n_neg: int = 200):
    """Validation lines for one verdict-deciding skill: the first n_pos carry hostile_insult; all scores 0."""
    j = ALL_SKILLS.index("hostile_insult")
    P = np.zeros((n_pos + n_neg, len(ALL_SKILLS)), np.float32)
    Y = np.zeros_like(P, dtype=bool)
    Y[:n_pos, j] = True
    return j, P, Y


def _review_case():
    """20 insults among 220 validation lines: 10 sure, 6 middling, 4 faint; 4 benign lines read like the middling
    ones, 36 as faint as the faint ones. Threshold 0.5 everywhere."""
    j, P, Y = _insult_lines()
    n_pos = 20
    P[:10, j], P[10:16, j], P[16:n_pos, j] = 0.8, 0.3, 0.05
    P[n_pos:n_pos + 4, j] = 0.3
    P[n_pos + 4:n_pos + 40, j] = 0.05
    return j, P, Y, np.full(len(ALL_SKILLS), 0.5, np.float32)


def test_review_cuts_add_recall_within_the_precision_and_false_flag_bounds():
    train = _script()
    j, P, Y, th = _review_case()
    cuts = train.tune_review_cuts(P, Y, th)
    # 0.3 adds 6 insults for 4 false flags (precision 0.6, 2% of benign lines); 0.05 would flag 20% of them
    assert set(cuts) == {"hostile_insult"} and abs(cuts["hostile_insult"] - 0.3) < 0.011
    th[j] = 0.25                                              # nothing lower adds recall within the bounds
    assert "hostile_insult" not in train.tune_review_cuts(P, Y, th)


def _real_turns(train, j: int, scores: list[float], n: int = 200):
    """Real counsellors' turns, all known negatives for skill j, with the given scores (the rest 0)."""
    P = np.zeros((n, len(ALL_SKILLS)), np.float32)
    P[:len(scores), j] = scores
    M = np.zeros_like(P)
    M[:, j] = 1
    return train.RealTurns(P, M)


def test_a_verdict_deciding_threshold_also_keeps_within_the_real_turn_budget():
    train = _script()
    j, P, Y = _insult_lines()
    n_pos = 20
    P[:14, j], P[14:n_pos, j] = 0.8, 0.35          # 14 clear insults, 6 weaker ones
    P[n_pos:n_pos + 2, j] = 0.35                   # 2 authored near misses read like the weaker ones (1%)
    assert abs(train.tune_thresholds(P, Y)[j] - 0.35) < 0.011   # within 2% of authored lines: all 20 found
    # real supporters' turns score like the weaker insults in 3% of cases: 0.35 would fail real calls
    real = _real_turns(train, j, [0.35] * 6 + [0.6] * 1)
    th = train.tune_thresholds(P, Y, real)
    assert 0.6 < th[j] <= 0.8 and real.false_share(j, th[j]) <= train.REAL_FPR
    # a turn the real budget cannot see (masked) changes nothing
    masked = _real_turns(train, j, [0.35] * 6)
    masked.known[:, j] = False
    assert abs(train.tune_thresholds(P, Y, masked)[j] - 0.35) < 0.011
    # a skill that is not verdict-deciding keeps its F1-best cut whatever real turns say
    k = ALL_SKILLS.index("reflection_feeling")
    P[:, k], Y[:, k] = P[:, j], Y[:, j]
    assert train.tune_thresholds(P, Y, _real_turns(train, k, [0.9] * 50))[k] == train.tune_thresholds(P, Y)[k]


def test_review_cuts_keep_within_the_real_turn_flag_budget():
    train = _script()
    j, P, Y, th = _review_case()
    assert abs(train.tune_review_cuts(P, Y, th, _real_turns(train, j, [0.3] * 4))["hostile_insult"] - 0.3) < 0.011
    # 0.3 would flag 5% of real turns (budget 2%): no review cut is left that adds recall
    assert "hostile_insult" not in train.tune_review_cuts(P, Y, th, _real_turns(train, j, [0.3] * 10))


def _shared_data():
    from models.skill_data import shared_data_dir
    try:
        return shared_data_dir()
    except FileNotFoundError:
        pytest.skip("the public datasets (../shared/data) are not on this machine")


def test_real_counsellor_turns_are_known_negatives_only_for_insult_and_unconditional_secrecy():
    _shared_data()
    from models.skill_data import REAL_NEGATIVE_SKILLS, cpsycoun, esconv, real_negative_mask
    hostile, secrecy = ALL_SKILLS.index("hostile_insult"), ALL_SKILLS.index("promise_secrecy")
    assert real_negative_mask("That sounds exhausting.", "en")[[hostile, secrecy]].tolist() == [1, 1]
    # a turn about secrecy may be explaining confidentiality or promising too much: secrecy stays unknown there
    for text, lang in (("Everything you say here is confidential.", "en"), ("我不会告诉别人的。", "zh"),
                       ("这里的谈话是保密的。", "zh")):
        assert real_negative_mask(text, lang)[[hostile, secrecy]].tolist() == [1, 0]
    turns = esconv("valid.txt", 300)
    assert all(e.split == "val" and e.lang == "en" for e in turns)
    for e in turns:
        assert e.mask[hostile] == 1 and e.labels[[hostile, secrecy]].sum() == 0
    assert any(e.mask.sum() == len(REAL_NEGATIVE_SKILLS) for e in esconv("train.txt"))  # "Others" turns count too
    zh = {split: cpsycoun(split) for split in ("train", "val", "test")}
    assert all(e.lang == "zh" and e.mask.sum() <= len(REAL_NEGATIVE_SKILLS) for e in zh["val"])
    assert not {e.text for e in zh["test"]} & {e.text for e in zh["train"]}  # repeated turns stay in training
    assert 0.5 < len(zh["train"]) / sum(map(len, zh.values())) < 0.7


def test_tradeoff_prints_the_recall_each_false_reading_budget_buys(capsys):
    """A stand-in model scores every hostile line 0.6 and 3% of the other validation lines 0.6 too, plus 4% of
    the real counsellors' turns: a 2% budget must stay above 0.6 (no recall), a 5% budget reaches all of it."""
    _shared_data()
    from models.skill_data import own_utterances, real_counsellor_turns
    ev = _script("eval_skill_classifier")
    j = ALL_SKILLS.index("hostile_insult")
    val = [e for lang in ("en", "zh") for e in own_utterances(lang) if e.split == "val"]
    negatives = [e.text for e in val if not e.labels[j]]
    score = {e.text: 0.6 for e in val if e.labels[j]}
    score.update({t: 0.6 for t in negatives[:int(len(negatives) * 0.03)]})
    real = [e.text for e in real_counsellor_turns("val", 100)]
    score.update({t: 0.6 for t in real[:8]})

    class StandIn:
        def probabilities(self, texts):
            P = np.zeros((len(texts), len(ALL_SKILLS)), np.float32)
            P[:, j] = [score.get(t, 0.0) for t in texts]
            return P

        def thresholds(self):
            return np.full(len(ALL_SKILLS), 0.5, np.float32)

    ev.tradeoff(StandIn(), "val", 100)
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in capsys.readouterr().out.splitlines()
            if line.startswith("hostile_insult")}
    assert rows[("hostile_insult", "2.0%")][1:3] == ["0.000", "0.000"]
    assert rows[("hostile_insult", "5.0%")][1:4] == ["1.000", "1.000", "4.0%"]
    assert rows[("hostile_insult", "shipped")][:3] == ["0.50", "1.000", "1.000"]


def test_higher_sensitivities_buy_recall_within_their_wider_budgets():
    from simulator.skills import CRITICAL_SKILLS
    train = _script()
    j, P, Y = _insult_lines()
    n_pos = 20
    P[:12, j], P[12:16, j], P[16:n_pos, j] = 0.8, 0.4, 0.2   # 12 clear insults, 4 middling, 4 faint
    P[n_pos:n_pos + 8, j] = 0.4                              # 4% of the lines without one read like the middling
    P[n_pos + 8:n_pos + 18, j] = 0.2                         # 9% (cumulative) like the faint ones
    th = train.tune_thresholds(P, Y)
    assert 0.4 < th[j] <= 0.8                                # standard: 2% budget, the middling ones are out
    levels = train.tune_sensitivities(P, Y, th)
    assert set(levels) == {"high", "highest"} and set(levels["high"]) == {s.value for s in CRITICAL_SKILLS}
    assert abs(levels["high"]["hostile_insult"] - 0.4) < 0.011      # 5%: the middling ones come in
    assert abs(levels["highest"]["hostile_insult"] - 0.2) < 0.011   # 10%: all of them
    # a wider budget never raises a cut above the standard one
    assert all(levels[lv][s] <= th[ALL_SKILLS.index(s)] + 1e-6 for lv in levels for s in levels[lv])
    # the real-turn budget binds the higher levels too
    real = _real_turns(train, j, [0.2] * 20)                 # 10% of real turns read at 0.2
    assert levels["highest"]["hostile_insult"] < train.tune_sensitivities(P, Y, th, real)["highest"]["hostile_insult"]


def test_sensitivity_moves_only_the_cuts_stored_for_it():
    from models.skill_classifier import ModelTagger, sensitivity_thresholds
    th = np.full(len(ALL_SKILLS), 0.5, np.float32)
    meta = {"sensitivity_thresholds": {"high": {"hostile_insult": 0.3, "pressuring": 0.7}}}
    assert sensitivity_thresholds(th, meta, "standard") is th
    high = sensitivity_thresholds(th, meta, "high")
    changed = {ALL_SKILLS[k] for k in np.flatnonzero(high != th)}
    assert changed == {"hostile_insult"} and high[ALL_SKILLS.index("hostile_insult")] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="no thresholds for sensitivity 'highest'.*--ensemble-with"):
        sensitivity_thresholds(th, meta, "highest", "x.pt")
    with pytest.raises(ValueError, match="unknown skill sensitivity 'loud'; known: standard, high, highest"):
        ModelTagger(head_path=None, sensitivity="loud")
    with pytest.raises(ValueError, match="unknown skill sensitivity"):
        make_tagger("combined", sensitivity="loud")


def test_the_challenge_report_scores_each_verdict_deciding_skill_per_tagger_and_sensitivity(tmp_path, monkeypatch):
    import json

    from models import skill_data
    rows = [  # written for this test
        {"id": "en-c001", "text": "You pathetic idiot, stop wasting my time.", "critical": ["hostile_insult"],
         "context": "prank", "writer": "T1"},
        {"id": "en-c002", "text": "Have you been having thoughts of ending your life?", "critical": ["suicide_inquiry"],
         "context": "suicidal", "writer": "T2"},
        {"id": "en-c003", "text": "Thank you for telling me that, it sounds so lonely.", "critical": [],
         "context": "general", "writer": "T2"}]
    (tmp_path / "challenge_en.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    ev = _script("eval_skill_classifier")
    monkeypatch.setattr(ev, "challenge_lines", skill_data.challenge_lines)
    report = ev.challenge_report(langs=("en",)).splitlines()
    assert report[0].startswith("challenge set en: 3 lines by 2 writers")
    assert "hostile_insult 1" in report[0] and "promise_secrecy 0" in report[0]
    body = [line.split() for line in report[2:9]]
    assert [(r[0], r[1]) for r in body] == [("rules", "-"), ("model", "standard"), ("combined", "standard"),
                                          ("model", "high"), ("combined", "high"),
                                          ("model", "highest"), ("combined", "highest")]
    columns = report[1].split()[2:]
    hostile, suicide = columns.index("hostile_insult"), columns.index("suicide_inquiry")
    combined = report[3].split()[2:]  # three fields per skill: recall, (recall counting uncertain), f<share>
    assert combined[3 * hostile] == "1.00" and combined[3 * suicide] == "1.00"
    assert combined[3 * columns.index("promise_secrecy")] == "nan"  # no line carries it


def test_the_agreement_report_sets_the_labels_against_blind_annotators_and_the_tagger(tmp_path, monkeypatch):
    import json

    from models import skill_data
    ids = [f"en-9{n:03d}" for n in range(200)]
    val = [i for i in ids if skill_data._split_of(i) == "val"][:3]
    train = next(i for i in ids if skill_data._split_of(i) == "train")
    lines = [  # written for this test
        (val[0], "You're pathetic, honestly. Nobody has time for this whining.", ["hostile_insult"]),
        (val[1], "Come on, say it, I haven't got all night.", ["pressuring", "hostile_insult"]),
        (val[2], "Take all the time you need, I'm right here.", ["patience_silence"]),
        (train, "Is anyone with you at the moment?", ["closed_question"])]
    (tmp_path / "skill_utterances_en.jsonl").write_text("".join(
        json.dumps({"id": i, "text": t, "skills": s, "context": "general"}) + "\n" for i, t, s in lines))
    marks = {"A": [(1, 0, 0), (1, 0, 1), (0, 0, 0)], "B": [(1, 0, 0), (0, 0, 1), (0, 0, 0)]}
    rows = [{"id": i, "annotator": f"en-{a}", "hostile_insult": h, "judging_blaming": j, "pressuring": p,
             "unsure": False} for a, m in marks.items() for i, (h, j, p) in zip(val, m)]
    (tmp_path / "agreement_val.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    study = skill_data.agreement_study("en")
    assert [ex.text[:8] for ex, _ in study] == ["You're p", "Come on,", "Take all"]
    assert study[1][1] == {"en-A": {"hostile_insult": 1, "judging_blaming": 0, "pressuring": 1},
                           "en-B": {"hostile_insult": 0, "judging_blaming": 0, "pressuring": 1}}
    ev = _script("eval_skill_classifier")
    monkeypatch.setattr(ev, "agreement_study", skill_data.agreement_study)
    report = ev.agreement_report(langs=("en",)).splitlines()
    assert report[0].startswith("en: 3 validation lines, annotators en-A, en-B")
    hostile = report[1]
    assert "gold+   2" in hostile and "en-A~gold 1.00" in hostile  # A marks both insults; B disputes one
    assert "en-A 1.000, en-B 0.500" in report[2]
    assert "confirmed" in report[2] and "(n=1), disputed" in report[2]
    assert ev.kappa(np.array([1, 0, 1, 0]), np.array([1, 0, 0, 0])) == pytest.approx(0.5)
    rows.append({**rows[0], "id": train})  # a training line has no place in a study of validation labels
    (tmp_path / "agreement_val.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(ValueError, match=rf"agreement_val.jsonl line 7: id '{train}' is not a validation line"):
        skill_data.agreement_study("en")


def test_the_reflection_report_counts_false_contempt_per_half_and_kind(tmp_path, monkeypatch):
    import json

    from models import skill_data
    rows = [  # written for this test; the fixed tagger below reads contempt wherever "idiot" appears
        ("rf-en-000", "So your brother called you an idiot at dinner, that must have hurt.", False, "quoted", "test"),
        ("rf-en-001", "You sound so tired of all of it.", False, "feeling_words", "test"),
        ("rf-en-002", "What an idiot move, honestly.", True, "contempt", "test"),
        ("rf-en-003", "Aw, poor you, must be hard being you.", True, "contempt", "test"),
        ("rf-en-004", "Lots of callers feel like an idiot at first.", False, "normalising", "dev"),
        ("rf-en-005", "Oh sure, cry me a river.", True, "contempt", "dev")]
    (tmp_path / "reflections_en.jsonl").write_text("".join(json.dumps(
        {"id": i, "text": t, "hostile": h, "kind": k, "split": s}) + "\n" for i, t, h, k, s in rows))
    monkeypatch.setattr(skill_data, "DATA_DIR", tmp_path)
    ev = _script("eval_skill_classifier")
    monkeypatch.setattr(ev, "reflection_lines", skill_data.reflection_lines)

    class Idiot:
        def tag(self, texts, context=None):
            return [{"hostile_insult": 0.9} if "idiot" in t else {} for t in texts]

    monkeypatch.setattr(ev, "every_tagger", lambda head: [("combined", "standard", Idiot())])
    report = ev.reflection_report(langs=("en",)).splitlines()
    dev, test = report.index(next(r for r in report if "dev half" in r)), report.index(
        next(r for r in report if "test half" in r))
    assert "1 reflections, 1 contempt lines" in report[dev] and "2 reflections, 2 contempt lines" in report[test]
    assert "read as contempt 100.0%" in report[dev + 1] and "contempt found 0.00" in report[dev + 1]
    assert "read as contempt  50.0%" in report[test + 1] and "contempt found 0.50" in report[test + 1]
    assert report[test + 2].endswith("per kind: quoted 1/1, feeling_words 0/1")


def test_refreshing_the_memory_indexes_the_current_training_lines_in_each_members_own_space(tmp_path, monkeypatch):
    import shutil
    import torch
    from models.skill_classifier import HEAD_FILE, ModelTagger
    from models.skill_data import Example
    script = _script()
    head = tmp_path / "skill_head.pt"
    shutil.copyfile(HEAD_FILE, head)
    shutil.copyfile(HEAD_FILE.with_name("skill_head_m1.pt"), tmp_path / "skill_head_m1.pt")
    blob = torch.load(head, map_location="cpu", weights_only=True)
    blob["ensemble"] = {"members": ["skill_head_m1.pt"], "thresholds": blob["thresholds"]}
    torch.save(blob, head)
    lines = {"en": [("Shall we breathe together? In for four, out for six.", ["collaborative_options"], "train"),
                    ("You're pathetic, stop wasting my time.", ["hostile_insult"], "train"),
                    ("Take your time.", ["patience_silence"], "val")],
             "zh": [("我们一起慢慢呼吸，好吗？", ["collaborative_options"], "train")]}

    def fake_own(lang):
        return [Example(t, lang, np.array([s in sk for s in ALL_SKILLS], np.int64),
                        np.ones(len(ALL_SKILLS), np.int64), "own", split) for t, sk, split in lines[lang]]
    monkeypatch.setattr(script, "own_utterances", fake_own)
    members = script.refresh_memory(head)
    assert members == [head, tmp_path / "skill_head_m1.pt"]
    train = [t for lang in ("en", "zh") for t, _, split in lines[lang] if split == "train"]
    for path in members:
        member = torch.load(path, map_location="cpu", weights_only=True)
        memory = member["memory"]
        assert memory["labels"].shape == (3, len(ALL_SKILLS))          # the validation line is not indexed
        assert memory["labels"][1, ALL_SKILLS.index("hostile_insult")] == 1
        assert member["meta"]["memory_lines"] == 3
        tagger = ModelTagger(head_path=path, alone=True)
        expected = tagger.member_embeddings(train)[0]                  # the member's own tuned space
        assert np.allclose(memory["emb"].float().numpy(), expected, atol=2e-3)
    assert not np.allclose(torch.load(members[0], weights_only=True)["memory"]["emb"].float().numpy(),
                           torch.load(members[1], weights_only=True)["memory"]["emb"].float().numpy(), atol=2e-3)
