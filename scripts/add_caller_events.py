"""Append newly written caller lines to the caller-event data without leaking across the split.

Usage: python scripts/add_caller_events.py LANG CANDIDATES.jsonl [...] [--dry-run] [--second OPINIONS.jsonl]

Each candidate is a JSON object {"text", "events", "kind"}; an id (ev-LANG-NNNN, the next free one) is given here, in
candidate order, so each new line's split (by the hash of the id) is known before the check. A candidate is dropped,
with the reason printed, when it
- is malformed (events not drawn from models.event_reader.MODEL_EVENTS, no text or kind);
- repeats a line already in the file or an earlier candidate (after lower-casing and removing spaces and punctuation);
- comes close to a line of a *different* split, existing or new (e5 cosine >= 0.93 en / 0.95 zh, or difflib >= 0.6:
  the limits of add_utterances.py);
- with --second, where a blind second annotator's events for it ({"text", "events", "unsure"} per line, matched by
  text) differ from the writer's, or the annotator was unsure.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.event_reader import MODEL_EVENTS  # noqa: E402
from models.skill_data import DATA_DIR, _split_of  # noqa: E402
from scripts.add_utterances import DEFAULT_COS, leak_reasons, read_candidates, report_and_write  # noqa: E402
from scripts.count_utterances import norm  # noqa: E402


def problems_of(cand: dict) -> list[str]:
    out = []
    if not isinstance(cand.get("text"), str) or not cand["text"].strip():
        out.append("field 'text' is missing or empty")
    events = cand.get("events")
    if not isinstance(events, list) or not all(e in MODEL_EVENTS for e in events):
        out.append(f"field 'events' must be a list drawn from {', '.join(MODEL_EVENTS)}")
    if not isinstance(cand.get("kind"), str) or not cand["kind"].strip():
        out.append("field 'kind' is missing or empty")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lang", choices=("en", "zh"))
    ap.add_argument("candidates", type=Path, nargs="+")
    ap.add_argument("--second", type=Path, help="a blind second annotator's events for the candidates (by text)")
    ap.add_argument("--cos", type=float, help="cosine limit (default 0.93 en / 0.95 zh)")
    ap.add_argument("--ratio", type=float, default=0.6, help="difflib ratio limit")
    ap.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    args = ap.parse_args(argv)
    cos = args.cos or DEFAULT_COS[args.lang]

    path = DATA_DIR / f"caller_events_{args.lang}.jsonl"
    rows = [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    seen = {norm(r["text"]) for r in rows}
    number = max((int(m.group(1)) for r in rows if (m := re.fullmatch(rf"ev-{args.lang}-(\d+)", r["id"]))),
                 default=0) + 1
    second = {}
    if args.second:
        for line in args.second.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                second[norm(row["text"])] = row
    kept, dropped = [], []
    for where, cand, problem in read_candidates(args.candidates):
        ident = f"ev-{args.lang}-{number:04d}"
        number += 1
        problems = [problem] if problem else problems_of(cand)
        if problems:
            dropped.append((where, "; ".join(problems)))
            continue
        row = {"id": ident, "text": cand["text"].strip(), "events": sorted(set(cand["events"])),
               "kind": cand["kind"].strip()}
        if norm(row["text"]) in seen:
            dropped.append((where, "repeats a line"))
            continue
        if args.second:
            other = second.get(norm(row["text"]))
            if other is None:
                dropped.append((where, "no second opinion"))
                continue
            if other.get("unsure") or sorted(set(other.get("events") or [])) != row["events"]:
                dropped.append((where, f"second annotator: {sorted(set(other.get('events') or []))}"
                                       f"{' (unsure)' if other.get('unsure') else ''}, writer: {row['events']}"))
                continue
        seen.add(norm(row["text"]))
        kept.append((where, row))

    reasons = leak_reasons([r["text"] for _, r in kept], [_split_of(r["id"]) for _, r in kept],
                           [r["text"] for r in rows], [_split_of(r["id"]) for r in rows], cos, args.ratio)
    final = []
    for (where, row), reason in zip(kept, reasons):
        if reason:
            dropped.append((where, reason))
        else:
            final.append(row)
    report_and_write(final, dropped, [_split_of(r["id"]) for r in final], path, args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
