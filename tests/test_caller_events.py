"""RuleEventDetector: caller events read from a caller's words, in English and Chinese."""
from __future__ import annotations

import pytest

from simulator.caller_events import RuleEventDetector
from simulator.tagging import EVENTS, CallerEventDetector

DETECTOR = RuleEventDetector()

# DEV cases: written alongside the rules and used while tuning them.
# Each case: (caller text, lang, events that must fire, events that must not fire).
DEV = [
    ("There's no point anymore.", "en", {"hopelessness"}, set()),
    ("I can't take this anymore.", "en", {"hopelessness"}, set()),
    ("我觉得没有希望了。", "zh", {"hopelessness"}, set()),
    ("我真的撑不下去了。", "zh", {"hopelessness"}, set()),
    ("It's not hopeless, I just need to vent.", "en", set(), {"hopelessness"}),
    ("I want to die.", "en", {"disclosed_ideation"}, set()),
    ("I've thought about killing myself.", "en", {"disclosed_ideation"}, set()),
    ("I don't want to live anymore.", "en", {"disclosed_ideation"}, set()),
    ("不想活了。", "zh", {"disclosed_ideation"}, set()),
    ("我就想一死了之。", "zh", {"disclosed_ideation"}, set()),
    ("I'm not going to kill myself.", "en", set(), {"disclosed_ideation"}),
    ("I don't want to die, I just want the pain to stop.", "en", set(), {"disclosed_ideation"}),
    ("我不会自杀的，你放心。", "zh", set(), {"disclosed_ideation"}),
    ("想死你了！", "zh", set(), {"disclosed_ideation"}),
    ("I've planned it.", "en", {"disclosed_plan"}, set()),
    ("I know how I'd do it.", "en", {"disclosed_plan"}, set()),
    ("我都想好了怎么做。", "zh", {"disclosed_plan"}, set()),
    ("I don't have a plan.", "en", set(), {"disclosed_plan"}),
    ("我没有计划。", "zh", set(), {"disclosed_plan"}),
    ("The pills are right here.", "en", {"means_at_hand"}, set()),
    ("I have them in front of me.", "en", {"means_at_hand"}, set()),
    ("药就在我手边。", "zh", {"means_at_hand"}, set()),
    ("我现在就在楼顶。", "zh", {"means_at_hand"}, set()),
    ("I'm going to end it tonight.", "en", {"imminent_risk"}, set()),
    ("我不想活了，今晚就结束。", "zh", {"imminent_risk", "disclosed_ideation"}, set()),
    ("I'm going to bed tonight.", "en", set(), {"imminent_risk"}),
    ("我今晚要加班。", "zh", set(), {"imminent_risk"}),
    ("I won't do it tonight, I promise.", "en", set(), {"imminent_risk"}),
    ("I tried to kill myself last year.", "en", {"past_attempt"}, {"disclosed_ideation"}),
    ("I had a suicide attempt in 2019.", "en", {"past_attempt"}, set()),
    ("我去年自杀过。", "zh", {"past_attempt"}, {"disclosed_ideation"}),
    ("哈哈哈哈", "zh", {"prank_revealed"}, set()),
    ("lol just kidding", "en", {"prank_revealed"}, set()),
    ("开玩笑的啦", "zh", {"prank_revealed"}, set()),
    ("我们在打赌你会不会挂电话", "zh", {"prank_revealed"}, set()),
    ("I'm not joking, I really need help.", "en", {"genuine_need"}, {"prank_revealed"}),
    ("我不是开玩笑，我是认真的。", "zh", {"genuine_need"}, {"prank_revealed"}),
    ("Tell me about your sex life.", "en", {"sexual_content"}, set()),
    ("你穿的什么衣服？", "zh", {"sexual_content"}, set()),
    ("(sobbing) he's gone", "en", {"crying"}, set()),
    ("呜呜呜……", "zh", {"crying"}, set()),
    ("（哭）我妈妈走了", "zh", {"crying"}, set()),
    ("I'm not crying.", "en", set(), {"crying"}),
    ("Okay, I'll put them in the kitchen and call my sister.", "en", {"agreed_safety_plan"}, set()),
    ("好，我答应你。", "zh", {"agreed_safety_plan"}, set()),
    ("I feel a bit calmer now.", "en", {"caller_calmer"}, set()),
    ("说出来好受一点了。", "zh", {"caller_calmer"}, set()),
]

