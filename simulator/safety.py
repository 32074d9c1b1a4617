"""Content safety filter for every model-driven caller output (pure, bilingual).

A simulated caller may *say that* they have a plan or the means ("I've been saving my
pills"), because trainees must learn to hear it. It must never give *method detail*:
quantities of a substance, instructions, lethal doses, heights with instructions, or
personal data. `check(text)` returns (ok, reason); reason names the rule that blocked.
"""
from __future__ import annotations

import re

# --- lexicons ---------------------------------------------------------------
_NUM_EN = (r"(\d+|a\s+few|several|dozens?\s+of|hundreds?\s+of|(twenty|thirty|forty|fifty|sixty|"
           r"seventy|eighty|ninety|hundred|ten|eleven|twelve|fifteen)(\s*-?\s*\w+)?)")
_SUBSTANCE_EN = (r"(pills?|tablets?|capsules?|sleeping\s+pills|paracetamol|acetaminophen|tylenol|"
                 r"ibuprofen|aspirin|insulin|benzos?|xanax|diazepam|opioids?|oxy\w*|fentanyl|"
                 r"antidepressants?|pesticide|paraquat|poison|bleach|antifreeze|mg|milligrams?|grams?|ml)")
_METHOD_EN = (r"(overdos\w*|hang(ing)?\s+(my|your|him|her)sel\w+|noose|rope|ligature|jump(ing)?\s+(off|from)|"
              r"bridge|roof(top)?|ledge|cliff|wrists?|razor|blade|knife|gun|firearm|bullet|shoot|"
              r"carbon\s+monoxide|charcoal|exhaust|gas\s+oven|train\s+tracks?|drown\w*|suffocat\w*|"
              r"pills?|tablets?|poison|pesticide|bleach)")
_HOWTO_EN = (r"(how\s+to\s+(do\s+it|kill|die|end\s+it|overdose|hang|jump|cut|take|tie|mix|make\s+it)|how\s+(much|many)\s+(would|will|does|do|is|you)|step\s+by\s+step|the\s+best\s+way|"
             r"the\s+(quickest|fastest|easiest|surest)\s+way|make\s+sure\s+(it|you)|guaranteed|"
             r"(first|then|after\s+that|next),?\s+(you\s+)?(take|tie|cut|crush|mix|swallow|lock|seal|climb)|"
             r"you\s+(need|have)\s+to\s+(take|tie|cut|crush|mix|swallow|seal|climb)|"
             r"enough\s+to\s+(kill|die|be\s+fatal)|so\s+(it|that\s+it)\s+(works|doesn'?t\s+hurt)|"
             r"painless(ly)?|instructions?|mix\s+(it|them)\s+with)")
_HEIGHT_EN = r"\b\d+\s*(th|st|nd|rd)?\s*(floors?|stor(e)?ys?|met(er|re)s?|feet|ft|m)\b"
_LETHAL_EN = r"(lethal|fatal|deadly|toxic)\s+(dose|amount|quantity|level)|\bLD50\b"

_NUM_ZH = r"([0-9０-９]+|[一二三四五六七八九十百几两半整]+)"
_UNIT_ZH = r"(片|粒|颗|瓶|盒|板|克|毫克|毫升|mg|g|ml)"
_SUBSTANCE_ZH = (r"(药|安眠药|安定|地西泮|阿普唑仑|止痛药|扑热息痛|对乙酰氨基酚|胰岛素|抗抑郁药|农药|"
                 r"百草枯|敌敌畏|老鼠药|毒鼠强|消毒水|漂白水|酒精)")
_METHOD_ZH = (r"(吃药|吞药|服药|过量|上吊|绳子|勒|割腕|手腕|刀片|刀|跳楼|跳桥|跳河|跳下|楼顶|天台|桥上|"
              r"烧炭|木炭|煤气|一氧化碳|开煤气|卧轨|溺水|喝农药|药)")
_HOWTO_ZH = (r"((怎么|如何)(做|弄|才能|吃|用|绑|割|跳|死|自杀)|(自杀|死|结束生命)的?(方法|办法|方式)|步骤|教程|先.{0,12}(再|然后)|只要.{0,12}就(能|会|可以)|"
             r"才能(死|成功)|一定(会|能)死|保证|不(会)?痛(苦)?的(办法|方法)|最快的|最好的办法|"
             r"混(着|在一起)|关(紧|好)门窗|封(住|好)(门窗|缝))")
