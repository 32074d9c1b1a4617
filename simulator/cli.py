"""The `hotline` command: practise calls, score transcripts, validate scenarios, tag turns."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable

import click

from simulator.caller_events import DETECTORS, default_detector_kind, make_detector
from simulator.callers import make_caller
from simulator.scenario import DEFAULT_SCENARIO_DIR, Library, ScenarioError, load_rubric, load_scenario
from simulator.scoring import FAILING, THRESHOLD, ScoreReport, check_rubric, score
from simulator.session import CallError, CallSession
from simulator.tagging import SENSITIVITIES, TagContext, make_tagger, sensitivity_options
from simulator.transcript import Transcript, TranscriptError, Turn

TAGGER_CHOICES = click.Choice(["rules", "model", "combined"])


def _default_tagger() -> str:
    return os.environ.get("HOTLINE_TAGGER", "combined")


def _library(root: str | None) -> Library:
    try:
        return Library.load(root or os.environ.get("HOTLINE_SCENARIO_DIR") or DEFAULT_SCENARIO_DIR)
    except ScenarioError as exc:
        raise click.ClickException(f"scenarios do not load:\n{exc}") from None


def _default_sensitivity() -> str:
    return os.environ.get("HOTLINE_SKILL_SENSITIVITY", "standard")


SENSITIVITY_OPTION = click.option(
    "--sensitivity", type=click.Choice(SENSITIVITIES), default=_default_sensitivity, show_default="standard",
    help="how readily the model reads the verdict-deciding skills (a false-reading budget; see SKILL_HEAD.md); "
         "the rules tagger ignores it")


def _tagger(kind: str, sensitivity: str = "standard"):
    try:
        options = sensitivity_options(kind, sensitivity)
        tagger = make_tagger(kind, **options)
        if options and sensitivity != "standard":
            tagger.tag(["warm-up"])  # loads the head now: one without cuts for this level says so here
        return tagger
    except ImportError as exc:
        raise click.ClickException(f"tagger {kind!r} needs the ML extras ({exc}); "
                                   "install with `pip install -e .[ml]` or use --tagger rules") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _detector(kind: str | None, tagger: str):
    """The caller-event reader: `kind`, else $HOTLINE_EVENTS, else the one that goes with the tagger (rules for the
    rules tagger, rules ∪ model otherwise)."""
    kind = kind or os.environ.get("HOTLINE_EVENTS") or default_detector_kind(tagger)
    try:
        return make_detector(kind)
    except ImportError as exc:
        raise click.ClickException(f"{exc}; or pass --events rules") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


EVENTS_OPTION = click.option(
    "--events", "events", type=click.Choice(DETECTORS), default=None,
    help="how caller events are read from the caller's words: keyword rules, the encoder-based reader alone (risk "
         "events only), or both (default: $HOTLINE_EVENTS, else rules with --tagger rules and combined otherwise)")


@click.group()
def main() -> None:
    """Training simulator for psychological-support and crisis hotlines."""


# -- practice ---------------------------------------------------------------------
def _show_turn(turn: Turn, lang: str) -> str:
    who = ("来电者" if lang == "zh" else "Caller") if turn.speaker == "caller" else ("你" if lang == "zh" else "You")
    if turn.kind == "silence":
        label = "沉默" if lang == "zh" else "silence"
        return f"[{turn.t:6.1f}s] {who}: … ({label} {turn.duration:.0f}s)"
    if turn.kind == "hang_up":
        return f"[{turn.t:6.1f}s] {who}: ☎ " + ("挂断了电话" if lang == "zh" else "hung up")
    return f"[{turn.t:6.1f}s] {who}: {turn.text}"


def _moves_from(path: str) -> list[Any]:
    try:
        moves = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{path}: cannot read moves: {exc}") from None
    if not isinstance(moves, list):
        raise click.ClickException(f"{path}: moves must be a JSON list")
    return moves


def _apply(session: CallSession, move: Any, where: str) -> list[Turn]:
    if isinstance(move, str):
        return session.say(move)
    if isinstance(move, dict) and "wait" in move:
        return session.wait(move["wait"])
    if isinstance(move, dict) and move.get("hang_up"):
        return session.hang_up()
    if isinstance(move, dict) and "text" in move:
        return session.say(move["text"])
    raise click.ClickException(f"{where}: a move is a text, {{\"wait\": seconds}} or {{\"hang_up\": true}}; got {move!r}")


@main.command()
@click.argument("scenario_id")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--replay", "replay", type=click.Path(exists=True, dir_okay=False), help="JSON list of trainee moves")
@click.option("--tagger", type=TAGGER_CHOICES, default=_default_tagger)
@SENSITIVITY_OPTION
@EVENTS_OPTION
@click.option("--scenarios", "root", type=click.Path(exists=True), help="scenario folder")
@click.option("--out", type=click.Path(dir_okay=False), help="also write the transcript JSON here")
def practice(scenario_id: str, lang: str, replay: str | None, tagger: str, sensitivity: str, events: str | None,
             root: str | None, out: str | None) -> None:
    """Take a simulated call (interactive), or replay MOVES and print the transcript JSON."""
    lib = _library(root)
    if scenario_id not in lib.scenarios:
        raise click.ClickException(f"no scenario {scenario_id!r}; try `hotline scenarios list`")
    scenario = lib.scenarios[scenario_id]
    if lang not in scenario.langs:
        raise click.ClickException(f"scenario {scenario_id} is not available in {lang}")
    session = CallSession(scenario, lang, make_caller(scenario, lang), _tagger(tagger, sensitivity))
    if replay:
        _replay(session, _moves_from(replay), replay)
    else:
        _interactive(session, lib, lang, _detector(events, tagger))
    if out:
        Path(out).write_text(session.transcript().to_json(), encoding="utf-8")
    if replay:
        click.echo(session.transcript().to_json())


def _replay(session: CallSession, moves: list[Any], where: str) -> None:
    session.start()
    for n, move in enumerate(moves):
        if session.ended:
            click.echo(f"note: the call ended before move {n}; remaining moves ignored", err=True)
            break
        try:
            _apply(session, move, f"{where}[{n}]")
        except CallError as exc:
            raise click.ClickException(f"{where}[{n}]: {exc}") from None


def _interactive(session: CallSession, lib: Library, lang: str, detector) -> None:
    s = session.scenario
    click.echo(f"== {s.title.get(lang)} ==\n{s.summary.get(lang)}")
    click.echo("/wait N = stay silent N seconds, /hangup = end the call, /help\n")
    for turn in session.start():
        click.echo(_show_turn(turn, lang))
    while not session.ended:
        try:
            line = click.prompt("", prompt_suffix="> ", default="", show_default=False).strip()
        except (EOFError, click.Abort):
            line = "/hangup"
        try:
            new = _interactive_move(session, line)
        except CallError as exc:
            click.echo(f"! {exc}")
            continue
        for turn in new[1:] if new and new[0].kind == "speech" else new:
            click.echo(_show_turn(turn, lang))
        if not session.ended and session.silent_for >= 10:
            click.echo(f"   (line silent for {session.silent_for:.0f}s)")
    report = _score_one(session.transcript(), lib, None, None, detector, scenario=s)
    click.echo("\n" + format_report(report, lib.rubric_for(rubric_id=s.rubric), session.transcript()))


def _interactive_move(session: CallSession, line: str) -> list[Turn]:
    if line.startswith("/wait"):
        parts = line.split()
        return session.wait(float(parts[1]) if len(parts) > 1 and _is_number(parts[1]) else 10)
    if line in ("/hangup", "/hang_up", "/quit"):
        return session.hang_up()
    if line == "/help":
        click.echo("type a reply; /wait N to stay silent N seconds; /hangup to end the call")
        return []
    return session.say(line) if line else []


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


# -- score ----------------------------------------------------------------------------
def _transcript_files(paths: Iterable[str]) -> list[Path]:
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*.json") if not f.name.endswith(".expected.json"))
        else:
            files.append(p)
    return files


def _score_one(tr: Transcript, lib: Library, rubric_id: str | None, tagger, detector, scenario=None) -> ScoreReport:
    scenario = scenario or lib.scenarios.get(tr.scenario or "")
    rubric = lib.rubric_for(scenario_id=tr.scenario, caller_type=tr.caller_type, rubric_id=rubric_id)
    return score(tr, rubric, tagger=tagger, detector=detector, scenario=scenario)


@main.command("score")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--rubric", "rubric_id", help="rubric id (default: from the transcript's scenario or caller_type)")
@click.option("--json", "as_json", is_flag=True, help="one JSON line per file")
@click.option("--tagger", type=TAGGER_CHOICES, default=_default_tagger)
@SENSITIVITY_OPTION
@EVENTS_OPTION
@click.option("--scenarios", "root", type=click.Path(exists=True))
def score_cmd(files: tuple[str, ...], rubric_id: str | None, as_json: bool, tagger: str, sensitivity: str,
              events: str | None, root: str | None) -> None:
    """Score transcript files (or folders of them) against their rubric."""
    lib = _library(root)
    tg = _tagger(tagger, sensitivity)  # loaded once for all files
    det = _detector(events, tagger)
    failed = False
    for path in _transcript_files(files):
        try:
            tr = Transcript.load(path)
            report = _score_one(tr, lib, rubric_id, tg, det)
        except (TranscriptError, KeyError, OSError) as exc:
            failed = True
            msg = str(exc).strip("'\"")
            click.echo(json.dumps({"file": str(path), "error": msg}, ensure_ascii=False) if as_json
                       else f"{path}: error: {msg}", err=not as_json)
            continue
        if as_json:
            click.echo(json.dumps({"file": str(path), **report.to_dict()}, ensure_ascii=False))
        else:
            click.echo(f"== {path}\n" + format_report(report, lib.rubric_for(rubric_id=report.rubric_id), tr))
    sys.exit(1 if failed else 0)


def format_report(report: ScoreReport, rubric, tr: Transcript) -> str:
    """A plain-text report: verdict, score, critical failures first, then every item."""
    lang = tr.lang
    items = {i.id: i for i in rubric.items}
    lines = [f"verdict: {report.verdict.upper()}   score: {report.score:.0f}/100 (pass ≥ {report.pass_score:.0f})"]
    order = sorted(report.items, key=lambda r: (not r.critical_failure, r.result == "met", r.result == "not_applicable"))
    for r in order:
        mark = {"met": "✓", "missed": "✗", "violated": "✗✗", "not_applicable": "–"}[r.result]
        crit = " CRITICAL" if r.critical_failure else ""
        ev = f" turns {list(r.evidence)}" if r.evidence else ""
        lines.append(f" {mark} [{r.result}{crit}] {items[r.id].text.get(lang)}{ev}")
        if r.result in FAILING:
            lines.append(f"     source: {items[r.id].source}")
            ex = items[r.id].exemplars.get(lang) or []
            if ex:
                lines.append(f"     better: {ex[0]}")
    return "\n".join(lines)


# -- evaluate -------------------------------------------------------------------------
@main.command("evaluate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--tagger", type=TAGGER_CHOICES, default=_default_tagger)
@SENSITIVITY_OPTION
@EVENTS_OPTION
@click.option("--scenarios", "root", type=click.Path(exists=True))
@click.option("--verbose", is_flag=True, help="one line per call")
def evaluate_cmd(folder: str, tagger: str, sensitivity: str, events: str | None, root: str | None,
                 verbose: bool) -> None:
    """Agreement of the scorer with labelled transcripts (meta.label: verdict, critical_failures)."""
    lib = _library(root)
    tg = _tagger(tagger, sensitivity)
    det = _detector(events, tagger)
    rows = []
    for path in _transcript_files([folder]):
        tr = Transcript.load(path)
        label = (tr.meta or {}).get("label")
        if not label:
            continue
        report = _score_one(tr, lib, None, tg, det)
        rows.append((path, label, report))
        if verbose:
            ok = "ok " if report.verdict == label["verdict"] else "BAD"
            unsure = "".join(f" | unsure {u.id} (turn {', '.join(map(str, u.turns))}: {u.counted} -> {u.if_counted})"
                             for u in report.uncertain)
            click.echo(f"{ok} {path.name}: label {label['verdict']} {sorted(label.get('critical_failures', []))}"
                       f" | scorer {report.verdict} {sorted(report.critical_failures)}{unsure}")
    if not rows:
        raise click.ClickException(f"no labelled transcripts (with meta.label) under {folder}")
    click.echo(json.dumps(agreement(rows), ensure_ascii=False, indent=2))


def agreement(rows) -> dict:
    """Verdict accuracy and critical-failure precision/recall of the scorer against labels; and what the flags
    for a supervisor (items whose result turns on an uncertain reading) would add: how many calls and flags,
    how many flags point the way the label goes, and critical-failure recall counting a flagged failure."""
    correct = sum(r.verdict == lab["verdict"] for _, lab, r in rows)
    tp = fp = fn = 0
    flags = agree = flagged_misses = 0
    for _, lab, r in rows:
        gold, pred = set(lab.get("critical_failures", [])), set(r.critical_failures)
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
        for u in r.uncertain:
            flags += 1
            agree += (u.if_counted in FAILING) == (u.id in gold)
            flagged_misses += u.id in gold - pred
    by_group: dict[str, list[bool]] = {}
    for _, lab, r in rows:
        by_group.setdefault(f"{r.rubric_id}", []).append(r.verdict == lab["verdict"])
    return {"calls": len(rows), "verdict_accuracy": round(correct / len(rows), 3),
            "critical_failure_recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "critical_failure_precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "verdict_accuracy_by_rubric": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_group.items())},
            "flagged_for_review": {
                "calls": sum(1 for _, _, r in rows if r.uncertain), "flags": flags,
                "flags_agreeing_with_label": agree,
                "critical_failure_recall_counting_flags":
                    round((tp + flagged_misses) / (tp + fn), 3) if tp + fn else None}}


# -- tag ------------------------------------------------------------------------------
@main.command("tag")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="one JSON line per file")
@click.option("--tagger", type=TAGGER_CHOICES, default=_default_tagger)
@SENSITIVITY_OPTION
def tag_cmd(files: tuple[str, ...], as_json: bool, tagger: str, sensitivity: str) -> None:
    """Print each trainee turn's skills with confidences."""
    tg = _tagger(tagger, sensitivity)
    for path in _transcript_files(files):
        try:
            tr = Transcript.load(path)
        except (TranscriptError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
        idx = [i for i, t in enumerate(tr.turns) if t.speaker == "trainee" and t.kind == "speech"]
        tags = tg.tag([tr.turns[i].text for i in idx], TagContext(lang=tr.lang, caller_type=tr.caller_type))
        turns = [{"turn": i, "text": tr.turns[i].text,
                  "skills": {k: round(v, 3) for k, v in sorted(t.items(), key=lambda kv: -kv[1]) if v >= THRESHOLD},
                  "uncertain": {k: round(v, 3) for k, v in sorted(t.items(), key=lambda kv: -kv[1]) if v < THRESHOLD}}
                 for i, t in zip(idx, tags)]
        if as_json:
            click.echo(json.dumps({"file": str(path), "tagger": tg.name, "turns": turns}, ensure_ascii=False))
        else:
            click.echo(f"== {path}")
            for row in turns:
                skills = ", ".join(f"{k} {v:.2f}" for k, v in row["skills"].items()) or "-"
                skills += "".join(f", {k} {v:.2f} (uncertain)" for k, v in row["uncertain"].items())
                click.echo(f" [{row['turn']}] {row['text']}\n      {skills}")


# -- scenarios ------------------------------------------------------------------------
@main.group()
def scenarios() -> None:
    """Scenario files: validate and list."""


@scenarios.command("validate")
@click.argument("path", required=False, type=click.Path())
def validate(path: str | None) -> None:
    """Validate one scenario/rubric file or a whole folder; errors name file, field and problem."""
    target = Path(path) if path else DEFAULT_SCENARIO_DIR
    try:
        if target.is_dir():
            lib = Library.load(target)
            click.echo(f"ok: {len(lib.scenarios)} scenarios, {len(lib.rubrics)} rubrics in {target}")
        elif "rubrics" in target.parts:
            r = load_rubric(target)
            if problems := check_rubric(r):
                raise ScenarioError(target, problems)
            click.echo(f"ok: rubric {r.id} ({len(r.items)} items)")
        else:
            s = load_scenario(target)
            click.echo(f"ok: scenario {s.id} ({s.caller_type}, {len(s.states)} states)")
    except ScenarioError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@scenarios.command("list")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en")
@click.option("--scenarios", "root", type=click.Path(exists=True))
def list_cmd(lang: str, root: str | None) -> None:
    """List the scenarios."""
    lib = _library(root)
    for s in sorted(lib.scenarios.values(), key=lambda s: (s.caller_type, s.difficulty, s.id)):
        click.echo(f"{s.id:40s} {s.caller_type:9s} d{s.difficulty} {'/'.join(s.langs):6s} {s.title.get(lang)}")


if __name__ == "__main__":
    main()
