"""The call loop and the scripted caller, on a tiny scenario (pure, fast)."""
from __future__ import annotations

from pathlib import Path

import pytest

from simulator.callers import make_caller
from simulator.scenario import Library
from simulator.scoring import score
from simulator.session import CallError, CallSession
from simulator.transcript import Transcript

MINI = Path(__file__).parent / "data" / "mini"


class KeywordTagger:
    """A stand-in tagger for engine tests: the tagger itself is tested elsewhere."""

    name = "keywords"
    RULES = {"hurry": "pressuring", "take your time": "patience_silence", "confidential": "confidentiality",
             "bye": "closing", "快说": "pressuring", "慢慢来": "patience_silence"}

    def tag(self, texts, context=None):
        return [{s: 1.0 for k, s in self.RULES.items() if k in t.lower()} for t in texts]


@pytest.fixture()
def lib():
    return Library.load(MINI)


def new_session(lib, lang="en", on_turn=None):
    s = lib.scenarios["mini-silent"]
    return CallSession(s, lang, make_caller(s, lang), KeywordTagger(), on_turn=on_turn)


def test_patient_waiting_makes_the_silent_caller_speak(lib):
    sess = new_session(lib)
    opening = sess.start()
    assert [t.kind for t in opening] == ["silence"]
    assert sess.wait(10)[-1].speaker == "trainee"          # still silent: no caller words
    new = sess.wait(10)
    assert new[-1].speaker == "caller" and new[-1].kind == "speech"
    assert "started_talking" in new[-1].events
    assert sess.waited_total == 20


def test_pressing_makes_the_caller_hang_up_and_the_call_ends(lib):
    sess = new_session(lib)
    sess.start()
    new = sess.say("Hurry up and say something")
    assert new[-1].kind == "hang_up" and sess.ended_by == "caller"
    with pytest.raises(CallError, match="ended"):
        sess.say("hello?")


def test_clock_and_silence_accounting(lib):
    sess = new_session(lib)
    sess.start()
    sess.say("Take your time.")
    assert sess.t > 5 and sess.silent_for == sess.t
    with pytest.raises(CallError):
        sess.wait(0)
    with pytest.raises(CallError):
        sess.say("   ")


def test_each_turn_is_committed_as_it_happens(lib):
    seen = []
    sess = new_session(lib, on_turn=lambda i, t: seen.append((i, t.speaker, t.kind)))
    sess.start()
    sess.say("Take your time, this is confidential.")
    assert seen == [(i, t.speaker, t.kind) for i, t in enumerate(sess.turns)]


def test_snapshot_restore_resumes_the_same_call(lib):
    a = new_session(lib, "zh")
    a.start()
    a.say("慢慢来")
    a.wait(15)
    b = new_session(lib, "zh")
    b.restore(list(a.turns), a.snapshot())
    assert b.wait(10)[-1].kind == "speech"
    assert a.wait(10)[-1].text == b.turns[-1].text


def test_lines_do_not_repeat_verbatim_while_variants_remain(lib):
    sess = new_session(lib)
    sess.start()
    sess.wait(25)
    texts = [t.text for t in sess.wait(5) + sess.wait(5) if t.speaker == "caller"]
    assert len(texts) == len(set(texts)) == 2


def test_transcript_round_trip_and_scoring(lib):
    sess = new_session(lib)
    sess.start()
    sess.wait(30)
    sess.say("Take your time. Bye for now.")
    tr = sess.transcript()
    again = Transcript.from_json(tr.to_json())
    assert again == tr
    report = score(again, lib.rubric_for(rubric_id="mini"))
    assert report.verdict == "pass" and report.critical_failures == []


def test_early_hangup_on_a_silent_caller_fails(lib):
    sess = new_session(lib)
    sess.start()
    sess.say("Hello?")
    sess.hang_up()
    report = score(sess.transcript(), lib.rubric_for(rubric_id="mini"))
    assert report.verdict == "fail"
    assert report.critical_failures == ["mini.no_early_hangup"]
    item = next(i for i in report.items if i.id == "mini.no_early_hangup")
    assert item.evidence == (len(sess.turns) - 1,)


def test_state_is_settled_before_each_turn_is_committed(lib):
    """A snapshot taken inside on_turn (as the web does) already counts that turn."""
    snaps = []
    sess = new_session(lib)
    sess.on_turn = lambda i, t: snaps.append(sess.snapshot())
    sess.start()
    sess.wait(25)                       # the caller starts talking
    assert snaps[-1]["waited_total"] == 25
    assert snaps[-1]["last_caller_speech_end"] == sess.last_caller_speech_end > 0
    sess.hang_up()
    assert snaps[-1]["ended_by"] == "trainee" and snaps[-1] == sess.snapshot()
