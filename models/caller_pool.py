"""Help-seeker utterance pools for model-driven callers, and their cached embeddings.

The pools (models/data/caller_pool_{en,zh}.jsonl) are built offline by
scripts/build_caller_pools.py; see models/data/POOLS.md for sources and licences.
Embeddings are computed once per process and kept on disk under the model cache
(`$HOTLINE_MODEL_CACHE/caller-pools/`), keyed by pool content and encoder.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

POOL_DIR = Path(__file__).resolve().parent / "data"


class TextEncoder(Protocol):
    """Anything with `encode(texts) -> float32 [n, d]` whose rows are unit-norm."""

    def encode(self, texts: list[str]) -> np.ndarray:
        ...


@dataclass(frozen=True)
class PoolLine:
    text: str
    cat: str
    emotion: str | None
    topics: tuple[str, ...]
    src: str


def pool_path(lang: str) -> Path:
    return POOL_DIR / f"caller_pool_{lang}.jsonl"


@lru_cache(maxsize=4)
def load_pool(lang: str) -> tuple[PoolLine, ...]:
    """Read the committed pool for `lang` (empty if the file is missing)."""
    path = pool_path(lang)
    if not path.is_file():
        log.warning("no caller pool at %s; model callers will use scenario lines only", path)
        return ()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple(PoolLine(r["text"], r["cat"], r.get("emotion"), tuple(r.get("topics", ())), r["src"])
                 for r in rows)


def select(pool: Sequence[PoolLine], cats: Sequence[str], flt: dict[str, list[str]],
           minimum: int = 40) -> list[int]:
    """Indices of pool lines in `cats` that fit the persona filter (topics/emotions/exclude).

    When fewer than `minimum` fit, the topic/emotion filter is dropped (exclude still holds).
    """
    topics, emotions = set(flt.get("topics", ())), set(flt.get("emotions", ()))
    exclude = [w.lower() for w in flt.get("exclude", ())]
    in_cats = [i for i, p in enumerate(pool) if p.cat in cats
               and not any(w in p.text.lower() for w in exclude)]
    if not topics and not emotions:
        return in_cats
    fit = [i for i in in_cats if set(pool[i].topics) & topics or pool[i].emotion in emotions]
    return fit if len(fit) >= minimum else in_cats


class HashEncoder:
    """A tiny deterministic bag-of-n-grams encoder (no weights): for tests and as a stand-in.

    Words and word bigrams for Latin text, character uni/bi-grams for Chinese, hashed
    into `dim` buckets with signs, L2-normalised.
    """

    name = "hash"

    def __init__(self, dim: int = 384):
        self.dim = dim

    def _features(self, text: str) -> list[str]:
        low = text.lower()
        words = re.findall(r"[a-z0-9']+", low)
        han = re.findall(r"[\u4e00-\u9fff]", low)
        return (words + [" ".join(p) for p in zip(words, words[1:])]
                + han + ["".join(p) for p in zip(han, han[1:])])

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feat in self._features(text):
                h = zlib.crc32(feat.encode("utf-8"))
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def encoder_id(encoder: TextEncoder) -> str:
    """A short name for an encoder, used in cache keys."""
    return getattr(encoder, "name", None) or type(encoder).__name__


_memo: dict[tuple[str, str], np.ndarray] = {}
_memo_lock = threading.Lock()


def embed_cached(texts: Sequence[str], encoder: TextEncoder, disk_dir: Path | None = None) -> np.ndarray:
    """Embed `texts`, memoised per process (and on disk when `disk_dir` is given)."""
    digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    key = (encoder_id(encoder), digest)
    with _memo_lock:
        if key in _memo:
            return _memo[key]
        path = disk_dir / f"{key[0]}-{digest}.npy" if disk_dir else None
        vecs = _load_npy(path, len(texts))
        if vecs is None:
            vecs = np.asarray(encoder.encode(list(texts)), dtype=np.float32) if texts else np.zeros((0, 1), np.float32)
            _save_npy(path, vecs)
        _memo[key] = vecs
        return vecs


def _load_npy(path: Path | None, n: int) -> np.ndarray | None:
    if path is None or not path.is_file():
        return None
    try:
        vecs = np.load(path)
    except (OSError, ValueError):
        return None
    return vecs if vecs.shape[0] == n else None


def _save_npy(path: Path | None, vecs: np.ndarray) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{threading.get_ident()}.npy")
        np.save(tmp, vecs)
        tmp.replace(path)
    except OSError as exc:
        log.warning("could not cache pool embeddings at %s: %s", path, exc)


def pool_cache_dir() -> Path:
    """Where pool embeddings are kept between runs."""
    from models.encoder import cache_root

    return cache_root() / "caller-pools"
