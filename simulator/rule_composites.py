"""Skills the rule tagger decides from combinations of cues rather than single patterns.

Each function takes the text, its language and (where useful) whether the surrounding call
carries suicide-risk talk, and returns {skill: confidence}.
"""
from __future__ import annotations

import re

from simulator.risk_lexicon import suicide_strength
from simulator.rule_text import Compiled, first_match, is_question, sentences

_YOU = {"en": re.compile(r"\b(you|your|yourself|u|ur)\b", re.I), "zh": re.compile(r"你|您")}
# Chinese drops the pronoun ("有没有想过自杀？"): there, only a third-person subject rules a question out.
_THIRD = {"en": re.compile(r"(?!x)x"), "zh": re.compile(r"他|她|它")}

# --- suicide risk questions ---------------------------------------------------------------
_RISK = {
    "risk_plan": {
        "en": (r"\b(plan|plans|planned|planning)\b(?! (together|for (the|this|tomorrow|today|your day|the weekend)))|"
               r"\bhow (you would|you'd|you might|you're going to|you are going to|you'll) (do|go about)|"
               r"\bthought (about|through) how\b|\bworked out (how|when|where)|\b(decided|figured out) how\b|\bmethod\b", 0.9),
        "zh": (r"(?<!安全)计划|打算(怎么|用什么|在哪|如何)|想好(了)?(怎么|用什么|什么时候|在哪)|具体(的)?(想法|方法|打算|办法)|"
               r"(用|通过)什么(方式|方法|办法)|怎么(去)?做", 0.9),
    },
    "risk_means": {
        "en": (r"\b(access to|get hold of|got hold of|have (got )?(the|any)? ?(means|pills|medication|tablets|weapons?|guns?|"
               r"firearms?|rope|knife|knives))|\b(pills|medication|tablets|weapons?|guns?|firearms?|means)\b[^.?!]{0,30}"
               r"(with you|near you|at home|in the house|around you|on you|within reach)|\banything\b[^.?!]{0,20}\b(you could use|to hurt|"
               r"that could hurt|you might use|around you|near you)", 0.9),
        "zh": (r"(药|刀|工具|绳|东西|手段)[^。！？]{0,8}(手边|身边|旁边|家里|身上|准备|拿到|在哪|能拿)|(手边|身边|家里|身上)[^。！？]{0,8}"
               r"(有没有|有什么|有)[^。！？]{0,12}(药|刀|工具|绳|东西)|(准备|买|存|攒)(了|好)?[^。！？]{0,6}(药|东西|工具)", 0.9),
    },
    "risk_timeline": {
        "en": (r"\b(tonight|today|right now|soon|how soon|anytime soon|timeframe|time frame|this week)\b|"
               r"\b(intend|intention|intending|going to act|act on (them|it|these|those|that)|go through with|"
               r"decided (when|to)|when (are|were|do|would) you (planning|going|thinking))", 0.85),
        "zh": (r"今晚|今天|现在就|马上|什么时候|多久|近期|这几天|已经决定|决定了|真的会|会去做|(打算|准备)(什么时候|哪天|今)", 0.85),
    },
    "risk_history": {
        "en": (r"\b(ever|before|in the past|previously|last time|prior|past)\b[^.?!]{0,40}\b(tried|attempt\w*|done (this|that|it)|"
               r"hurt yourself|harmed yourself)|\b(tried|attempted)\b[^.?!]{0,40}\b(before|in the past|previously|ever)\b|"
               r"\b(previous|past|prior|earlier) (suicide )?attempts?", 0.9),
        "zh": (r"(以前|之前|过去|曾经|从前|有没有|有过)(也)?[^。！？]{0,8}(试过|尝试|自杀过|伤害过(你)?自己|这样做过|做过)|"
               r"(自杀|伤害自己|轻生)(过|的经历|的尝试|未遂)|有过(自杀|轻生)", 0.9),
    },
}
_WHY_LEAD = {"en": re.compile(r"^\W*(but |so )?why\b", re.I), "zh": re.compile(r"^\W*(你)?(为什么|为啥|干嘛|凭什么)")}
_RISK_RX = {skill: {lang: (re.compile(rx, re.I), conf) for lang, (rx, conf) in by_lang.items()}
            for skill, by_lang in _RISK.items()}
