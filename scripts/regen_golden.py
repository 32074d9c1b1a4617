"""Score the golden transcripts with the current rule tagger and event detector.

Without --write: print each golden's expected and actual verdict and critical failures,
and exit 1 if any differ. With --write: rewrite the expected files from the current
scorer (on purpose only, after checking the differences are improvements).

    .venv/bin/python scripts/regen_golden.py [--write] [--verbose] [NAME ...]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.caller_events import RuleEventDetector  # noqa: E402
from simulator.rule_tagger import RuleTagger  # noqa: E402
from simulator.scenario import Library  # noqa: E402
from simulator.scoring import ScoreReport, score  # noqa: E402
from simulator.transcript import Transcript  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"


def golden_paths(names: list[str] | None = None) -> list[Path]:
    """Golden transcript files (not their expected files), optionally only `names`."""
    paths = sorted(p for p in GOLDEN.glob("*.json") if not p.name.endswith(".expected.json"))
    return [p for p in paths if not names or p.stem in names]


def score_golden(path: Path, library: Library) -> ScoreReport:
    """Score one golden transcript from its words alone (no scenario risk facts)."""
    transcript = Transcript.load(path)
    rubric = library.rubric_for(scenario_id=transcript.scenario, caller_type=transcript.caller_type)
    return score(transcript, rubric, RuleTagger(), RuleEventDetector())


def decisive(report: ScoreReport) -> dict:
    return {"verdict": report.verdict, "critical_failures": sorted(report.critical_failures)}


def expected_path(path: Path) -> Path:
    return path.with_name(path.stem + ".expected.json")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="golden names (file stems); default all")
    ap.add_argument("--write", action="store_true", help="rewrite expected files from the current scorer")
    ap.add_argument("--verbose", action="store_true", help="also print score, items and per-turn tags")
    args = ap.parse_args(argv)
    library = Library.load()
    differ = 0
    for path in golden_paths(args.names):
        report = score_golden(path, library)
        actual = decisive(report)
        exp_file = expected_path(path)
        expected = json.loads(exp_file.read_text(encoding="utf-8")) if exp_file.exists() else None
        same = expected == actual
        differ += not same
        mark = "ok  " if same else "DIFF"
        print(f"{mark} {path.stem:28} score {report.score:5.1f}  actual {actual['verdict']:4} "
              f"{actual['critical_failures']}" + ("" if same else f"  expected {expected}"))
        if args.verbose:
            print_details(path, report)
        if args.write and not same:
            exp_file.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.write:
        print(f"rewrote {differ} expected file(s)")
        return 0
    return 1 if differ else 0


def print_details(path: Path, report: ScoreReport) -> None:
    transcript = Transcript.load(path)
    for i, turn in enumerate(transcript.turns):
        tags = ",".join(report.turn_skills[i] + report.turn_events[i])
        print(f"      {i:2} {turn.speaker[0]} {turn.kind[:2]} {turn.text[:70]!r:74} {tags}")
    for item in report.items:
        if item.result not in ("met", "not_applicable"):
            print(f"      - {item.id}: {item.result} {list(item.evidence)}{' CRITICAL' if item.critical else ''}")


if __name__ == "__main__":
    sys.exit(main())
