"""Append newly written trainee lines to the labelled data without leaking across the split.

Usage: python scripts/add_utterances.py LANG CANDIDATES.jsonl [...] [--dry-run] [--challenge] [--out FILE]

Each candidate is a JSON object {"text", "skills", "context"} (an "id" is assigned here: the next free one), or
{"contrast_of", "text", "skills", "context"} for the kind counterpart of a harmful line (it takes that line's split).
A candidate is dropped, with the reason printed, when it
- is malformed (unknown skill, bad context, no skills: the checks of scripts/count_utterances.py);
- repeats a line already in the file or an earlier candidate (same text after lower-casing and removing spaces
  and punctuation);
- comes close to a line that lands in a *different* split (train / validation / test, by the hash of the id):
  e5 cosine >= --cos (0.93 en / 0.95 zh by default: the two files share many formulaic moves and Chinese lines sit
  closer in e5) or a difflib ratio >= --ratio (0.6) to any such line, existing or new. A training line that is a
  near copy of a test line would inflate the test figures; a test line that is a near copy of a training line
  measures memory, not generalisation.
Ids are given in candidate order before the check, so the split of each new line is known and the check is exact;
the id of a dropped line is left unused.

With --challenge the candidates ({"text", "critical", "context", "writer"}) go to the fresh-wording challenge set
(models/data/challenge_LANG.jsonl, evaluation only): a line is dropped when it comes close to ANY line of the
labelled file, whatever its split, since the set measures wording the model has never met.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.skill_data import DATA_DIR, split_of_row  # noqa: E402
from scripts.count_utterances import check_challenge_row, check_contrast, check_row, norm  # noqa: E402

DEFAULT_COS = {"en": 0.93, "zh": 0.95}


def next_id(lang: str, rows: list[dict], tag: str = "") -> int:
    nums = [int(m.group(1)) for r in rows if (m := re.fullmatch(rf"{lang}-{tag}(\d+)", r["id"]))]
    return max(nums, default=0) + 1


def close_pairs(new_keys: list[str], new_emb: np.ndarray, new_split: list[str],
                old_keys: list[str], old_emb: np.ndarray, old_split: list[str],
                cos: float, ratio: float, old_texts: list[str] | None = None) -> list[str | None]:
    """For each new line, the reason it is too close to a line of another split (None: it is not)."""
    shown = old_texts or old_keys
    reasons: list[str | None] = []
    sims_old = new_emb @ old_emb.T if len(old_keys) else np.zeros((len(new_keys), 0))
    for i, (key, split) in enumerate(zip(new_keys, new_split)):
        reason = None
        other = [j for j, s in enumerate(old_split) if s != split]
        if other:
            j = max(other, key=lambda j: sims_old[i, j])
            if sims_old[i, j] >= cos:
                reason = f"cosine {sims_old[i, j]:.3f} to a {old_split[j]} line: {shown[j]!r}"
        if reason is None:
            matcher = difflib.SequenceMatcher(None, "", key, autojunk=False)  # b is cached: set a per line
            for j in other:
                matcher.set_seq1(old_keys[j])
                if matcher.real_quick_ratio() >= ratio and matcher.quick_ratio() >= ratio \
                        and matcher.ratio() >= ratio:
                    reason = f"difflib {matcher.ratio():.2f} to a {old_split[j]} line: {shown[j]!r}"
                    break
        reasons.append(reason)
    return reasons


def leak_reasons(new_texts: list[str], new_split: list[str], old_texts: list[str], old_split: list[str],
                 cos: float, ratio: float) -> list[str | None]:
    """For each new line (in order), why it must be dropped (None: keep it): it comes close to an existing line of
    another split, or to an earlier new line that is kept and lands in another split."""
    from models.encoder import get_encoder
    enc = get_encoder()
    old_keys, new_keys = [norm(t) for t in old_texts], [norm(t) for t in new_texts]
    old_emb = enc.encode(old_texts)
    new_emb = enc.encode(new_texts) if new_texts else np.zeros((0, old_emb.shape[1]), np.float32)
    reasons = close_pairs(new_keys, new_emb, new_split, old_keys, old_emb, old_split, cos, ratio, old_texts)
    acc: list[int] = []  # the new lines kept so far
    for i in range(len(new_texts)):
        if reasons[i] is None and acc:
            reason = close_pairs([new_keys[i]], new_emb[i:i + 1], [new_split[i]], [new_keys[j] for j in acc],
                                 new_emb[acc], [new_split[j] for j in acc], cos, ratio,
                                 [new_texts[j] for j in acc])[0]
            reasons[i] = reason and "new line, " + reason
        if reasons[i] is None:
            acc.append(i)
    return reasons


def read_candidates(paths: list[Path]):
    """(where, candidate, problem) for each non-blank line of the candidate files, in order: `where` is file:line,
    the candidate a JSON object, or None with the problem that stops it (not JSON, not an object)."""
    for cand_path in paths:
        for n, line in enumerate(cand_path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{cand_path.name}:{n}"
            try:
                cand = json.loads(line)
            except json.JSONDecodeError as exc:
                yield where, None, f"not JSON: {exc}"
                continue
            yield (where, cand, None) if isinstance(cand, dict) else (where, None, "not a JSON object")


def report_and_write(final: list[dict], dropped: list[tuple[str, str]], splits: list[str], path: Path,
                     dry_run: bool, mode: str = "a") -> None:
    """Print what was dropped and why, and what is kept per split; write the kept rows to `path` (appended, or
    `mode` "w") unless `dry_run`."""
    for where, reason in dropped:
        print(f"dropped {where}: {reason}")
    by_split = {s: splits.count(s) for s in ("train", "val", "test", "challenge") if s in splits}
    print(f"{len(final)} kept ({by_split}), {len(dropped)} dropped"
          + (f"; ids {final[0]['id']}…{final[-1]['id']}" if final else ""))
    if final and not dry_run:
        with path.open(mode, encoding="utf-8") as fh:
            for r in final:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"written to {path}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lang", choices=("en", "zh"))
    ap.add_argument("candidates", type=Path, nargs="+")
    ap.add_argument("--cos", type=float, help="cosine limit (default 0.93 en / 0.95 zh)")
    ap.add_argument("--ratio", type=float, default=0.6, help="difflib ratio limit")
    ap.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    ap.add_argument("--challenge", action="store_true",
                    help="add to the challenge set (evaluation only), away from every labelled line")
    ap.add_argument("--out", type=Path, help="write the kept lines (with their ids) here instead of appending them "
                                              "(e.g. to have them checked first; append them later unchanged)")
    args = ap.parse_args(argv)
    cos = args.cos or DEFAULT_COS[args.lang]

    path = DATA_DIR / f"skill_utterances_{args.lang}.jsonl"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    seen = {norm(r["text"]) for r in rows}
    by_id = {r["id"]: r for r in rows}
    number = next_id(args.lang, rows)
    if args.challenge:
        path = DATA_DIR / f"challenge_{args.lang}.jsonl"
        existing = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()] \
            if path.is_file() else []
        seen |= {norm(r["text"]) for r in existing}
        number = next_id(args.lang, existing, tag="c")
    kept, dropped = [], []
    for where, cand, problem in read_candidates(args.candidates):
        ident = f"{args.lang}-c{number:03d}" if args.challenge else f"{args.lang}-{number:04d}"
        number += 1
        if problem:
            dropped.append((where, problem))
            continue
        if args.challenge:
            row = {"id": ident, "text": str(cand.get("text", "")).strip(), "critical": cand.get("critical"),
                   "context": cand.get("context"), "writer": cand.get("writer")}
            problems = check_challenge_row(row, where, args.lang, set(), set())
        else:
            row = {"id": ident, "text": str(cand.get("text", "")).strip(),
                   "skills": cand.get("skills"), "context": cand.get("context")}
            if cand.get("contrast_of"):
                row["contrast_of"] = cand["contrast_of"]
            problems = check_row(row, where, set(), set())
            if "contrast_of" in row:
                problems += check_contrast(row, by_id, where)
        if problems:
            dropped.append((where, "; ".join(problems)))
            continue
        if norm(row["text"]) in seen:
            dropped.append((where, "repeats a line"))
            continue
        seen.add(norm(row["text"]))
        kept.append((where, row))

    new_split = ["challenge" if args.challenge else split_of_row(r) for _, r in kept]
    reasons = leak_reasons([r["text"] for _, r in kept], new_split, [r["text"] for r in rows],
                           [split_of_row(r) for r in rows], cos, args.ratio)
    final: list[dict] = []
    for (where, row), reason in zip(kept, reasons):
        if reason:
            dropped.append((where, reason))
        else:
            final.append(row)
    splits = ["challenge" if args.challenge else split_of_row(r) for r in final]
    report_and_write(final, dropped, splits, args.out or path, args.dry_run, "w" if args.out else "a")
    return 0


if __name__ == "__main__":
    sys.exit(main())