_HEIGHT_ZH = r"[0-9０-９一二三四五六七八九十几]+\s*(层|楼|米)"
_LETHAL_ZH = r"(致死|致命|足以致死|足够死)(的)?(剂量|量|数量)?|多少.{0,4}(才|就)(能|会)死"

# --- personal data ------------------------------------------------------------
_PERSONAL = [
    ("email address", re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")),
    ("id number", re.compile(r"\b\d{17}[\dXx]\b")),
    ("phone number", re.compile(r"(?<!\d)(\+?\d[\d\s-]{6,}\d)(?!\d)")),
    ("street address", re.compile(r"\b\d+\s+\w+(\s+\w+)?\s+(street|st|road|rd|avenue|ave|lane|drive)\b", re.I)),
    ("street address", re.compile(r"[\u4e00-\u9fff]{1,8}(路|街|大道)[0-9０-９]+号")),
    ("street address", re.compile(r"[0-9０-９]+(号楼|栋|单元)[0-9０-９]*")),
]
# Numbers that a caller or counselor may say: emergency and crisis lines.
_ALLOWED_NUMBERS = {"110", "120", "119", "112", "911", "999", "988", "12355", "12356", "400-161-9995"}


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_RULES: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "en": [
        ("lethal dose", _rx(_LETHAL_EN)),
        ("substance quantity", _rx(r"\b" + _NUM_EN + r"\s+(of\s+(my|the|those|these)\s+)?(\w+\s+)?" + _SUBSTANCE_EN + r"\b")),
        ("substance quantity", _rx(r"\b\d+\s*(mg|milligrams?|grams?|ml)\b")),
        ("method instructions", _rx(_HOWTO_EN + r".{0,80}" + _METHOD_EN)),
        ("method instructions", _rx(_METHOD_EN + r".{0,80}" + _HOWTO_EN)),
        ("substance combination", _rx(r"\b(mix|mixing|combine|combining|wash(ing)?\s+down|take|taking)\s+(it|them|those|these|the\s+\w+)\s+"
                                      r"(with|and)\s+(alcohol|booze|vodka|whisk(e)?y|wine|beer|liquor|drink)")),
        ("height with method", _rx(_HEIGHT_EN + r".{0,60}(jump|fall|drop|ledge|roof|edge)")),
        ("height with method", _rx(r"(jump|fall|drop)\w*.{0,60}" + _HEIGHT_EN)),
    ],
    "zh": [
        ("lethal dose", _rx(_LETHAL_ZH)),
        ("substance quantity", _rx(_NUM_ZH + r"\s*" + _UNIT_ZH + r".{0,6}" + _SUBSTANCE_ZH)),
        ("substance quantity", _rx(_SUBSTANCE_ZH + r".{0,6}" + _NUM_ZH + r"\s*" + _UNIT_ZH)),
        ("method instructions", _rx(_HOWTO_ZH + r".{0,30}" + _METHOD_ZH)),
        ("method instructions", _rx(_METHOD_ZH + r".{0,30}" + _HOWTO_ZH)),
        ("substance combination", _rx(r"(药|安眠药|安定).{0,6}(和|跟|配|加|就着|混)(着)?.{0,2}(酒|白酒|啤酒)")),
        ("height with method", _rx(_HEIGHT_ZH + r".{0,20}(跳|摔|掉|坠)")),
        ("height with method", _rx(r"(跳|摔|坠).{0,20}" + _HEIGHT_ZH)),
    ],
}


def _personal_data(text: str) -> str | None:
    for reason, rx in _PERSONAL:
        for m in rx.finditer(text):
            if reason == "phone number" and re.sub(r"\s", "", m.group(0)) in _ALLOWED_NUMBERS:
                continue
            return reason
    return None


def check(text: str, lang: str | None = None) -> tuple[bool, str]:
    """Return (True, "") if `text` is safe to show, else (False, the rule that blocked it).

    Both languages' rules run when `lang` is None (mixed or unknown text).
    """
    langs = ("en", "zh") if lang is None else (lang, "zh" if lang == "en" else "en")
    flat = re.sub(r"\s+", " ", text or "")
    for code in langs:
        for reason, rx in _RULES[code]:
            if rx.search(flat):
                return False, f"{reason} ({code})"
    personal = _personal_data(flat)
    if personal:
        return False, f"personal data: {personal}"
    return True, ""


def is_safe(text: str, lang: str | None = None) -> bool:
    """Shorthand for `check(text, lang)[0]`."""
    return check(text, lang)[0]
