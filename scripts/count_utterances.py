"""Count labelled trainee utterances per skill and language; check the data set.

Usage: python scripts/count_utterances.py [--min N] [--data-dir DIR]

Prints a Markdown table (skill x language) and exits non-zero when a file is
malformed (unknown skill, bad context, duplicate id or text, empty labels, a rendering
whose "of" names no line of the other language or differs from it in skills or context, a contrast line
whose "contrast_of" names no written line of its file or repeats its skills)
or when any skill has fewer than --min lines (default 30, renderings and contrasts not counted) in any
language. It also checks the fresh-wording challenge sets (challenge_{en,zh}.jsonl, evaluation only: labelled for
the five verdict-deciding skills) and that none of their lines repeats a line of the labelled files.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS, NEGATIVE  # noqa: E402

LANGS = ("en", "zh")
CONTEXTS = frozenset({"silent", "crying", "prank", "suicidal", "general"})
CRITICAL = frozenset(s.value for s in CRITICAL_SKILLS)
NEG = frozenset(s.value for s in NEGATIVE)


def load(path: Path) -> tuple[list[dict], list[str]]:
    """Read one JSONL file; return its rows and a list of problems found."""
    rows, problems = [], []
    ids, texts = set(), set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        where = f"{path.name}:{n}"
        problems += check_row(row, where, ids, texts)
        ids.add(row.get("id"))
        texts.add(row.get("text"))
        rows.append(row)
    return rows, problems


def check_row(row: dict, where: str, ids: set, texts: set) -> list[str]:
    """Return the problems of one row (empty when it is well formed)."""
    problems = []
    if set(row) - {"of", "contrast_of"} != {"id", "text", "skills", "context"} or {"of", "contrast_of"} <= set(row):
        problems.append(f"{where}: keys {sorted(row)}")
    if row.get("id") in ids:
        problems.append(f"{where}: duplicate id {row.get('id')}")
    if not row.get("text") or row.get("text") in texts:
        problems.append(f"{where}: empty or duplicate text")
    skills = row.get("skills") or []
    if not skills or len(set(skills)) != len(skills):
        problems.append(f"{where}: empty or repeated skills")
    problems += [f"{where}: unknown skill {s!r}" for s in skills if s not in ALL_SKILLS]
    if row.get("context") not in CONTEXTS:
        problems.append(f"{where}: bad context {row.get('context')!r}")
    return problems


def norm(text: str) -> str:
    """Lower-case, NFKC, without spaces or punctuation: the key for exact repeats (and for difflib)."""
    t = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in t if not (ch.isspace() or unicodedata.category(ch).startswith("P")))


def check_challenge_row(row: dict, where: str, lang: str, ids: set, texts: set) -> list[str]:
    """The problems of one challenge-set row: {"id": "<lang>-cNNN", "text", "critical": [verdict-deciding skills, may
    be empty], "context", "writer"}; `texts` holds normalised texts already seen (the labelled file's and earlier rows')."""
    problems = []
    if set(row) != {"id", "text", "critical", "context", "writer"}:
        problems.append(f"{where}: keys {sorted(row)} (want id, text, critical, context, writer)")
    if not re.fullmatch(rf"{lang}-c\d{{3,}}", str(row.get("id"))) or row.get("id") in ids:
        problems.append(f"{where}: bad or duplicate id {row.get('id')!r}")
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: empty text")
    elif norm(text) in texts:
        problems.append(f"{where}: repeats a line of the labelled file or of this file: {text!r}")
    critical = row.get("critical")
    if not isinstance(critical, list) or len(set(critical)) != len(critical):
        problems.append(f"{where}: critical must be a list without repeats")
    else:
        problems += [f"{where}: {s!r} is not a verdict-deciding skill" for s in critical if s not in CRITICAL]
    if row.get("context") not in CONTEXTS:
        problems.append(f"{where}: bad context {row.get('context')!r}")
    if not isinstance(row.get("writer"), str) or not row.get("writer"):
        problems.append(f"{where}: no writer")
    return problems


def load_challenge(path: Path, lang: str, labelled: list[dict]) -> tuple[list[dict], list[str]]:
    rows, problems, ids = [], [], set()
    texts = {norm(r["text"]) for r in labelled if isinstance(r.get("text"), str)}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{n}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON: {exc}")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        problems += check_challenge_row(row, where, lang, ids, texts)
        ids.add(row.get("id"))
        if isinstance(row.get("text"), str):
            texts.add(norm(row["text"]))
        rows.append(row)
    return rows, problems


def check_renderings(rows: dict[str, list[dict]]) -> list[str]:
    """A rendering ("of": the id of a line in the other language's file) must carry that line's skills and context
    (it is the same act in other words) and may not render a rendering."""
    problems = []
    by_id = {lang: {r.get("id"): r for r in rs} for lang, rs in rows.items()}
    for lang, rs in rows.items():
        other = by_id[next(l for l in LANGS if l != lang)]
        for r in rs:
            if "of" not in r:
                continue
            src = other.get(r["of"])
            if src is None:
                problems.append(f"skill_utterances_{lang}.jsonl {r.get('id')}: \"of\" names no line: {r['of']!r}")
            elif "of" in src:
                problems.append(f"skill_utterances_{lang}.jsonl {r.get('id')}: renders a rendering ({r['of']})")
            elif sorted(src["skills"]) != sorted(r.get("skills") or []) or src["context"] != r.get("context"):
                problems.append(f"skill_utterances_{lang}.jsonl {r.get('id')}: skills or context differ from {r['of']}")
    return problems


def check_contrast(row: dict, by_id: dict[str, dict], where: str) -> list[str]:
    """A contrast line ("contrast_of": the id of a line in the same file) is the other act in the same words: its
    partner must exist, be a written line (not a rendering or another contrast), and carry other skills."""
    src = by_id.get(row["contrast_of"])
    if src is None:
        return [f"{where}: \"contrast_of\" names no line of this file: {row['contrast_of']!r}"]
    if "of" in src or "contrast_of" in src:
        return [f"{where}: contrasts a line that is itself a rendering or a contrast ({row['contrast_of']})"]
    if sorted(src["skills"]) == sorted(row.get("skills") or []):
        return [f"{where}: carries the same skills as {row['contrast_of']}; a contrast is another act"]
    return []


def check_contrasts(rows: dict[str, list[dict]]) -> list[str]:
    problems = []
    for lang, rs in rows.items():
        by_id = {r.get("id"): r for r in rs}
        problems += [p for r in rs if "contrast_of" in r
                     for p in check_contrast(r, by_id, f"skill_utterances_{lang}.jsonl {r.get('id')}")]
    return problems


def table(counts: dict[str, Counter], lines: dict[str, int]) -> str:
    """Render the per-skill counts as a Markdown table."""
    out = ["| skill | kind | " + " | ".join(LANGS) + " |", "|---|---|" + "---:|" * len(LANGS)]
    for skill in ALL_SKILLS:
        kind = ("negative" if skill in NEG else "positive") + (", critical" if skill in CRITICAL else "")
        out.append(f"| {skill} | {kind} | " + " | ".join(str(counts[l][skill]) for l in LANGS) + " |")
    out.append("| **lines** | | " + " | ".join(str(lines[l]) for l in LANGS) + " |")
    labels = {l: sum(counts[l].values()) for l in LANGS}
    out.append("| **labels** | | " + " | ".join(str(labels[l]) for l in LANGS) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the table; return 1 on malformed data or a skill below the minimum."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min", type=int, default=30)
    ap.add_argument("--data-dir", type=Path, default=ROOT / "models" / "data")
    args = ap.parse_args(argv)
    counts, lines, problems, rows = {}, {}, [], {}
    for lang in LANGS:
        rows[lang], found = load(args.data_dir / f"skill_utterances_{lang}.jsonl")
        problems += found
        counts[lang] = Counter(s for r in rows[lang] for s in r["skills"])
        lines[lang] = len(rows[lang])
    problems += check_renderings(rows) + check_contrasts(rows)
    print(table(counts, lines))
    rendered = {l: sum("of" in r for r in rows[l]) for l in LANGS}
    print(f"\nof which renderings of the other language's lines: " + ", ".join(f"{l} {rendered[l]}" for l in LANGS))
    contrasts = {l: sum("contrast_of" in r for r in rows[l]) for l in LANGS}
    print("of which contrast lines (kind or calm counterparts of harmful lines): "
          + ", ".join(f"{l} {contrasts[l]}" for l in LANGS))
    own = {l: Counter(s for r in rows[l] if "of" not in r and "contrast_of" not in r for s in r["skills"])
           for l in LANGS}
    low = [f"{l}:{s}={own[l][s]}" for l in LANGS for s in ALL_SKILLS if own[l][s] < args.min]
    for lang in LANGS:
        path = args.data_dir / f"challenge_{lang}.jsonl"
        if path.is_file():
            found_rows, found = load_challenge(path, lang, rows[lang])
            problems += found
            per = Counter(s for r in found_rows for s in (r.get("critical") or []) if isinstance(s, str))
            none = sum(not r.get("critical") for r in found_rows)
            print(f"challenge set {lang}: {len(found_rows)} lines; " + ", ".join(f"{s} {per[s]}" for s in sorted(CRITICAL))
                  + f", none of the five {none}")
    for p in problems + [f"below minimum {args.min}: {x}" for x in low]:
        print(p, file=sys.stderr)
    return 1 if problems or low else 0


if __name__ == "__main__":
    sys.exit(main())