# HELD-OUT: written before any rule existed and never used to tune the rules.
# Each case: (caller text, lang, events that must fire, events that must not fire).
HELDOUT = [
    ("Honestly I can't see any way things get better.", "en", {"hopelessness"}, set()),
    ("我觉得活着一点意思都没有了。", "zh", {"hopelessness"}, set()),
    ("I keep thinking everyone would be better off if I was gone.", "en", {"disclosed_ideation"}, set()),
    ("我真的不想再活下去了。", "zh", {"disclosed_ideation"}, set()),
    ("No, I would never kill myself, I have my kids.", "en", set(), {"disclosed_ideation"}),
    ("我没想过自杀，就是心里很烦。", "zh", set(), {"disclosed_ideation"}),
    ("I've already written the letters and picked a date.", "en", {"disclosed_plan"}, set()),
    ("我已经计划好了。", "zh", {"disclosed_plan"}, set()),
    ("I've got everything I need right next to me.", "en", {"means_at_hand"}, set()),
    ("我现在就站在桥上。", "zh", {"means_at_hand"}, set()),
    ("I'm going to do it tonight.", "en", {"imminent_risk"}, set()),
    ("我今晚就打算结束这一切。", "zh", {"imminent_risk"}, set()),
    ("I tried once before, two years ago, and ended up in hospital.", "en", {"past_attempt"}, set()),
    ("我以前自杀过一次，被救回来了。", "zh", {"past_attempt"}, set()),
    ("hahaha gotcha, it was a dare", "en", {"prank_revealed"}, set()),
    ("嘻嘻，逗你玩的", "zh", {"prank_revealed"}, set()),
    ("What are you wearing right now?", "en", {"sexual_content"}, set()),
    ("*crying* I'm sorry, I can't stop", "en", {"crying"}, set()),
    ("（抽泣）对不起……", "zh", {"crying"}, set()),
    ("I'm tired, I didn't sleep well.", "en", set(), {"disclosed_ideation", "hopelessness", "imminent_risk"}),
    ("今天工作很累。", "zh", set(), {"disclosed_ideation", "hopelessness"}),
]


# A passive wish not to be counts as hopelessness: the counsellor should then ask about suicide directly.
PASSIVE_WISH = [
    ("Honestly some days I wish I could just vanish and not have to deal with any of it.", "en", {"hopelessness"}, set()),
    ("I want to stop existing for a while, you know?", "en", {"hopelessness"}, set()),
    ("Part of me wants to go wherever he went.", "en", {"hopelessness"}, set()),
    ("If I was gone tomorrow, nobody would even notice if I disappeared.", "en", {"hopelessness"}, set()),
    ("I just want to disappear into my room and sleep all weekend.", "en", set(), {"hopelessness"}),
    ("I'd like to go to the seaside this weekend.", "en", set(), {"hopelessness"}),
    ("有时候真想就这么人间蒸发了，谁也别来找我。", "zh", {"hopelessness"}, set()),
    ("我就想从这个世界上消失。", "zh", {"hopelessness"}, set()),
    ("我妈走了以后，我真想跟她一起走了算了。", "zh", {"hopelessness"}, set()),
    ("我消失了也没人会发现吧。", "zh", {"hopelessness"}, set()),
    ("我想去外地散散心。", "zh", set(), {"hopelessness"}),
]


# Everyday words the rules took for risk (found on the validation half of models/data/caller_events_*.jsonl),
# worded afresh here, both ways.
EVERYDAY = [
    ("I'm hopeless with directions, I got lost twice on the way to work.", "en", set(), {"hopelessness"}),
    ("It was a hopeless case from the start, that car, so I sold it.", "en", set(), {"hopelessness"}),
    ("Honestly I just feel hopeless, like nothing I do matters.", "en", {"hopelessness"}, set()),
    ("There's no future in this company, so I'm looking for another job.", "en", set(), {"hopelessness"}),
    ("There's no future for me. None.", "en", {"hopelessness"}, set()),
    ("I've got plans for the weekend, my sister's coming over.", "en", set(), {"disclosed_plan"}),
    ("I've got a plan and I know when I'm doing it.", "en", {"disclosed_plan"}, set()),
    ("I wrote a letter to my boss about the overtime.", "en", set(), {"disclosed_plan"}),
    ("I've written the letters to my kids, they're in the drawer.", "en", {"disclosed_plan"}, set()),
    ("I'm going to end it with her tonight, I've had enough of the lying.", "en", set(),
     {"disclosed_ideation", "imminent_risk"}),
    ("I'm going to end it tonight. I can't do this any more.", "en", {"imminent_risk"}, set()),
    ("我可不想活成我妈那样，一辈子围着灶台转。", "zh", set(), {"disclosed_ideation"}),
    ("我真的不想活了，太累了。", "zh", {"disclosed_ideation"}, set()),
]