_SAFETY_PLAN = re.compile(r"safety plan|安全计划|plan together|一起(做|制定)", re.I)
# These risk questions need suicide talk somewhere near; a bare "do you have a plan?" gets less.
_NEEDS_CONTEXT = {"risk_timeline": 0.0, "risk_plan": 0.6, "risk_means": 0.6, "risk_history": 0.0}
# Wording that carries its own risk context ("act on these thoughts", "an attempt").
_SELF_EVIDENT = {
    "risk_history": re.compile(r"\b(attempt\w*)\b|自杀|轻生|伤害(过)?(你)?自己", re.I),
    "risk_timeline": re.compile(r"\b(act on (them|it|these|those|that)|go through with|do it|intend\w*)\b|"
                                r"(动手|行动|去做|付诸)", re.I),
}


def _question_windows(text: str, lang: str, follow_up_only: bool = False) -> list[tuple[str, float]]:
    """Sentences that ask something, plus a statement followed by a question (weighted lower).

    "Some people in pain think of ending their life. Is that true for you?" asks about the
    first sentence through the second. With `follow_up_only`, the question must point back
    at that statement (see _FOLLOW_UP).
    """
    sents = sentences(text)
    asks = [is_question(s, lang) for s in sents]
    windows = []
    for i, s in enumerate(sents):
        if asks[i]:
            windows.append((s, 1.0))
        elif i + 1 < len(sents) and asks[i + 1] and (_FOLLOW_UP[lang].search(sents[i + 1]) or not follow_up_only):
            windows.append((s + " " + sents[i + 1], 0.85))
    return windows


# A question that asks about the sentence before it: it points back ("Is that true for you?",
# "你会这样想吗？") or is too short to carry its own topic ("Are you?", "有吗？"). An unrelated
# follow-up ("Can you tell me what happened?") does not turn a reflection into a question.
_FOLLOW_UP = {
    "en": re.compile(r"\b(that|this|these|those|it|them|they|so|too|as well|also)\b|^\W*(\w+\W+){0,3}\w*\W*$", re.I),
    "zh": re.compile(r"这|那|也|^[^。！？?]{0,5}[。！？?]?$"),
}
# A reflection names what the caller said; with only hopelessness wording ("活着没意思") it is no inquiry.
_REFLECT = {
    "en": re.compile(r"^\W*(it |so it )?(sounds|seems|looks|feels) (like|as if|as though)|^\W*i (hear|sense)|"
                     r"^\W*(so )?you('re| are| feel| have been|'ve been)\b", re.I),
    "zh": re.compile(r"^\W*(听起来|听上去|听得出|看来|好像|似乎|感觉|我(能)?(听到|感觉到|感受到)|你(觉得|感觉|一直觉得))"),
}
# "anything you could use to hurt yourself" asks about means (risk_means), not about the wish itself.
_MEANS_PURPOSE = {
    "en": re.compile(r"\b(anything|something|things?|what|items?|objects?|stuff)\b[^.?!]{0,25}\b(to|could|can|might|would)\s+"
                     r"(use\s+to\s+)?(hurt|harm|kill|end)\s+(yourself|your\s+(own\s+)?life)", re.I),
    "zh": re.compile(r"(可以|能|能够)?(用来|拿来|用于|能)(伤害|结束|了结)[^。！？]{0,6}(的)?(东西|工具|物品|药)"),
}


