"""Build the help-seeker utterance pools for model-driven callers (run offline, output committed).

Reads public counseling corpora from a data folder (default /work/shared/data) and writes
models/data/caller_pool_{en,zh}.jsonl: short, filtered, safety-checked seeker utterances,
each tagged with a category (how a caller uses it), coarse emotion and topic, and its source.

    .venv/bin/python scripts/build_caller_pools.py [--data DIR] [--per-category N]

English: ESConv seeker (`usr`) turns, train split only (CC BY-NC 4.0).
Chinese: CPsyCounD client turns (CC BY 4.0) and SmileChat first client turns (CC0 1.0).
Utterances that talk of suicide or self-harm are dropped: a pool line must never reveal
ideation, because disclosures carry events and come from the scenario's own lines.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.risk_lexicon import suicide_strength  # noqa: E402
from simulator.safety import check  # noqa: E402

log = logging.getLogger("build_caller_pools")
OUT = ROOT / "models" / "data"

# category -> pattern; the first matching category wins (order matters)
CATS_EN = [
    ("calmer", r"\b(thank(s| you)|that helps|that('s| is) (a )?(good|great) idea|i('ll| will) (try|give it)|feel(ing)? (a bit |a little )?better|makes sense)\b"),
    ("guarded", r"\b(you don'?t (understand|get it)|easy for you|i('ve| have) (already )?tried|won'?t (help|work)|doesn'?t help|not that simple|i doubt)\b"),
    ("hopeless", r"\b(hopeless|pointless|no point|give up|giving up|can'?t (take|do) (it|this) anymore|worthless|nothing matters|no way out|never get better|trapped)\b"),
    ("withdrawn", r"\b(i don'?t know|not sure|hard to (say|explain|talk)|i guess|maybe|kind of|sort of|it'?s complicated)\b"),
    ("venting", r"\b(i (feel|felt|am|'m) (so |really |very |just )?(sad|alone|lonely|scared|afraid|anxious|tired|exhausted|stressed|hurt|depressed|angry|lost|empty|overwhelmed|numb|awful|terrible|miserable|broken|down)|cry(ing)?|tears)\b"),
    ("story", r"\b(my (job|boss|work|wife|husband|boyfriend|girlfriend|partner|mom|mother|dad|father|parents|family|friend|friends|kids?|son|daughter|school|class|grades|exam)|lost my|broke up|laid off|fired|passed away|died)\b"),
]
CATS_ZH = [
    ("calmer", r"谢谢|好多了|有道理|我会试试|我试试|我明白了|舒服(一些|一点|多了)|轻松(一些|一点|多了)"),
    ("guarded", r"你不(懂|明白|理解)|说得容易|试过了|没用的|没什么用|不会有用"),
    ("hopeless", r"绝望|没希望|没有希望|没意义|没有意义|没意思|撑不下去|坚持不下去|看不到(希望|出路)|一切都完了|毫无价值"),
    ("withdrawn", r"^(嗯|呃|唉|我也不知道|不知道|说不清|不好说|算了)|不知道(该)?(怎么|从哪)(说|讲)|不太想说"),
    ("venting", r"难过|伤心|痛苦|孤独|孤单|害怕|焦虑|压力|好累|很累|心累|哭|委屈|崩溃|难受|烦躁|失眠|睡不着|空虚|麻木|无助|自责|内疚"),
    ("story", r"(我(的)?)(工作|老板|同事|老公|老婆|丈夫|妻子|男朋友|女朋友|爸|妈|父母|家人|孩子|儿子|女儿|朋友|学校|老师|成绩|考试)|分手|失业|离婚|去世"),
]
TOPICS = {
    "loss": r"passed away|died|death of|funeral|grief|lost my (mom|mother|dad|father|wife|husband|son|daughter|friend|dog|cat|pet)|去世|过世|离世|葬礼|走了以后|失去了?(我的)?(妈妈|爸爸|母亲|父亲|孩子|亲人)",
    "family": r"\b(mom|mother|dad|father|parents|family|sister|brother|kids?|children|son|daughter)\b|父母|爸|妈|家里|家人|孩子|儿子|女儿|兄弟|姐妹",
    "relationship": r"\b(wife|husband|boyfriend|girlfriend|partner|ex|marriage|divorce|broke up|breakup|dating)\b|老公|老婆|丈夫|妻子|男朋友|女朋友|分手|离婚|恋爱|婚姻",
    "work": r"\b(job|boss|work|coworkers?|fired|laid off|career|salary|unemployed)\b|工作|老板|领导|同事|失业|辞职|加班|工资",
    "study": r"\b(school|college|university|exam|exams|grades|class|teacher|study|studies|homework)\b|学校|大学|考试|高考|考研|成绩|老师|学习|作业",
    "health": r"\b(sleep|insomnia|sick|illness|diagnos\w+|doctor|hospital|pain|covid)\b|失眠|睡不着|生病|病了|医院|医生|诊断|疫情|隔离",
    "friends": r"\b(friends?|lonely|alone|nobody)\b|朋友|同学|孤独|孤单|没人",
}
EMOTIONS_ZH = {"sadness": r"难过|伤心|哭|委屈|心痛", "anxiety": r"焦虑|紧张|担心|害怕|不安|恐惧",
               "depression": r"没意思|提不起|空虚|抑郁|麻木|没意义|累", "anger": r"生气|愤怒|烦|气死"}
META = re.compile(r"\b(chat|mturk|survey|hit|bot|task|supporter|platform|this conversation|website|http)\b|"
                  r"咨询|心理师|治疗师|辅导|来访|本次", re.I)
RUDE = re.compile(r"\b(fuck\w*|shit\w*|bitch|damn|porn\w*|sex\w*|masturbat\w*|rape\w*|abus\w*)\b|"
                  r"他妈|操你|色情|性行为|性侵|自慰|手淫|强奸|老师|医生，|再见", re.I)
SHORT_CATS = {"withdrawn": (14, 20)}  # category -> (max English words, max Chinese characters)
# A pool line is said out of its context: "he"/"she" with no one named before is confusing.
DANGLING = re.compile(r"\b(he|she|him|his|her|hers|they|them|their|it'?s\s+him)\b|他|她|他们|她们", re.I)
GREETING = re.compile(r"^(hi|hello|hey|good (morning|afternoon|evening)|how are you|你好|您好)\b", re.I)


def _classify(text: str, cats: list[tuple[str, str]]) -> str | None:
    low = text.lower()
    for name, pattern in cats:
        if re.search(pattern, low):
            return name
    return None


def _topics(text: str) -> list[str]:
    low = text.lower()
    return [t for t, p in TOPICS.items() if re.search(p, low)]


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^(心理)?咨询师[，,：:]\s*", "", text)


def _acceptable(text: str, lang: str) -> bool:
    if DANGLING.search(text):
        return False
    if META.search(text) or RUDE.search(text) or GREETING.search(text):
        return False
    if suicide_strength(text, lang) > 0 or not check(text, lang)[0]:
        return False
    if lang == "en":
        words = len(text.split())
        return 3 <= words <= 40 and text[0].isalpha()
    return 6 <= len(text) <= 50 and len(re.findall(r"[\u4e00-\u9fff]", text)) >= 0.6 * len(text.replace(" ", ""))


def esconv_rows(data: Path) -> Iterator[dict]:
    """Seeker turns of ESConv's train split with the dialogue's emotion and problem."""
    with open(data / "esconv" / "train.txt", encoding="utf-8") as fh:
        for d_i, line in enumerate(fh):
            d = json.loads(line)
            for t_i, turn in enumerate(d["dialog"]):
                if turn["speaker"] == "usr":
                    yield {"text": _clean(turn["text"]), "lang": "en", "emotion": d["emotion_type"],
                           "problem": d["problem_type"], "src": f"esconv/train:{d_i}:{t_i}"}


def chinese_rows(data: Path) -> Iterator[dict]:
    """CPsyCounD client turns, then SmileChat first client turns (the only real words there)."""
    with open(data / "cpsycoun" / "CPsyCounD.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            for t_i, turn in enumerate(d["turns"]):
                if turn["role"] == "client":
                    yield {"text": _clean(turn["text"]), "lang": "zh", "src": f"cpsycound:{d['id']}:{t_i}"}
    with gzip.open(data / "smilechat" / "smilechat.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            first = d["turns"][0] if d["turns"] else None
            if first and first["role"] == "client":
                yield {"text": _clean(first["text"]), "lang": "zh", "src": f"smilechat:{d['id']}:0"}


def _short_enough(text: str, lang: str, cat: str) -> bool:
    if cat not in SHORT_CATS:
        return True
    words, chars = SHORT_CATS[cat]
    return len(text.split()) <= words if lang == "en" else len(text) <= chars


def _zh_emotion(text: str) -> str | None:
    return next((e for e, p in EMOTIONS_ZH.items() if re.search(p, text)), None)


def build(rows: Iterator[dict], cats: list[tuple[str, str]], per_category: int) -> list[dict]:
    """Filter, categorise, dedupe and cap rows per category (deterministic by hash)."""
    by_cat: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        text = row["text"]
        if not _acceptable(text, row["lang"]):
            continue
        cat = _classify(text, cats)
        if cat is None or not _short_enough(text, row["lang"], cat):
            continue
        row = {**row, "cat": cat, "topics": _topics(text)}
        if row["lang"] == "zh":
            row["emotion"] = _zh_emotion(text)
        by_cat[cat].setdefault(text.lower(), row)
    out: list[dict] = []
    for cat, rows_by_text in sorted(by_cat.items()):
        ranked = sorted(rows_by_text.values(), key=lambda r: hashlib.sha1(r["text"].encode()).hexdigest())
        out.extend(ranked[:per_category])
    return out


def write(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: v for k, v in row.items() if v not in (None, [])}, ensure_ascii=False) + "\n")
    counts = Counter(r["cat"] for r in rows)
    log.info("wrote %d rows to %s: %s", len(rows), path, dict(sorted(counts.items())))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--per-category", type=int, default=350)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    write(build(esconv_rows(args.data), CATS_EN, args.per_category), args.out / "caller_pool_en.jsonl")
    write(build(chinese_rows(args.data), CATS_ZH, args.per_category), args.out / "caller_pool_zh.jsonl")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
