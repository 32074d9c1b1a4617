"""Suicide / self-harm / death-wish wording in English and Chinese, person-neutral.

Used by the rule tagger (trainee asks "...kill yourself?") and by the caller event
detector (caller says "...kill myself"). Deliberately free of method detail.
"""
from __future__ import annotations

import re

_SELF = r"(your|my|his|her|their|one's|our)\s*(own\s+)?"
_REFL = r"(yourself|myself|himself|herself|themselves|oneself|ourselves|urself)"

# Strong: unambiguous talk of suicide, self-harm or a wish to be dead.
SUICIDE_STRONG_EN = re.compile(
    r"\bsuicid\w*|\bkill(ing|ed|s)?\s+" + _REFL + r"|\b(end|ending|ended|take|taking|took)\s+" + _SELF + r"(life|lives)\b|"
    r"\b(end|ending)\s+(it\s+all|everything|your\s+life|it)\b(?!\s+(with|between))|"
    r"\b(hurt|hurting|harm|harming|injur\w*|cut|cutting)\s+" + _REFL + r"|\bself[- ]?(harm|injur)\w*|"
    r"\b(not|n't|never|no\s+longer)\s+(want(ing)?|wish(ing)?)\s+to\s+(live|be\s+alive|be\s+here|exist|go\s+on|wake\s+up)|"
    r"\b(not|n't|never|no\s+longer)\s+(wanting|want)\s+to\s+be\s+(alive|around)|"
    r"\b(want|wanting|wanted|wish|wishing|wished)\s+(to\s+)?(die|be\s+dead|were\s+dead|was\s+dead|you\s+were\s+dead|"
    r"i\s+were\s+dead|i\s+was\s+dead|to\s+disappear\s+for\s+good)|"
    r"\b(not|never)\s+(to\s+)?wak(e|ing)\s+up\b|\bnot\s+(to\s+)?exist(ing)?\b|"
    r"\b(think|thinking|thought|thoughts)\s+(about|of)\s+(death|dying|not\s+(living|being\s+(here|alive|around)))|"
    r"\bbetter\s+off\s+(dead|without\s+(you|me|them))|"
    r"\b(thoughts?|ideas?)\s+(of|about)\s+(death|dying|not\s+living)|\brather\s+(be\s+)?dead\b|"
    r"\b(taking|take|took)\s+(your|my)\s+(own\s+)?life\b", re.I)

# Weak: hedged or indirect wording; counts less on its own.
SUICIDE_WEAK_EN = re.compile(
    r"\b(ending|end)\s+things\b|\bgive\s+up\s+on\s+(life|living|everything)|"
    r"\b(not|no\s+longer)\s+(be\s+)?(here|around)\s+(anymore|any\s+more)|\bdisappear(ing)?\s+(for\s+good|forever)|"
    r"\bcan't\s+go\s+on\s+living|\bjoin\s+(him|her|them|the\s+person|your\s+late)\b|\b(stop|stopped)\s+living\b|\bworld\s+would\s+be\s+better\s+(off\s+)?without|"
    r"\bnot\s+(wanting|want)\s+to\s+(go\s+on|carry\s+on)|\bgo\s+to\s+sleep\s+(and|&)\s+not|"
    # life not worth living: hopelessness about life, short of naming death (a weaker cue)
    r"\b(life|living)\b[^.?!]{0,12}\b(not|isn't|is\s+not|wasn't|no\s+longer)\s+worth\s+(living|it)", re.I)

SUICIDE_STRONG_ZH = re.compile(
    r"自杀|轻生|寻死|想(要|去)?死(?![你您我])|不想(再)?活|活不下去|不(想|愿意?)(再)?(继续)?活(下去|着)|"
    r"结束(你|我|他|她)?(自己)?的?生命|结束自己|了结(自己|生命|一切)?|一死了之|"
    r"伤害(你|我)?自己|自残|自伤|死(了)?算了|(不想|不要|别)(再)?醒(来|过来)|离开这个世界|不活了|(死了|死掉)(反而|会)?(更好|好了)|"
    r"(跟着|随)(他|她|他们)?(一起)?(走|去)|走了算了|不(再)?存在|了断|"
    r"死的(念头|想法|打算)|(想到|想过|想起)(过)?(去)?死(?![你您我])|"
    r"不如死|(想|要)消失|永远(地)?消失|结束(这)?一切|一睡不醒|(希望|但愿|巴不得|恨不得)[^。！？]{0,8}(死|没(有)?(出生|生下来)|醒不过来)")

SUICIDE_WEAK_ZH = re.compile(r"(活着|活下去|人生|生活)(真|都|也)?(没|没有)(什么|啥)?(意思|意义)|(念头|想法|打算).{0,4}死|解脱|放弃(生命|一切|自己)|想不开|傻事|极端的(事|想法|念头)|不想(再)?(继续|坚持)下去")


# Names of services ("a suicide hotline") are not talk of suicide.
_SERVICE = re.compile(r"\bsuicide\s+(prevention\s+)?(line|hotline|helpline|lifeline|crisis\s+line|service|centre|center)s?\b|"
                      r"(自杀|心理危机)(干预|预防)?(热线|中心)", re.I)


def suicide_strength(text: str, lang: str) -> float:
    """0.9 for strong suicide/self-harm wording, 0.55 for weak or indirect wording, else 0."""
    text = _SERVICE.sub(" ", text)
    strong, weak = (SUICIDE_STRONG_ZH, SUICIDE_WEAK_ZH) if lang == "zh" else (SUICIDE_STRONG_EN, SUICIDE_WEAK_EN)
    if strong.search(text):
        return 0.9
    return 0.55 if weak.search(text) else 0.0