def suicide_inquiry(text: str, lang: str) -> dict[str, float]:
    """Tag a direct (or hedged) question about suicide, self-harm or a wish to be dead."""
    best = 0.0
    for window, weight in _question_windows(text, lang, follow_up_only=True):
        strength = suicide_strength(_MEANS_PURPOSE[lang].sub(" ", window), lang)
        if strength < 0.9 and _REFLECT[lang].search(window):
            continue
        addressed = _YOU[lang].search(window) or (lang == "zh" and not _THIRD[lang].search(window))
        if strength and addressed and not _WHY_LEAD[lang].search(window):
            best = max(best, strength * weight)
    return {"suicide_inquiry": round(best, 2)} if best >= 0.5 else {}


def risk_questions(text: str, lang: str, risk_context: bool) -> dict[str, float]:
    """Tag the plan/means/timeline/history questions of a suicide risk assessment."""
    found: dict[str, float] = {}
    windows = _question_windows(text, lang)
    context = risk_context or any(suicide_strength(w, lang) for w, _ in windows)
    for skill, by_lang in _RISK_RX.items():
        rx, conf = by_lang[lang]
        for window, weight in windows:
            if not rx.search(window) or (skill == "risk_plan" and _SAFETY_PLAN.search(window)):
                continue
            score = conf * weight if context else _NEEDS_CONTEXT[skill]
            if not context and skill in _SELF_EVIDENT and _SELF_EVIDENT[skill].search(window):
                score = conf * weight
            found[skill] = max(found.get(skill, 0.0), round(score, 2))
    return {k: v for k, v in found.items() if v >= 0.5}


# --- emergency action: taking the step now, not "if it gets worse, call 120" ---------------------
_CONDITIONAL = {
    "en": re.compile(r"\b(if|in case|should you|whenever|next time|later)\b|\byou (can|could|may) (always )?(call|dial|ring)", re.I),
    "zh": re.compile(r"如果|万一|要是|的话|以后|下次|随时可以|你可以(打|拨)"),
}
_PAST_ASK = {
    "en": re.compile(r"^\W*(did|didn't|why|was|were|had|have you ever)\b", re.I),
    "zh": re.compile(r"当时|那时|以前|之前|为什么|有没有.{0,8}过"),
}


def emergency(text: str, lang: str, patterns: Compiled, negatable: bool) -> dict[str, float]:
    """emergency_action for a step taken now; a conditional mention is safety planning instead."""
    act = plan = 0.0
    for sent in sentences(text):
        conf = first_match(patterns, sent, lang, negatable)
        if not conf or _PAST_ASK[lang].search(sent):
            continue
        if _CONDITIONAL[lang].search(sent):
            plan = max(plan, 0.7)
        else:
            act = max(act, conf)
    return {"emergency_action": act} if act else ({"safety_planning": plan} if plan else {})


