"""RuleEventDetector: reads caller events (simulator.tagging.EVENTS) from a caller's words.

Bilingual, stdlib `re` only, negation-aware ("I'm not going to kill myself" is no disclosure,
"I don't want to live" is). `started_talking` is not detected here: the call session sets it.
Lexicons name no method detail.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable

from simulator.risk_lexicon import SUICIDE_STRONG_EN, SUICIDE_STRONG_ZH
from simulator.rule_text import compile_patterns, detect_lang, first_match, negated, normalise
from simulator.tagging import EVENTS, CallerEventDetector

log = logging.getLogger(__name__)

# event -> [(regex, weight)]; a weight of 1.0 means the wording carries its own negation
# ("don't want to live") and must not be cancelled by it; other matches are negation-checked.
_EN = {
    "hopelessness": [
        # not "no future in this job", "hopeless at cooking", "a hopeless match"
        (r"\b(no|any) (point|hope|way out|future)\b(?! in (this|that|the|my) (job|company|place|role|team|business|"
         r"industry|course|town|relationship))|\bpointless\b|(?<!\ba )\bhopeless\b(?! (at|with|when it comes)\b)|"
         r"\bnothing (will|is going to|ever) (change|get better|help|matter)|\bwhat'?s the point\b|\bgive up\b|\bgiving up\b|\bno reason to\b", 0.9),
        (r"\bcan'?t (go on|take (it|this|any more|anymore)|do this any ?more|keep going|see (a|any) (way|future|point))", 1.0),
        (r"\b(never|won't ever) get better\b|\btired of (living|everything|fighting|it all|trying)|\b(i'?m|i am) (a )?burden\b|"
         r"\b(trapped|stuck forever)\b|\bcan'?t see (any|a) way\b|\bnothing (left|matters)\b|\bno one (cares|would care)", 0.9),
        # a passive wish not to be (C-SSRS screener question 1 asks about exactly this): "I wish I could just
        # disappear", "stop existing", "go where she went", "nobody would notice if I was gone"
        (r"\b(wish|wished|wishes|want|wants|wanted|wanna|would like) (that )?(i )?(could |to )?(just )?((disappear|vanish)"
         r"(?! (into|to|from|for (a|the) (bit|day|weekend|night|few|week)))|fade away|stop existing|"
         r"not exist|cease to exist|go wherever (she|he|they) went|be with (her|him|them) again)\b|"
         r"\b(nobody|no one|no-one) would (even )?(notice|care|miss me) if i (was|were|wasn't|weren't|disappeared|vanished|"
         r"was gone|were gone)", 0.9),
    ],
    "disclosed_ideation": [
        (r"\b(don'?t|do not|no longer|never) (really )?want to (live|be alive|be here|go on|exist|wake up|carry on)\b|"
         r"\bdon'?t want to be around any ?more\b", 1.0),
        (r"(?<!tried to )(?<!attempted )(?<!tried )\b(kill|killing|end|ending|hurt|hurting|harm|harming) (myself|my life|it all|"
         r"my own life)\b|\bsuicid(e|al|ality)?\b(?! attempt)|"
         r"\b(want|wanted|wanna|wish|wished|going|ready|thinking|thought|think|plan|planning) (to |about |of )?(die|dying|"
         r"end it(?! (with|off)\b)|ending it(?! (with|off)\b)|be dead|disappear for good)\b|"  # not "end it with him"
         r"\bwish i (was|were) (dead|gone|never born)|\bbetter off "
         r"(dead|without me|if i (was|were) gone)|\btake my (own )?life\b|\bnot (to )?wake up\b", 0.9),
    ],
    "disclosed_plan": [
        # not "plans for the weekend"
        (r"\b(i'?ve|i have|i've got|i got|got) (a |the |my )?(plan|plans)\b(?! (for|to) (the |my |a |our |this )?(holiday|"
         r"holidays|weekend|summer|christmas|trip|party|wedding|retirement|kids|business|garden|move|house|day|week|"
         r"evening|birthday|exams?|course|career|future|visit))|\bi'?ve planned\b|\bplanned (it|everything|how|when|"
         r"where|it all)|\bi know (exactly )?(how|when|where) i('d| would|'ll| will| am going to)\b", 0.9),
        (r"\b(picked|chose|chosen|set|decided on) (a|the) (date|day|time|place)\b|\bwr(itten|ote) (the|a|my) (letters?|note|"
         r"goodbyes?)(?! (to|for) (my |the |a |our )?(landlord|boss|council|bank|school|teacher|manager|lawyer|doctor|"
         r"gp|mp|editor|company|insurance|neighbour|neighbor|agent|uni|university|college))|\bworked out how\b|"
         r"\bmade up my mind\b|\bgiv(en|ing) away my\b|\bsaid (my )?goodbyes?\b", 0.9),
    ],
    "means_at_hand": [
        (r"\b(pills|tablets|medication|meds|gun|rope|knife|blade|them|they|it|everything|what i need|the stuff)\b[^.!?]{0,30}"
         r"\b(right here|in front of me|next to me|beside me|in my hand|with me|on the table|within reach|by my bed|ready)\b", 0.9),
        (r"\bi'?m (standing |sitting )?(on|at) (the )?(roof|rooftop|bridge|edge|ledge|top of|cliff|railway|tracks|platform)\b|"
         r"\bi('ve| have)( been)? (got|collect\w*|sav\w*|stockpil\w*|hoard\w*|bought|buying|keep\w*)( up)? (the |enough |some |my |"
         r"all my |a lot of )?(\w+ )?(pills|tablets|meds|medication|painkillers|gun|rope)\b", 0.9),
    ],
    "imminent_risk": [
        (r"\b(tonight|right now|today|this (evening|afternoon|morning|weekend)|in a (few|couple of)? ?(minutes|hours)|soon|"
         r"after (this|the) call|when i hang up|before (morning|tomorrow))\b", 0.9),
    ],
    "past_attempt": [
        (r"\b(tried|attempted) (to )?(kill myself|end (it|my life)|die|suicide)|\b(tried|attempted) (once|twice|before|again|last)\b|"
         r"\bsuicide attempts?\b|\b(had|made) an? attempt\b|\b(last|previous|first) (time|attempt) i (tried|did)|\bmy (last|previous|first) attempt\b|\b(overdosed|od'?d) (before|once|last)", 0.9),
    ],
    "prank_revealed": [
        (r"\b(ha){2,}\b|\bhaha\w*|\blol\b|\blmao\b|\brofl\b|\bjust (kidding|joking|messing)\b|\bonly (joking|kidding)\b|\bjk\b|"
         r"\bit was (a|just a) (joke|prank|dare|bet)\b|\bprank\w*|\bgotcha\b|\bon a dare\b|\bfor a (bet|laugh)\b|"
         r"\byou fell for it\b|\(laugh\w*\)|\*laugh\w*\*|\bgiggl\w*|\b(we'?re|we were) (just )?(messing|having a laugh|joking)", 0.9),
    ],
    "sexual_content": [
        (r"\bwhat are you wearing\b|\bsex\w*\b|\bnaked\b|\bnude\b|\bin bed with\b|\bturn(s|ed)? me on\b|\bhorny\b|\byour body\b|"
         r"\btouch(ing)? (yourself|myself|me)\b|\bunderwear\b|\blingerie\b|\baroused\b|\bmasturbat\w*|\bporn\w*|"
         r"\byour voice is (so )?(hot|sexy)\b|\bkiss you\b", 0.9),
    ],
    "crying": [
        (r"[(\[*]\s*(sob\w*|cry\w*|cries|weep\w*|sniff\w*|tears?)\s*[)\]*]|\bi'?m (crying|sobbing|in tears)\b|"
         r"\bcan'?t stop crying\b|\b(sob|sniff)\b|\b\*sniff\*", 0.9),
    ],
    "agreed_safety_plan": [
        (r"\b(ok(ay)?|alright|yes|yeah|fine),? i('ll| will| can) (do that|try|call|put|give|stay|ask|go)|\bi promise i('ll| will)\b|"
         r"\bi can do that\b|\bi agree\b", 0.9),
        # the caller has moved the means away
        (r"\bi('ve| have)? (just )?(put|moved|given|handed|locked|thrown|flushed|taken)\b[^.!?]{0,20}\b(them|it|the \w+|my \w+)\b"
         r"[^.!?]{0,12}\b(away|in the (kitchen|car|other room|cupboard)|in (another|the next) room|out of (reach|the house|the room)|"
         r"outside|to my \w+|down the (toilet|sink)|cupboard|drawer|locked)", 0.9),
    ],
    "caller_calmer": [
        (r"\bi feel (a (bit|little) |slightly |much |a lot )?(better|calmer|lighter)\b|\bthank you for listening\b|"
         r"\b(helped|helps) to talk\b", 0.9),
    ],
    "genuine_need": [
        # dropping the act: "actually it was me who wanted to call", "for real, I'm not okay"
        (r"\b(actually|honestly|for real|seriously|to be honest)\b[^.!?]{0,20}\b(it('s| was| is) me who|i('m| am) (really |actually )?"
         r"(not ok(ay)?|struggling|in a bad way|having a (really )?hard time)|i (really |actually )?(wanted|needed|want|need) to "
         r"(call|talk))|\bit('s| was) (actually |really )?me who (wanted|needed|wants|needs) (to call|to talk|help)\b", 0.9),
        (r"\b(actually|honestly|seriously|to be honest),? i (really )?(do )?need (help|someone|to talk)|\bsorry i laughed\b|"
         r"\bit('s| is) not a (joke|prank)\b|\bi'?m (not joking|serious)\b", 0.9),
    ],
}

_ZH = {
    "hopelessness": [
        (r"没(有)?(希望|意义|意思|盼头|出路|用了)|撑不下去|坚持不下去|熬不下去|活着(有)?什么意思|活着(没|一点)|看不到(希望|未来|出路|头)|"
         r"绝望|无所谓了|一切都完了|拖累|(是|成了)(个|大家的)?负担|(什么|怎么)都(没用|不会好)|好不了了|不会好起来", 1.0),
        # a passive wish not to be: "真想就这么消失了算了", "想人间蒸发", "想跟她一起走"
        (r"(想|希望|但愿|巴不得|恨不得)[^。！？，]{0,6}(消失|人间蒸发|不存在|从世界上)|(跟|随)(她|他|妈|爸|我妈|我爸)[^。！？，]{0,3}(一起)?走了?算了|"
         r"(我)?(消失|不在)了(也)?(都)?没人(会)?(发现|在乎|注意|知道)", 0.9),
    ],
    "disclosed_ideation": [
        (r"不想(再)?活(?!成|得(像|跟|和))|活不下去|不(想|愿意?)(再)?(继续)?活(下去|着)|(不想|不要|别|不用)(再)?醒(来|过来)", 1.0),
        # a passive wish to be dead: "真希望睡过去就再也不要醒来", "要是我死了就不用…"
        (r"一睡不醒|长睡不醒|(希望|但愿|巴不得|恨不得)[^。！？]{0,10}(死|没(有)?(出生|生下来)|不存在|醒不过来|不(要|用)醒|出(个)?(车祸|意外))|"
         r"(要是|如果|假如)我(死了|不在了|没了)[^。！？]{0,3}(就|也就)", 1.0),
        (r"(?<!试图)(?<!尝试)(自杀|轻生|寻死)(?!过|未遂)|想(要|去)?死(?![你您我])|一死了之|结束(我)?(自己的)?生命|结束自己|了结(自己|生命|一切)?|"
         r"伤害(我)?自己|死(了)?算了|离开这个世界|不如死|(想|要)消失|结束(这)?一切|死了(就)?(好|一了百了)", 0.9),
    ],
    "disclosed_plan": [
        (r"计划(好)?了|有(一个|个)?计划|(想好|想清楚)(了)?(怎么|在哪|什么时候|用什么)|都想好了|(遗书|信)(都)?(写好|留好|写了)|"
         r"(写|留)(好)?了?遗书|选好了|定好了(日子|时间|地方)|安排好了(后事)?|后事|交代好了", 0.9),
    ],
    "means_at_hand": [
        (r"(药|安眠药|刀|绳子|东西|工具)[^。！？，]{0,6}(就)?(在)?(我)?(手边|身边|旁边|面前|手里|桌上|床头|准备好)|"
         r"我(现在)?(就)?(在|站在|坐在|爬上了?)(楼顶|天台|桥上|河边|江边|窗台|阳台|顶楼|铁轨|楼上|高处|窗边)|"
         r"(攒|存|买)(好|够)?了[^。！？]{0,4}(药|安眠药)", 0.9),
    ],
    "imminent_risk": [
        (r"今晚|今天|现在|马上|一会儿|待会|等一下|等下|挂了电话(就|以后|之后)|这就|明天(一早)?就", 0.9),
    ],
    "past_attempt": [
        (r"(以前|之前|曾经|上次|去年|前年|[一二两三四五六七八九十几\d]+(年|个月|次)前)(也)?[^。！？]{0,6}(自杀|试过|尝试过|寻死)|"
         r"自杀过|轻生过|被救(回来|过来|活)|抢救(过来|回来)|没死成|自杀未遂|又一次(试|想)", 0.9),
    ],
    "prank_revealed": [
        (r"哈{2,}|嘻嘻|嘿嘿|开(个)?玩笑(的|呢|啦)|逗你(玩)?(的|呢)?|骗你的|打赌|恶作剧|整蛊|[（(](笑|笑声|大笑|哄笑)[）)]|闹着玩|好玩(吧|吗)", 0.9),
    ],
    "sexual_content": [
        (r"穿(的|着)?(是)?什么|(?<![女男个人理])性(生活|感|爱|关系|经历|幻想)|做爱|上床|裸(体|照)|内衣|身材(怎么样|好|真)|胸部|胸(很|真|好)?(大|小)|你的声音(好|真)?(性感|好听|迷人)|"
         r"约(吗|炮)|色情|(摸|亲)(你|我)", 0.9),
    ],
    "crying": [
        (r"呜+|[（(](哭|哭泣|抽泣|啜泣|哽咽|大哭|泣)[）)]|我(在|一直在?)?哭|忍不住(地)?哭|哭个不停|抽泣|哽咽|泣不成声|止不住(地)?哭", 0.9),
    ],
    "agreed_safety_plan": [
        (r"(好(的)?|行|可以)，?我(会|答应|保证|试试)|我答应你|我保证(会|不)", 0.9),
        (r"我(已经|刚)?(先)?把[^。！？]{0,10}(放到|放在|拿到|挪到|交给|锁|扔|收起来|拿走|冲掉)", 0.9),
    ],
    "caller_calmer": [
        (r"(感觉|心里)?好(一)?(点|些)了|平静(一点|一些|些|点)了|谢谢你(听我说|陪我)|说出来(舒服|好受)(多|一点|些)了", 0.9),
    ],
    "genuine_need": [
        (r"其实我(是)?真的|说实话我|其实我(真的)?(需要|很)|我不是(在)?开玩笑|我是认真的", 0.9),
        # dropping the act: "其实是我自己想打的", "说真的，我最近真的很难受"
        (r"(其实|说真的|说实话|老实说|真的)[^。！？]{0,6}(是)?我(自己)?(想|要)(打|找人)|是我自己(想|要)打|"
         r"我(最近|这段时间|现在)?(是)?真的(很|挺|特别|好)?(难受|痛苦|撑不住|撑不下去|需要(帮助|人|帮忙))", 0.9),
    ],
}

_TABLES = {"en": compile_patterns(_EN), "zh": compile_patterns(_ZH)}
_INTENT = {
    "en": re.compile(r"\b(going to|gonna|'ll|will|about to|planning to|ready to|do it|end it|go through with|"
                     r"be gone|not be here|say goodbye)\b", re.I),
    "zh": re.compile(r"打算|准备|就要|要去|去做|动手|结束|了结|告别|走了|离开|跳|做了断"),
}
# The means physically with the caller during the call (in hand, on the table, standing on a roof):
# imminent, unlike means kept somewhere (stockpiled pills), which is access only.
_PRESENT = {
    "en": re.compile(r"\b(right here|in front of me|in my hand|next to me|beside me|on the table|within reach)\b|"
                     r"\bi'?m (standing |sitting )?(on|at) (the )?(roof|rooftop|bridge|edge|ledge|top of|cliff|railway|"
                     r"tracks|platform)\b", re.I),
    "zh": re.compile(r"(就)?(在)?(我)?(手边|面前|手里|手上|桌上)|"
                     r"我(现在)?(就)?(在|站在|坐在|爬上了?)(楼顶|天台|桥上|河边|江边|窗台|阳台|顶楼|铁轨|高处|窗边)"),
}
# Intent with its object left unsaid, the act too heavy to name: "I was going to, after this call."
_ELIDED = {
    "en": re.compile(r"\b(going|gonna|planning|about|ready|meant|intending) to\s*(?=[,;…—]|\.|$)", re.I),
    "zh": re.compile(r"(打算|准备|本来想|本来要)[^。！？]{0,10}(就)?(……|…|——)"),
}
_SUICIDE = {"en": SUICIDE_STRONG_EN, "zh": SUICIDE_STRONG_ZH}
_NOT_DETECTED = frozenset({"started_talking"})


class RuleEventDetector:
    """Detects caller events from words, in English or Chinese."""

    name = "rules"

    def detect(self, text: str, lang: str | None = None, also: Iterable[str] = ()) -> set[str]:
        """Return the events of simulator.tagging.EVENTS that the caller's words reveal. `also` are events another
        reader found in the same words (models.event_reader): they count, and take part in reading imminence."""
        if not text or not text.strip():
            return set()
        lang = lang if lang in _TABLES else detect_lang(text)
        text = normalise(text)
        events = {event for event, pats in _TABLES[lang].items() if self._fires(pats, text, lang)}
        events.discard("imminent_risk")
        events |= set(also) - {"imminent_risk"}
        if "imminent_risk" in also or self._imminent(text, lang, events) or self._present(text, lang, events):
            events.add("imminent_risk")
        events &= set(EVENTS) - _NOT_DETECTED
        log.debug("events[%s] %r -> %s", lang, text[:60], sorted(events))
        return events

    @staticmethod
    def _fires(patterns, text: str, lang: str) -> bool:
        """A self-negating pattern (weight 1.0) always counts; others only when not negated."""
        sure = [(rx, c) for rx, c in patterns if c >= 1.0]
        plain = [(rx, c) for rx, c in patterns if c < 1.0]
        return bool(first_match(sure, text, lang, False) or first_match(plain, text, lang, True))

    @staticmethod
    def _present(text: str, lang: str, events: set[str]) -> bool:
        """Means at hand *here and now* (not merely kept somewhere) make the risk imminent."""
        if "means_at_hand" not in events:
            return False
        m = _PRESENT[lang].search(text)
        return bool(m and not negated(text, m.start(), lang))

    @staticmethod
    def _imminent(text: str, lang: str, events: set[str]) -> bool:
        """A near time cue together with intent to act (or with disclosed ideation/plan)."""
        time_pats = _TABLES[lang]["imminent_risk"]
        times = [m for rx, _ in time_pats for m in rx.finditer(text) if not negated(text, m.start(), lang)]
        if not times:
            return False
        if events & {"disclosed_ideation", "disclosed_plan", "means_at_hand"}:
            return True
        elided = _ELIDED[lang].search(text)
        if elided and not negated(text, elided.start(), lang):
            return True
        intent = _INTENT[lang].search(text)
        return bool(intent and not negated(text, intent.start(), lang) and
                    (_SUICIDE[lang].search(text) or re.search(r"\bdo it\b|\bend it\b(?! (with|off)\b)|结束|了结|动手|做了断",
                                                                  text, re.I)))


DETECTORS = ("rules", "model", "combined")


def make_detector(kind: str = "rules") -> CallerEventDetector:
    """The caller-event reader of `kind`: "rules" (keywords, stdlib only), "model" (the encoder-based reader of
    models.event_reader alone, risk events only) or "combined" (rules ∪ model). A clear error names the known kinds
    or what to install."""
    if kind == "rules":
        return RuleEventDetector()
    if kind not in DETECTORS:
        raise ValueError(f"unknown event reader {kind!r}; known: {', '.join(DETECTORS)}")
    import importlib

    try:  # the reader lives in models/ (like the model tagger, simulator.tagging.make_tagger): the engine stays pure
        reader = importlib.import_module("models.event_reader")
    except ImportError as exc:
        raise ImportError(f"the {kind!r} event reader needs the ML extras ({exc}); install with "
                          "`pip install -e .[ml]` or use the rules reader") from None
    return reader.ModelEventDetector() if kind == "model" else reader.CombinedEventDetector()


def default_detector_kind(tagger_kind: str) -> str:
    """With the ML extras in use for tagging, read events with rules and model; a rules-only set-up stays rules-only."""
    return "rules" if tagger_kind == "rules" else "combined"
