"""ModelCaller end to end: retrieval, no repeats, resumable state, and the generative backends
(a tiny random causal LM built here; a real local HTTP server) always behind the safety filter."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from models.caller_pool import HashEncoder, load_pool
from models.callers import ModelCaller
from models.generators import HFGenerator, OpenAIChatGenerator
from simulator.callers.base import make_caller
from simulator.safety import is_safe
from simulator.session import CallSession

MODEL_SCENARIOS = ["suicidal_model_night_shift", "crying_model_miscarriage", "prank_model_dare", "silent_model_dorm"]
UNSAFE_REPLY = "Take 40 sleeping pills with vodka tonight."
SUICIDAL_EN = ["Hello, this is the support line. Take your time.", "It sounds like you're exhausted and alone.",
               "That sounds so heavy. I'm here with you.", "What you say here is confidential, unless your life is in danger.",
               "Are you thinking about killing yourself?", "Have you thought about how you would do it?"]


def session(library, rule_tagger, sid, lang, **options):
    caller = make_caller(library.scenarios[sid], lang, encoder=HashEncoder(), **options)
    s = CallSession(library.scenarios[sid], lang, caller, rule_tagger)
    s.start()
    return s, caller


def caller_texts(s):
    return [t.text for t in s.turns if t.speaker == "caller" and t.text]


@pytest.mark.parametrize("sid", MODEL_SCENARIOS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_model_scenario_plays_in_both_languages(library, rule_tagger, sid, lang):
    s, caller = session(library, rule_tagger, sid, lang)
    greeting = "你好，这里是心理援助热线，我在听，不着急。" if lang == "zh" else "Hello, this is the support line. I'm here, no hurry."
    s.say(greeting)
    s.wait(20)
    assert isinstance(caller, ModelCaller) and s.turns[0].speaker == "caller"
    assert all(is_safe(t) for t in caller_texts(s))


def test_long_call_never_repeats_a_line_and_uses_the_pool(library, rule_tagger):
    s, caller = session(library, rule_tagger, "suicidal_model_night_shift", "en")
    moves = SUICIDAL_EN[:4] + ["I hear how hopeless it feels.", "That must be so lonely.", "Tell me more about that.",
                               "It makes sense you'd feel worn down.", "You've been carrying this a long time."] * 3
    for m in moves:
        s.say(m)
    texts = caller_texts(s)
    assert len(texts) == len(set(texts)) == len(moves) + 1
    pool = {p.text: p for p in load_pool("en")}
    used = [pool[t] for t in texts if t in pool]
    assert used and all(p.cat in ("withdrawn", "venting", "hopeless") for p in used)
    assert not any("boyfriend" in p.text.lower() for p in used)  # the persona's exclude list holds


def test_disclosures_carry_events_in_the_transcript(library, rule_tagger):
    s, _ = session(library, rule_tagger, "suicidal_model_night_shift", "en")
    for m in SUICIDAL_EN:
        s.say(m)
    events = [e for t in s.turns for e in t.events]
    assert events.index("disclosed_ideation") < events.index("disclosed_plan")
    assert "means_at_hand" in events


def test_snapshot_restore_resumes_identically(library, rule_tagger):
    a, ca = session(library, rule_tagger, "suicidal_model_night_shift", "zh")
    a.say("你好，这里是心理援助热线。")
    a.say("听起来你真的很累。")
    b, cb = session(library, rule_tagger, "suicidal_model_night_shift", "zh")
    b.restore(a.turns, json.loads(json.dumps(a.snapshot())))
    for m in ["你一个人扛了很多，一定很辛苦。", "你有没有想过自杀？"]:
        assert [t.text for t in a.say(m)] == [t.text for t in b.say(m)]


# -- a tiny random causal LM, built and saved here, loaded by HFGenerator -------------
def _tiny_lm(folder, vocab: list[str], split_on: str, seed: int = 0):
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token=vocab[0]))
    tk.pre_tokenizer = pre_tokenizers.Split(Regex(split_on), behavior="removed")
    PreTrainedTokenizerFast(tokenizer_object=tk).save_pretrained(folder)
    config = GPT2Config(vocab_size=len(vocab), n_positions=2048, n_embd=16, n_layer=1, n_head=2,
                        bos_token_id=None, eos_token_id=None, pad_token_id=None)
    import torch
    torch.manual_seed(seed)  # the same random model on every run, whatever ran before in this process
    GPT2LMHeadModel(config).save_pretrained(folder)
    return folder


def test_hf_generator_output_reaches_the_call(library, rule_tagger, tmp_path):
    vocab = ["tired", "I", "feel", "so", "alone", "tonight", "really"]
    gen = HFGenerator(_tiny_lm(tmp_path / "safe", vocab, r"\s+"), max_new_tokens=6)
    s, caller = session(library, rule_tagger, "suicidal_model_night_shift", "en", generator=gen)
    s.say("Hello, this is the support line.")
    opening, reply = caller_texts(s)
    assert opening.split() and set(opening.split()) <= set(vocab)
    assert reply != opening  # greedy decoding said the same again: retrieval answered instead


def test_hf_generator_unsafe_output_is_blocked(library, rule_tagger, tmp_path):
    vocab = ["take 40 sleeping pills with vodka tonight", "jump from the 20th floor roof now"]
    gen = HFGenerator(_tiny_lm(tmp_path / "unsafe", vocab, r"\|"), max_new_tokens=3)
    assert not is_safe(gen.generate([{"role": "user", "content": "hello"}]))
    s, caller = session(library, rule_tagger, "suicidal_model_night_shift", "en", generator=gen)
    s.say("Hello, this is the support line.")
    assert caller.blocked == 2  # the opening and the reply were both refused
    assert all(is_safe(t) and "pills" not in t for t in caller_texts(s))


# -- a real local OpenAI-compatible server ---------------------------------------------
@pytest.fixture
def chat_server():
    state = {"reply": "", "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["requests"].append((self.path, body))
            out = json.dumps({"choices": [{"message": {"role": "assistant", "content": state["reply"]}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield state
    server.shutdown()
    server.server_close()


def test_openai_backend_speaks_through_the_caller(library, rule_tagger, chat_server):
    chat_server["reply"] = "Caller: I just... I haven't slept in days. Everything feels grey. And more."
    s, caller = session(library, rule_tagger, "suicidal_model_night_shift", "en",
                        backend="openai", base_url=chat_server["url"], model="local")
    assert caller_texts(s)[0] == "I just... I haven't slept in days."
    path, body = chat_server["requests"][0]
    assert path == "/v1/chat/completions" and body["model"] == "local"
    system = body["messages"][0]["content"]
    assert "Zhou" in system and "can't sleep" in system and "Never describe methods" in system


def test_openai_backend_unsafe_reply_never_reaches_the_transcript(library, rule_tagger, chat_server):
    chat_server["reply"] = UNSAFE_REPLY
    s, caller = session(library, rule_tagger, "suicidal_model_night_shift", "en",
                        backend="openai", base_url=chat_server["url"], model="local")
    for m in SUICIDAL_EN:
        s.say(m)
    texts = caller_texts(s)
    assert caller.blocked == len(texts) == len(SUICIDAL_EN) + 1
    assert not any("40" in t or "vodka" in t for t in texts)
    assert "disclosed_plan" in {e for t in s.turns for e in t.events}  # retrieval carried the disclosure


def test_unreachable_endpoint_falls_back_to_retrieval(library, rule_tagger):
    gen = OpenAIChatGenerator("http://127.0.0.1:9", "none", timeout=0.5)
    s, caller = session(library, rule_tagger, "prank_model_dare", "zh", generator=gen)
    s.say("你好，这里是心理援助热线。")
    assert len(caller_texts(s)) == 2 and caller.blocked == 0


RISK_WORDS = ("overdose", "suicid", "kill myself", "attempt", "自杀", "轻生", "割腕")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_caller_without_risk_history_draws_no_risk_lines_from_the_pool(library, lang):
    # the silent dorm student has no past attempt; a pool line about an overdose would contradict the persona
    from models.caller_pool import select
    from simulator.persona import parse_persona
    scenario = library.scenarios["silent_model_dorm"]
    spec = parse_persona(scenario.model, scenario.id)
    pool = load_pool(lang)
    cats = sorted({p.cat for p in pool})
    picked = [pool[i].text.lower() for i in select(pool, cats, spec.pool_filter)]
    assert picked and not [t for t in picked if any(w in t for w in RISK_WORDS)]


class _WarmProbe:
    """A generator that records warm-up and can fail to load."""
    name, mode, langs = "probe", "paraphrase", ("en",)

    def __init__(self, fail: bool = False):
        self.warmed, self.fail = 0, fail

    def warm(self):
        self.warmed += 1
        if self.fail:
            from models.generators import GenerationError
            raise GenerationError("weights missing")

    def generate(self, messages):
        return ""


@pytest.mark.parametrize("lang, warmed", [("en", 1), ("zh", 0)])
def test_warm_loads_the_generator_only_where_it_speaks(library, lang, warmed):
    probe = _WarmProbe()
    caller = make_caller(library.scenarios["silent_model_dorm"], lang, encoder=HashEncoder(), generator=probe)
    caller.warm()
    assert probe.warmed == warmed


def test_a_generator_that_cannot_load_is_logged_at_warm_up_and_retrieval_answers(library, rule_tagger, caplog):
    probe = _WarmProbe(fail=True)
    caller = make_caller(library.scenarios["suicidal_model_night_shift"], "en", encoder=HashEncoder(), generator=probe)
    caller.warm()
    assert probe.warmed == 1 and "retrieval will answer" in caplog.text
    s = CallSession(library.scenarios["suicidal_model_night_shift"], "en", caller, rule_tagger)
    s.start()
    s.say(SUICIDAL_EN[0])
    assert caller_texts(s)