# --- confidentiality versus an unconditional secrecy promise ---------------------------------
_SECRECY = {
    "en": re.compile(r"\bconfidential\w*|\bprivate\b|\bprivacy\b|\banonymous\w*|\bsecre(t|cy|tly|ts)\b|\bstays? (between us|"
                     r"here|in this call|with me|on this line)|\bbetween (you and me|us)\b|\b(won't|will not|never|not going to|"
                     r"promise not to|don't|do not) (ever )?(tell|call|contact|send|report|pass|share|repeat|involve|inform|breathe)"
                     r"\b(?! you\b)|\bkeep (it|this|that|everything|what you say)\b[^.!?]{0,20}(to myself|secret|between us|private)|"
                     r"\b(no one|nobody|no-one|not a (single )?(soul|person|word))\b[^.!?]{0,40}\b(will|would|is going to|can)\b"
                     r"[^.!?]{0,12}\b(know|hear|find out|get out|be passed)|\bnothing you (say|tell me)\b[^.!?]{0,25}\b(passed|"
                     r"shared|repeated|reported|leave)|\blips are sealed\b|\bto my grave\b|\bcross my heart\b|\b(go|get) any "
                     r"further\b|\bnever leaves? (this|the) (call|room|line)\b|\bsafe with me\b|\bnot a word\b", re.I),
    "zh": re.compile(r"保密|隐私|匿名|秘密|守口如瓶|烂在(我)?肚子里|不会(告诉|透露|泄露|说出去|外传|对外|讲出去|报警|叫人|通知|联系)|"
                     r"不会(跟|和|对|向)[^。！？]{0,8}(说|讲|透露|提)|只(有)?(在)?我们(之间|两个人?|俩)|不会让(别人|任何人|其他人)知道|"
                     r"不会有(人|别人|任何人|第三个人)知道|(没|没有)(人|任何人)会知道|谁都不会(知道|听到)|一个字(都|也)?不|不会往外|"
                     r"(传|漏|说)出去|你知我知|为止|不会(找人|派人|上报|报警|说|打电话|叫)|(不|不会)(上报|报警|告诉别人)|嘴很严|"
                     r"留在这(儿|里)"),
}
_LIMIT = {  # an explicit limit: confidentiality, whatever else is said
    "en": re.compile(r"\bunless\b|\bexcept\b|(?<!no )\bexceptions?\b|\bbut if\b|\bonly if\b|\blimits?\b|\bhave to (tell|share|"
                     r"act|call|contact|break|involve)|\b(may|might|would|will) (need|have) to (tell|share|act|call|contact|involve|"
                     r"break|get)|\b(can't|cannot|can not|won't be able to) (promise|guarantee)", re.I),
    "zh": re.compile(r"除非|但(是)?(如果|若|要是)|(?<!没有)(?<!没)(?<!无)例外|限度|有限|不得不|(?<![不没别])(必须|需要|可能要|可能会|会)(报告|通知|联系|"
                     r"告诉|采取|打破|行动)|(不能|没办法|无法)(完全|绝对)?(保证|承诺)"),
}
_DANGER = {  # a danger condition: a limit, unless it is overridden ("even if your life is in danger")
    "en": re.compile(r"\b(in danger|at risk|risk of (serious )?harm|to keep you safe|your safety|life is)\b", re.I),
    "zh": re.compile(r"生命(危险|安全)|有(生命)?危险|(涉及|关系到|危及|威胁)[^。！？]{0,6}(安全|生命)|安全(问题|受到)"),
}
_OVERRIDE = {
    "en": re.compile(r"\beven (if|when|though)\b|\bno matter\b|\bregardless\b|\bwhatever (you|happens|it is)\b|"
                     r"\bno exceptions\b|\bfull stop\b", re.I),
    "zh": re.compile(r"即使|就算|哪怕|无论|不管|不论|没有例外"),
}
_UNCONDITIONAL = {
    "en": (re.compile(r"\bpromise\b|\bswear\b|\babsolutely\b|\bcompletely\b|\b(100|one hundred)\s?(%|percent)|\bguarantee\w*|"
                      r"\bever\b|\bnever\b|\bforever\b|\btotal(ly)?\b|\bnot a (soul|single)\b|\btrust me\b", re.I),
           re.compile(r"\b(anyone|anybody|no one|nobody|no-one)\b", re.I)),
    "zh": (re.compile(r"绝对|永远|谁都不|任何人都不|一定不会|保证|发誓|百分之百|打死|放心|怎么样都|答应你|承诺|担保|说到做到|"
                      r"一辈子|肯定|无论如何|完全|从来"),
           re.compile(r"任何人|别人|其他人|谁都|没人|没有人")),
}


