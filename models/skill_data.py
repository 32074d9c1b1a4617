"""Training data for the skill classifier: the project's utterances plus mapped public sets.

Labels are *partial*: an ESConv strategy says which skill a turn shows, not which of the
other 29 it lacks, so every example carries a mask of the labels it actually informs.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS

DATA_DIR = Path(__file__).resolve().parent / "data"
SKILL_INDEX = {s: i for i, s in enumerate(ALL_SKILLS)}

# ESConv strategy -> skill; the ESConv-informed labels are the only ones masked in.
ESCONV_SKILLS = ("open_question", "closed_question", "paraphrase_summary", "reflection_feeling",
                 "self_disclosure", "affirmation", "collaborative_options", "directive_advice")
# Real counsellors' turns (ESConv supporters, CPsyCounD counsellors) are known negatives for these two: trained
# supporters do not insult a help-seeker or promise unconditional secrecy. A turn that talks about secrecy at all
# keeps promise_secrecy masked (it may be explaining confidentiality, or promising too much).
REAL_NEGATIVE_SKILLS = ("hostile_insult", "promise_secrecy")
_SECRECY = {"en": re.compile(r"secre|confiden|privat|tell (any|no) ?one|between (us|you and me)|won'?t tell", re.I),
            "zh": re.compile(r"保密|秘密|隐私|不会告诉|不告诉|说出去|外传")}
FEEDBACK_AREAS = {"Empathy": "validation_empathy", "Validation": "validation_empathy",
                  "Reflections": "reflection_feeling", "Self-disclosure": "self_disclosure"}

_CLOSED = re.compile(r"^(do|does|did|are|is|was|were|have|has|had|can|could|will|would|should|may)\b", re.I)
_OPEN = re.compile(r"\b(what|how|tell me|could you (say|tell)|would you like to (share|talk))\b", re.I)
_DIRECTIVE = re.compile(r"\b(you (should|must|need to|have to|ought to)|just (do|go|try|stop))\b", re.I)


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    labels: np.ndarray   # 0/1 per skill
    mask: np.ndarray     # 1 where the label is known
    source: str
    split: str           # train | val | test
    weight: float = 1.0
    id: str = ""         # the line's id, for the project's own labelled files


def shared_data_dir() -> Path:
    """The public datasets folder (HOTLINE_SHARED_DATA, else ../shared/data beside the repo)."""
    env = os.environ.get("HOTLINE_SHARED_DATA")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parent.parent
    for cand in (repo.parent / "shared" / "data", Path("/work/shared/data")):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("public datasets not found: set HOTLINE_SHARED_DATA to the folder holding esconv/")


def _split_of(key: str) -> str:
    """A stable 60/20/20 train/val/test split by hash of the example id."""
    h = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100
    return "train" if h < 60 else ("val" if h < 80 else "test")


def split_of_row(row: dict) -> str:
    """A labelled line's split: its own id's, or for a rendering ("of") or a contrast line ("contrast_of") the split
    of the line it is made from, so such a line is always in the same split as its source."""
    return _split_of(row.get("of") or row.get("contrast_of") or row["id"])


def _vec(skills) -> np.ndarray:
    v = np.zeros(len(ALL_SKILLS), dtype=np.float32)
    for s in skills:
        v[SKILL_INDEX[s]] = 1.0
    return v


def own_utterances(lang: str) -> list[Example]:
    """The project's authored, fully labelled utterances (every label known).

    A line with an "of" field is our rendering of a line of the other language's file (same act, same labels):
    its source is "rendered" and it takes the split of the line it renders, so a rendering of a training line
    never lands in validation or test. A line with a "contrast_of" field is the kind or calm counterpart of a
    harmful line of the same file (same words where possible, another act, its own labels): its source is
    "contrast" and it takes its partner's split the same way."""
    out = []
    path = DATA_DIR / f"skill_utterances_{lang}.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        source = "rendered" if "of" in row else "contrast" if "contrast_of" in row else "own"
        out.append(Example(row["text"], lang, _vec(row["skills"]), np.ones(len(ALL_SKILLS), np.float32),
                           source, split_of_row(row), id=row["id"]))
    return out


CHALLENGE_SKILLS = tuple(s for s in ALL_SKILLS if s in {c.value for c in CRITICAL_SKILLS})  # the verdict-deciding