@pytest.mark.parametrize("text,lang,must,must_not", DEV + HELDOUT + PASSIVE_WISH + EVERYDAY)
def test_cases(text, lang, must, must_not):
    found = DETECTOR.detect(text, lang)
    assert must <= found, f"missing {must - found} in {found} for {text!r}"
    assert not (must_not & found), f"unexpected {must_not & found} for {text!r}"


def test_protocol_vocabulary_and_started_talking():
    assert isinstance(DETECTOR, CallerEventDetector)
    texts = [t for t, *_ in DEV + HELDOUT] + ["Hello?", "喂？"]
    found = set().union(*(DETECTOR.detect(t) for t in texts))
    assert found <= set(EVENTS)
    assert "started_talking" not in found


def test_empty_and_language_detection():
    assert DETECTOR.detect("") == set() and DETECTOR.detect("   ") == set()
    assert "disclosed_ideation" in DETECTOR.detect("我真的不想活了")
    assert "disclosed_ideation" in DETECTOR.detect("I really want to die")


# REPORTED: misses reported from golden calls (fixed by general rules, not these sentences).
# Each case: (caller text, lang, events that must fire, events that must not fire).
REPORTED = [
    ("刚才是我室友在闹。其实……其实是我自己想打的。我最近真的很难受，每天晚上都睡不着。", "zh", {"genuine_need"}, set()),
    ("我照顾生病的爸爸三年了，自己也快垮了。有时候真希望睡过去就再也不要醒来。", "zh", {"disclosed_ideation"}, set()),
    ("I've been saving up my sleeping pills. They're on the table in front of me.", "en", {"means_at_hand"}, set()),
    ("I was going to, after this call. I just wanted to talk to someone first.", "en", {"imminent_risk"}, set()),
    ("我把药放到门外了。", "zh", {"agreed_safety_plan"}, set()),
]

# VARIANTS: new wordings of the same categories, written for this fix (not from any data set).
VARIANTS = [
    ("好吧，实话说是我自己要打的，我这段时间真的撑不住了。", "zh", {"genuine_need"}, set()),
    ("Okay, that was my mates messing about. Actually it's me who wanted to call. I'm really not okay.", "en",
     {"genuine_need"}, set()),
    ("我真希望哪天一睡不醒就好了。", "zh", {"disclosed_ideation"}, set()),
    ("要是我死了，大家也就不用操心了。", "zh", {"disclosed_ideation"}, set()),
    ("我希望明天早上不用醒来。", "zh", {"disclosed_ideation"}, set()),
    ("我不希望你担心，我会好好的。", "zh", set(), {"disclosed_ideation"}),
    ("I've been stockpiling my painkillers for weeks.", "en", {"means_at_hand"}, set()),
    ("They're right next to me on the bed.", "en", {"means_at_hand"}, set()),
    ("I was going to, tonight, once everyone's asleep.", "en", {"imminent_risk"}, set()),
    ("I was going to call my mum tonight.", "en", set(), {"imminent_risk"}),
    ("我本来打算挂了电话就……", "zh", {"imminent_risk"}, set()),
    ("I've put them in the kitchen cupboard.", "en", {"agreed_safety_plan"}, set()),
    ("我已经把刀交给室友了。", "zh", {"agreed_safety_plan"}, set()),
]


@pytest.mark.parametrize("text,lang,must,must_not", REPORTED + VARIANTS)
def test_reported_and_variant_cases(text, lang, must, must_not):
    found = DETECTOR.detect(text, lang)
    assert must <= found, f"missing {must - found} in {found} for {text!r}"
    assert not (must_not & found), f"unexpected {must_not & found} for {text!r}"


# Means with the caller during the call are imminent; means kept somewhere are access only.
PRESENCE = [
    ("I've got the pills right here.", "en", {"means_at_hand", "imminent_risk"}, set()),
    ("I'm standing on the bridge right now and I can't do this.", "en", {"means_at_hand", "imminent_risk"}, set()),
    ("I've been saving up my tablets for weeks, they're in the drawer at home.", "en", {"means_at_hand"},
     {"imminent_risk"}),
    ("药就在我手边。", "zh", {"means_at_hand", "imminent_risk"}, set()),
    ("我攒够了安眠药，放在家里柜子里。", "zh", {"means_at_hand"}, {"imminent_risk"}),
]


@pytest.mark.parametrize("text,lang,must,must_not", PRESENCE)
def test_means_present_now_is_imminent(text, lang, must, must_not):
    events = DETECTOR.detect(text, lang)
    assert must <= events and not (must_not & events), events