# "I don't share personal details", "个人信息我不便透露": the counsellor declining to talk about
# themselves (a boundary), not a promise about the caller's words.
_OWN_DETAILS = {
    "en": re.compile(r"\bi( don't| do not| won't| will not| can't| cannot|'d rather not| would rather not| am not able to|'m not able to) "
                     r"(share|give( out)?|talk about|go into|disclose)( any| more)?( of)? (my )?(own )?(personal|private)"
                     r"( details| information| info| life| things)?\b(?! (of|about|from) (you|callers|anyone|people))", re.I),
    "zh": re.compile(r"(更多)?(我的|个人|私人)(的)?(信息|情况|资料|事情)[^。！？]{0,6}(不便|不方便|不能|没法)(透露|告诉|说|讲)|"
                     r"(不便|不方便|不能)(透露|告诉你)[^。！？]{0,4}(我的|个人|私人)"),
}


def confidentiality(text: str, lang: str) -> dict[str, float]:
    """Confidentiality with a stated limit, or a secrecy promise without one."""
    text = _OWN_DETAILS[lang].sub(" ", text)
    if not _SECRECY[lang].search(text):
        return {}
    if _LIMIT[lang].search(text):
        return {"confidentiality": 0.9}
    strong, weak = _UNCONDITIONAL[lang]
    if _OVERRIDE[lang].search(text) or strong.search(text):
        return {"promise_secrecy": 0.9}
    if _DANGER[lang].search(text):
        return {"confidentiality": 0.9}
    if weak.search(text):
        return {"promise_secrecy": 0.75}
    return {"confidentiality": 0.6}


# --- bare fact probes and "why" interrogation ------------------------------------------------
_PROBE = {
    "en": re.compile(r"\bwhat('s| has| had)? (exactly |actually |really )?happen(ed|ing)\b|\bwhat (exactly )?happened\b|"
                     r"\bwhat('s| is) (going on|wrong|the matter|the problem|up)\b|\bwhat did (he|she|they|you) do\b|"
                     r"\bwho did (this|that|it)\b|\bwhen did (it|this|that) (happen|start)|\bwhy are you crying\b|"
                     r"\bwhat('s| is) (this|it) (all )?about\b", re.I),
    "zh": re.compile(r"发生(了)?(什么|啥)(事)?|出(了)?(什么|啥)(事)?|怎么(了(?![解结断])|回事)|什么情况|到底怎么|"
                     r"(为什么|为啥|干嘛)(要)?哭|哭(是)?因为什么|谁(干|做)的|什么时候发生"),
}
_WARMTH = frozenset({"validation_empathy", "reflection_feeling", "patience_silence", "affirmation"})


_OFFER = {
    "en": re.compile(r"\b(would you like|do you want|would you be willing|would you feel able) to (try )?(tell|telling|talk|say|share)",
                     re.I),
    "zh": re.compile(r"(你)?愿(不愿)?意(试着|试试)?(跟我|和我)?(说说|讲讲|聊聊|谈谈)"),
}


def fact_probe(text: str, lang: str, other_skills: set[str]) -> dict[str, float]:
    """A what-happened/fact probe with no empathy in the same turn (the scorer decides 'premature').

    An offer that leaves the choice to the caller ("would you like to tell me what's happening?") is
    an open invitation, not a probe; a request ("can you tell me what happened?") stays a probe.
    """
    probes = [s for s in sentences(text) if _PROBE[lang].search(s)]
    if probes and not (_WARMTH & other_skills) and not all(_OFFER[lang].search(s) for s in probes):
        return {"premature_fact_probe": 0.85}
    return {}


_WHY = {
    "en": re.compile(r"\bwhy\b(?! (don't|not|dont) (you|we) (just )?(try|go|call|talk|take|get|see|tell|do|stop|give))", re.I),
    "zh": re.compile(r"((?<!因)为什么|为啥|干嘛|凭什么|怎么会|怎么能)(?!不(试试|去|找))"),
}
_WHY_HARSH = {
    "en": re.compile(r"\bwhy (would|did|didn't|do|don't|are|can't|won't|haven't|were|is) (you|anyone|someone)\b"
                     r"[^?]{0,30}(\?|like that|that|so|always|keep|even)", re.I),
    "zh": re.compile(r"(为什么|为啥|干嘛|凭什么)(你)?(要|不|总是|老是|会|非要|还)"),
}