def challenge_lines(lang: str) -> list[Example]:
    """The fresh-wording challenge set (models/data/challenge_{lang}.jsonl): lines by writers who never saw the
    training data, far from every line of skill_utterances_{lang}.jsonl, labelled only for the five verdict-deciding
    skills (the other labels are masked out). Evaluation only: no training or tuning reads it."""
    path = DATA_DIR / f"challenge_{lang}.jsonl"
    mask = np.zeros(len(ALL_SKILLS), np.float32)
    mask[[SKILL_INDEX[s] for s in CHALLENGE_SKILLS]] = 1.0
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Example(row["text"], lang, _vec(row["critical"]), mask.copy(), f"challenge:{row['writer']}",
                               "challenge"))
    return out


def checked_rows(path: Path, checks, hint: str = ""):
    """(line number, row) of a JSON-lines file, every row an object whose fields pass `checks` ((field, predicate)
    pairs); a malformed row raises ValueError naming file, line and field (plus `hint`)."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path.name} line {n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"{path.name} line {n}: a row must be a JSON object")
        for field, ok in checks:
            if not ok(row.get(field)):
                raise ValueError(f"{path.name} line {n}: field {field!r} is missing or invalid ({row.get(field)!r})"
                                 + hint)
        yield n, row


REFLECTION_KINDS = ("quoted", "self_talk", "fear_of_judgement", "feeling_words", "no_wonder", "normalising", "sigh_with",
                    "suicide_question", "negation", "contempt")


def reflection_lines(lang: str, split: str | None = None) -> list[tuple[Example, str]]:
    """The reflection stress set (models/data/reflections_{lang}.jsonl): counsellor turns that reflect or validate
    a caller's feelings in words an insult detector may take for contempt (quoted insults, the caller's self-talk,
    fears of being judged, "no wonder you …", direct suicide questions …), and turns of real contempt worded close
    to them (kind "contempt"). Labelled for hostile_insult only; `split` "dev" (read while mending the rules) or
    "test" (never read). Returns (example, kind) pairs; evaluation only. A malformed row names file, line and field."""
    path = DATA_DIR / f"reflections_{lang}.jsonl"
    mask = np.zeros(len(ALL_SKILLS), np.float32)
    mask[SKILL_INDEX["hostile_insult"]] = 1.0
    out = []
    checks = (("text", lambda v: isinstance(v, str) and v.strip()), ("hostile", lambda v: isinstance(v, bool)),
              ("kind", lambda v: v in REFLECTION_KINDS), ("split", lambda v: v in ("dev", "test")),
              ("id", lambda v: isinstance(v, str) and v))
    for n, row in checked_rows(path, checks):
        if (row["kind"] == "contempt") != row["hostile"]:
            raise ValueError(f"{path.name} line {n}: kind {row['kind']!r} does not match hostile={row['hostile']}")
        if split is None or row["split"] == split:
            out.append((Example(row["text"], lang, _vec(["hostile_insult"] if row["hostile"] else []), mask.copy(),
                                "reflections", row["split"], id=row["id"]), row["kind"]))
    return out


AGREEMENT_SKILLS = ("hostile_insult", "judging_blaming", "pressuring")


def agreement_study(lang: str) -> list[tuple[Example, dict[str, dict[str, int]]]]:
    """The second-opinion study (models/data/agreement_val.jsonl): blind annotators re-labelled validation lines
    of skill_utterances_{lang}.jsonl (every line with hostile_insult or pressuring, the harmless lines the model
    came closest to reading as either, and a random sample of the rest) for AGREEMENT_SKILLS, from the label rules
    alone. Returns each line read, in file order, with {annotator: {skill: 0/1}}; evaluation only."""
    path = DATA_DIR / "agreement_val.jsonl"
    examples = own_utterances(lang)
    val_ids = {ex.id for ex in examples if ex.split == "val"}
    labels: dict[str, dict[str, dict[str, int]]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not row["annotator"].startswith(f"{lang}-"):
            continue
        if row["id"] not in val_ids:
            raise ValueError(f"{path.name} line {n}: id {row['id']!r} is not a validation line of "
                             f"skill_utterances_{lang}.jsonl")
        labels.setdefault(row["id"], {})[row["annotator"]] = {s: int(row[s]) for s in AGREEMENT_SKILLS}
    return [(ex, labels[ex.id]) for ex in examples if ex.id in labels]


def _question_skill(text: str) -> str | None:
    if _OPEN.search(text):
        return "open_question"
    if _CLOSED.search(text.strip()):
        return "closed_question"
    return None


def _esconv_skill(strategy: str, text: str) -> str | None:
    if strategy == "Question":
        return _question_skill(text)
    if strategy == "Providing Suggestions":
        return "directive_advice" if _DIRECTIVE.search(text) else "collaborative_options"
    return {"Restatement or Paraphrasing": "paraphrase_summary", "Reflection of feelings": "reflection_feeling",
            "Self-disclosure": "self_disclosure", "Affirmation and Reassurance": "affirmation"}.get(strategy)


def real_negative_mask(text: str, lang: str, known: tuple[str, ...] = ()) -> np.ndarray:
    """The labels a real counsellor's turn informs: `known` plus REAL_NEGATIVE_SKILLS (promise_secrecy only where
    the turn does not talk about secrecy)."""
    return _vec(set(known) | {s for s in REAL_NEGATIVE_SKILLS
                              if s != "promise_secrecy" or not _SECRECY[lang].search(text)})


def _evenly(out: list[Example], limit: int | None) -> list[Example]:
    if limit and len(out) > limit:
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


def esconv(split_file: str = "train.txt", limit: int | None = None) -> list[Example]:
    """ESConv supporter turns. A strategy mapped onto the taxonomy unmasks the ESConv-informed labels; every turn
    (also "Others" and "Information") is a known negative for REAL_NEGATIVE_SKILLS."""
    split = {"train.txt": "train", "valid.txt": "val", "test.txt": "test"}.get(split_file, "train")
    out: list[Example] = []
    path = shared_data_dir() / "esconv" / split_file
    for line in path.read_text(encoding="utf-8").splitlines():
        for turn in json.loads(line)["dialog"]:
            if turn["speaker"] != "sys" or len(turn["text"]) < 8:
                continue
            skill = _esconv_skill(turn.get("strategy", ""), turn["text"])
            mask = real_negative_mask(turn["text"], "en", ESCONV_SKILLS if skill else ())
            out.append(Example(turn["text"], "en", _vec([skill] if skill else []), mask, "esconv", split, 0.5))
    return _evenly(out, limit)


def cpsycoun(split: str = "train", limit: int | None = None) -> list[Example]:
    """CPsyCounD counsellor turns (Chinese, CC BY 4.0): no strategy labels, so only REAL_NEGATIVE_SKILLS are
    informed. Split 60/20/20 by a hash of the dialogue id, like the authored lines; the corpus repeats some
    counsellor turns word for word across dialogues, so a validation or test turn that also occurs in a training
    dialogue is left out."""
    turns: dict[str, list[str]] = {"train": [], "val": [], "test": []}
    path = shared_data_dir() / "cpsycoun" / "CPsyCounD.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            turns[_split_of(row["id"])] += [t["text"].strip() for t in row["turns"]
                                            if t["role"] == "counselor" and len(t["text"].strip()) >= 4]
    seen = set(turns["train"]) if split != "train" else set()
    out = [Example(text, "zh", _vec([]), real_negative_mask(text, "zh"), "cpsycoun", split, 0.5)
           for text in turns[split] if text not in seen]
    return _evenly(out, limit)


def real_counsellor_turns(split: str, limit: int | None = None) -> list[Example]:
    """Real counsellors' turns of one split in both languages (ESConv valid/test files; CPsyCounD by hash), for
    measuring false readings of REAL_NEGATIVE_SKILLS: `limit` turns per language."""
    files = {"train": "train.txt", "val": "valid.txt", "test": "test.txt"}
    return esconv(files[split], limit) + cpsycoun(split, limit)


def feedback(limit: int | None = None) -> list[Example]:
    """Feedback-set helper turns: good areas as positives, bad areas as negatives (silver labels)."""
    path = shared_data_dir() / "feedback_qesconv" / "feedback_turns_parsed.jsonl"
    out: list[Example] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        pos = {FEEDBACK_AREAS[a] for a in row.get("goodareas") or [] if a in FEEDBACK_AREAS}
        neg = {FEEDBACK_AREAS[a] for a in row.get("badareas") or [] if a in FEEDBACK_AREAS} - pos
        if not (pos or neg) or len(row["response"]) < 8:
            continue
        out.append(Example(row["response"], "en", _vec(pos), _vec(pos | neg), "feedback", "train", 0.3))
    return out[:limit] if limit else out