def interrogating_why(text: str, lang: str) -> dict[str, float]:
    """'Why' questions: one gentle one is weak evidence, several or an accusing one strong."""
    asks = [s for s in sentences(text) if is_question(s, lang)]
    count = sum(len(_WHY[lang].findall(s)) for s in asks)
    if count >= 2:
        return {"interrogating_why": 0.9}
    if count == 1:
        harsh = any(_WHY_HARSH[lang].search(s) for s in asks)
        return {"interrogating_why": 0.8 if harsh else 0.6}
    return {}


# --- an invitation to talk wrapped in a yes/no form ("能跟我说说吗？", "Could you tell me...?") is open ---
_INVITE = {
    "en": re.compile(r"\b(can|could|would|will) you (please )?(tell|say|share|talk|describe|walk me)\b|"
                     r"\bwould you (like|be willing|want) to (try )?(tell|telling|say|share|talk)\b", re.I),
    "zh": re.compile(r"说说|讲讲|聊聊|谈谈|说一说|讲一讲|多说|多讲"),
}


def invitation_is_open(text: str, lang: str, found: dict[str, float]) -> dict[str, float]:
    """Drop closed_question when every question in the turn is an invitation to tell more."""
    asks = [s for s in sentences(text) if is_question(s, lang)]
    if "closed_question" in found and asks and all(_INVITE[lang].search(s) for s in asks):
        found = {k: v for k, v in found.items() if k != "closed_question"}
        found["open_question"] = max(found.get("open_question", 0.0), 0.85)
    return found


# --- "I'm not a doctor; I'm a trained counsellor": the counsellor's own role, not a referral ----------
_SELF_ROLE = {
    "en": re.compile(r"\bi('m| am)( not)? (a|an|the|one of the|your)\b(?:(?!\b(but|and you|you could|you can|if)\b)[^.;!?]){0,70}",
                     re.I),
    "zh": re.compile(r"我(不)?是[^。！？；，,]{0,16}"),
}


def own_role_is_no_referral(text: str, lang: str, found: dict[str, float], referral: Compiled) -> dict[str, float]:
    """Drop `referral` when the only service named is the counsellor's own role."""
    if "referral" in found and not first_match(referral, _SELF_ROLE[lang].sub(" ", text), lang, False):
        found = {k: v for k, v in found.items() if k != "referral"}
    return found


# --- "I'm going to hang up now", "我要挂了": announcing the end of the call ---------------------------
_HANG_UP_NOTICE = {
    "en": re.compile(r"\bi('m| am) (going to|gonna|about to|now going to) (hang up|end (the|this|our) call|say goodbye)\b|"
                     r"\bi('ll| will) (hang up|end the call|say goodbye) now\b", re.I),
    "zh": re.compile(r"我(现在|这边|就|先)*(要|得|准备)?(挂|挂断|挂掉)(了|啦|电话了|断电话了|断了)"),
}
# A threat ("if you don't talk I'll hang up") or a condition is no closing; pressuring rules judge threats.
_IF = {
    "en": re.compile(r"\b(if|unless|otherwise|or else|or i)\b|\bon you\b", re.I),
    "zh": re.compile(r"如果|要是|否则|不然|再不|的话"),
}


def hang_up_notice(text: str, lang: str, found: dict[str, float]) -> dict[str, float]:
    """An unconditional hang-up notice closes the call; with a stated reason it is the boundary's end."""
    notices = [s for s in sentences(text) if _HANG_UP_NOTICE[lang].search(s)]
    if notices and not any(_IF[lang].search(s) for s in notices) and "boundary_setting" not in found:
        found = {**found, "closing": max(found.get("closing", 0.0), 0.75)}
    return found
